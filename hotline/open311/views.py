"""The GeoReport v2 endpoints. Thin: read the request, call the intake or the listing,
answer in the format the path names. Every refusal is in the spec's error list, never
an HTML page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from hotline.errors import ActionError
from hotline.open311 import render
from hotline.open311.attributes import attributes_of
from hotline.open311.models import ApiKey, ServiceRequest
from hotline.open311.requests import Refusal, listed, public_view, read_post
from hotline.open311.services import all_services, by_code
from hotline.open311.updates import updates
from hotline.org.actor import Actor
from hotline.tickets.intake import take_in
from hotline.tickets.models import Ticket

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-03T00:00:00+08:00"

View = Callable[..., HttpResponse]


def refusals(*methods: str) -> Callable[[View], View]:
    """Only ``methods``; a ``Refusal`` becomes the spec's error answer."""

    def wrap(view: View) -> View:
        @wraps(view)
        def inner(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            jurisdiction = getattr(settings, "HOTLINE_OPEN311_JURISDICTION", "")
            asked = (request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or "").strip()
            if jurisdiction and asked and asked != jurisdiction:  # empty: as if absent
                return render.error(fmt, 404, f"本接口只服务辖区「{jurisdiction}」,没有辖区「{asked[:100]}」")
            if request.method not in methods:
                response = render.error(fmt, 405, f"不支持 {request.method} 方法")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, fmt, **kwargs)
            except Refusal as refusal:
                return render.error(fmt, refusal.status, refusal.description)

        return inner

    return wrap


@refusals("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri("/open311/v2/")
    value = {
        "changeset": CHANGESET,
        "contact": "12345 政务服务便民热线",
        "key_service": "提交诉求需要 API 密钥,请联系热线平台管理员申请",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render.answer(fmt, value, xml_root="discovery")


@refusals("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return render.answer(fmt, [s.as_dict() for s in all_services()], xml_root="services")


@refusals("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    service = by_code().get(code)
    if service is None:
        raise Refusal(404, f"未知的服务代码「{code}」")
    asked = [a.as_dict() for a in attributes_of(service.path)]
    return render.answer(fmt, {"service_code": code, "attributes": asked}, xml_root="service_definition")


@csrf_exempt
@refusals("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post(request, fmt)
    services = by_code()
    rows = [public_view(row, services) for row in listed(request.GET)]
    return render.answer(fmt, rows, xml_root="service_requests")


def _post(request: HttpRequest, fmt: str) -> HttpResponse:
    key = ApiKey.valid((request.POST.get("api_key") or "").strip())
    if key is None:
        raise Refusal(403, "api_key 缺失或无效")
    posted = read_post(request.POST)

    made: list[ServiceRequest] = []

    def remember(ticket: Ticket) -> None:
        made.append(
            ServiceRequest.objects.create(
                ticket=ticket,
                api_key=key,
                service_code=posted.service.code,
                email=posted.email,
                media_url=posted.media_url,
                attributes=posted.attributes,
            )
        )

    try:
        ticket = take_in(Actor.citizen(), posted.contact, first_step=remember).ticket
    except ActionError as exc:
        raise Refusal(400, exc.message) from exc
    notice = f"已受理,工单编号 {ticket.number},可凭编号查询办理进度"
    # The id at once, and the spec's token beside it for clients that keep only tokens.
    value = [{"service_request_id": ticket.number, "token": made[0].token, "service_notice": notice}]
    return render.answer(fmt, value, xml_root="service_requests")


@refusals("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    """GeoReport v2's ``tokens/{token}``: the request's id for the token its POST gave."""
    row = ServiceRequest.objects.select_related("ticket").filter(token=token[:64]).first() if token else None
    if row is None:
        raise Refusal(404, f"没有令牌为「{token[:64]}」的诉求")
    return render.answer(
        fmt, [{"service_request_id": row.ticket.number, "token": row.token}], xml_root="service_requests"
    )


@refusals("GET")
def one_request(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    rows = listed(_only(request_id))
    if not rows:
        raise Refusal(404, f"没有编号为「{request_id}」的诉求")
    services = by_code()
    return render.answer(fmt, [public_view(row, services) for row in rows], xml_root="service_requests")


@refusals("GET")
def request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """mySociety's extension: the public events of Open311 requests, oldest first."""
    return render.answer(fmt, updates(request.GET), xml_root="service_request_updates")


def _only(request_id: str) -> Any:
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query["service_request_id"] = request_id.replace(",", "")
    return query
