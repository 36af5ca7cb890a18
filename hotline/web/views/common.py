"""What every page view shares, the staff pages and the role consoles alike: the actor,
role checks, error pages, the ``next`` a form may go back to, and one page of a list with
the query its pager links keep (``web/_pager.html``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from hotline.org.actor import Actor
from hotline.org.models import User

View = TypeVar("View", bound=Callable[..., HttpResponse])
PAGE_SIZE = 20


def actor_of(request: HttpRequest) -> Actor:
    user: User = request.user  # type: ignore[assignment]
    return Actor.of(user)


def roles_required(*roles: str) -> Callable[[View], View]:
    """Logged in (else to the login page) and one of ``roles`` (else a 403 page).

    Superusers pass: they administer the platform."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user: User = request.user  # type: ignore[assignment]
            if not (user.is_superuser or user.role in roles):
                return error_page(request, 403, "您的角色无权使用此页面。")
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def error_page(request: HttpRequest, status: int, message: str) -> HttpResponse:
    titles = {
        400: "请求有误",
        403: "无权访问",
        404: "未找到",
        405: "无法直接打开",
        409: "操作冲突",
        413: "内容过大",
        422: "填写有误",
        429: "请求过于频繁",
    }
    return render(
        request,
        "web/error.html",
        {"status": status, "title": titles.get(status, "出错了"), "message": message},
        status=status,
    )


def safe_next(request: HttpRequest, default: str) -> str:
    """The ``next`` the form or link carried if it is a path on this site, else ``default``.

    Our forms carry ``request.get_full_path``, a path: an absolute URL is refused even
    when it names this host, and ``//other.host/`` is refused as another site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return target
    return default


def paginate(request: HttpRequest, items: Any, per_page: int = PAGE_SIZE) -> Page[Any]:
    """One page of a queryset (a COUNT and a LIMIT/OFFSET query, never the whole table) or
    of a list; a page number that is not one goes to the first page, one past the end (or
    below 1) to the last."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without(request: HttpRequest, *drop: str) -> str:
    """The current query string without the ``drop`` keys, for building links."""
    params = [(k, v) for k, values in request.GET.lists() if k not in drop for v in values]
    return urlencode(params)


def pager(request: HttpRequest, page: Page[Any] | None) -> dict[str, Any]:
    """What ``web/_pager.html`` reads: the ``page`` and the ``pager_query`` its links keep
    (the current query but the page number)."""
    return {"page": page, "pager_query": query_without(request, "page")}
