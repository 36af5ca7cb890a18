"""Thin HTTP views of the channel adapters: the protocol lives in each peer's module."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from hotline.errors import ActionError

from . import wechat

log = logging.getLogger(__name__)


@csrf_exempt  # WeChat's servers sign their requests; they have no session or CSRF token
@require_http_methods(["GET", "POST"])
def wechat_server(request: HttpRequest) -> HttpResponse:
    try:
        account = wechat.Account.configured()
    except ValueError:  # a malformed HOTLINE_WECHAT_AES_KEY: said, not a 500 per message
        log.error("HOTLINE_WECHAT_AES_KEY is not a 43-character EncodingAESKey")
        return HttpResponse("微信公众号接入配置有误", status=503, content_type="text/plain; charset=utf-8")
    if account is None:
        return HttpResponse("未启用微信公众号接入", status=404, content_type="text/plain; charset=utf-8")
    query = {key: request.GET.get(key, "") for key in request.GET}
    try:
        if request.method == "GET":
            return HttpResponse(wechat.verify_url(account, query), content_type="text/plain; charset=utf-8")
        length = request.META.get("CONTENT_LENGTH") or "0"
        if not length.isdigit() or int(length) > wechat.MAX_BODY_BYTES:
            raise wechat.Refused(413, "消息过大")
        reply = wechat.receive(account, query, request.body)
    except wechat.Refused as refused:
        return HttpResponse(refused.message, status=refused.status, content_type="text/plain; charset=utf-8")
    except ActionError as exc:  # the message itself refused by intake (e.g. too long)
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    return HttpResponse(reply, content_type="application/xml; charset=utf-8")
