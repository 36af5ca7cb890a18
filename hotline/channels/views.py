"""Thin HTTP views of the channel adapters: the protocol lives in each peer's module."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from hotline.errors import ActionError

from . import police, signing, sms, wechat

log = logging.getLogger(__name__)


def _declared_too_large(request: HttpRequest, limit: int) -> bool:
    """The request's Content-Length is past ``limit``, or is no number: refused before
    its body is read. A missing one counts as 0; the channel still checks the body read."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    # ASCII digits only: "²" is a digit to str.isdigit, not to int().
    return not (length.isascii() and length.isdigit()) or int(length) > limit


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
        if _declared_too_large(request, wechat.MAX_BODY_BYTES):
            raise wechat.Refused(413, "消息过大")
        reply = wechat.receive(account, query, request.body)
    except wechat.Refused as refused:
        return HttpResponse(refused.message, status=refused.status, content_type="text/plain; charset=utf-8")
    except ActionError as exc:  # the message itself refused by intake (e.g. too long)
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    return HttpResponse(reply, content_type="application/xml; charset=utf-8")


def _json_answer(status: int, body: dict[str, object]) -> JsonResponse:
    """110's and the SMS gateway's answers: JSON, its zh-CN as it is (no \\u escapes)."""
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


@csrf_exempt  # 110 signs its requests (HMAC, docs/police.md); no session or CSRF token
def police_link(request: HttpRequest) -> HttpResponse:
    try:
        link = police.Link.configured()
    except ValueError as exc:  # said once per request and logged, not a 500
        log.error("110 link misconfigured: %s", exc)
        return _json_answer(503, police.Refused(503, "misconfigured", "110联动接入配置有误").as_dict())
    if link is None:
        return _json_answer(404, police.Refused(404, "link_off", "未启用110联动接入").as_dict())
    if request.method != "POST":
        return _json_answer(405, police.Refused(405, "method_not_allowed", "仅接受 POST 请求").as_dict())
    try:
        if _declared_too_large(request, police.MAX_BODY_BYTES):
            raise police.Refused(413, "too_large", "请求体过大")
        status, answer = police.receive(link, request.headers, request.body)
    except police.Refused as refused:
        return _json_answer(refused.status, refused.as_dict())
    return _json_answer(status, answer)


@csrf_exempt  # the SMS gateway signs its pushes (HMAC, docs/sms.md); no session or CSRF token
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """Citizens' messages to the hotline's number (Alibaba Cloud's SmsUp push)."""
    return _sms_push(request, sms.receive)


@csrf_exempt
def sms_report(request: HttpRequest) -> HttpResponse:
    """Delivery reports of the texts sent to citizens (Alibaba Cloud's SmsReport push)."""
    return _sms_push(request, sms.report)


def _sms_push(request: HttpRequest, handle: sms.Handler) -> HttpResponse:
    try:
        gateway = sms.Gateway.configured()
    except ValueError:  # a too-short HOTLINE_SMS_SECRET: said, not a 500 per push
        log.error("HOTLINE_SMS_SECRET must have at least %d characters", signing.MIN_SECRET_CHARS)
        return _json_answer(503, sms.Refused(503, "短信网关接入配置有误").answer())
    if gateway is None:
        return _json_answer(404, sms.Refused(404, "未启用短信网关接入").answer())
    if request.method != "POST":
        return _json_answer(405, sms.Refused(405, "仅接受 POST 请求").answer())
    try:
        if _declared_too_large(request, sms.MAX_BODY_BYTES):
            raise sms.Refused(413, "推送内容过大")
        headers = request.headers
        answer = handle(
            gateway,
            headers.get(sms.TIMESTAMP_HEADER, ""),
            headers.get(sms.SIGNATURE_HEADER, ""),
            request.body,
        )
    except sms.Refused as refused:
        return _json_answer(refused.status, refused.answer())
    except ActionError as exc:  # a message intake refuses (checked before, so rare)
        return _json_answer(400, sms.Refused(400, str(exc)).answer())
    return _json_answer(200, answer)
