"""The error pages Django itself answers with (handler400/403/404/500 in ``hotline.urls``,
and the CSRF failure view): in zh-CN, in the platform's layout, whatever the browser's
language or DEBUG says. The 500 page is rendered without a request context: when the
server fails, the page must not need the database (no user, no unread count)."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader

from hotline.web.views.common import error_page

_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _said(exception: Exception | None, default: str) -> str:
    """The exception's own message when it is ours (Chinese); Django's English ones
    ("No Ticket matches the given query.", the resolver's tried patterns) are not shown."""
    text = str(exception or "")
    return text if _CHINESE.search(text) and len(text) <= 200 else default


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 400, "请求有误,无法处理。请返回上一页检查后重试。")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 403, _said(exception, "您无权访问此页面。"))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 404, _said(exception, "页面或工单不存在,或不在您的数据范围内。"))


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponseServerError(loader.get_template("web/500.html").render())


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # A form left open too long (the session expired) or posted from elsewhere.
    return error_page(request, 403, "页面已过期或来源无法验证,请返回上一页,刷新后重新提交。")
