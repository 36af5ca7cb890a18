"""Open311 service requests: a POST's form read into a ``NewContact`` for the one intake
path, and the public view of a request for GET (no personal data: no name, phone or
e-mail ever leaves here)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from hotline import clock
from hotline.audit.models import Event
from hotline.open311 import attributes
from hotline.open311.models import ServiceRequest
from hotline.open311.refusal import Refusal
from hotline.open311.services import Service, by_code, code_of_topic
from hotline.tickets.actions import NewContact
from hotline.tickets.lifecycle import STATE_LABELS
from hotline.tickets.models import Channel, State
from hotline.tickets.timeline import PUBLIC_ACTIONS

MAX_DESCRIPTION = 4000
WINDOW = timedelta(days=90)  # the spec's default and largest span of a GET requests query
MAX_LISTED = 1000
CLOSED = (State.ARCHIVED, State.REJECTED)
_CJK = re.compile(r"[\u3400-\u9fff]")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]{1,100})\](\[\])?$")


def param(data: QueryDict, name: str) -> str | None:
    """A parameter's value; an empty one is an absent one."""
    value = (data.get(name) or "").strip()
    return value or None


def param_list(data: QueryDict, name: str) -> list[str]:
    return [v for v in (p.strip() for p in (param(data, name) or "").split(",")) if v]


@dataclass
class Posted:
    service: Service
    contact: NewContact
    email: str
    media_url: str
    attributes: dict[str, Any]


def read_post(data: QueryDict) -> Posted:
    code = param(data, "service_code")
    if code is None:
        raise Refusal(400, "缺少 service_code(服务代码)")
    service = by_code().get(code)
    if service is None:
        raise Refusal(404, f"未知的服务代码「{code}」")
    lat, lng = _number(data, "lat"), _number(data, "long")
    address = param(data, "address_string") or ""
    if (lat is None) != (lng is None):
        raise Refusal(400, "lat 与 long 须同时提供")
    if lat is None and not address and param(data, "address_id") is None:
        raise Refusal(400, "缺少位置:请提供 lat 和 long,或 address_string")
    if len(address) > 300:
        raise Refusal(400, "address_string 不能超过 300 字")
    description = (data.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Refusal(400, f"description 不能超过 {MAX_DESCRIPTION} 字")
    email = param(data, "email") or ""
    if email:
        _check(EmailValidator(), email, "email 格式不正确")
    media_url = param(data, "media_url") or ""
    if media_url:
        _check(URLValidator(schemes=["http", "https"]), media_url, "media_url 须为 http(s) 链接")
        if len(media_url) > 1000:
            raise Refusal(400, "media_url 不能超过 1000 字")
    answers = attributes.checked(service.path, _attributes(data))
    extra = attributes.as_text(service.path, answers)
    text = "\n".join(part for part in (description or service.name, extra) if part)
    contact = NewContact(
        channel=Channel.API,
        text=text,
        title=service.name,
        citizen_name=_name(param(data, "first_name") or "", param(data, "last_name") or "")[:50],
        phone=param(data, "phone") or "",
        address=address,
        lat=lat,
        lng=lng,
        topic=service.path,
    )
    return Posted(service, contact, email, media_url, answers)


def _number(data: QueryDict, name: str) -> float | None:
    raw = param(data, name)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Refusal(400, f"{name} 须为数字") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise Refusal(400, f"{name} 须为有限数字")
    return value


def _check(validator: Any, value: str, message: str) -> None:
    try:
        validator(value)
    except ValidationError:
        raise Refusal(400, message) from None


def _name(first: str, last: str) -> str:
    """A Chinese name is family name first, without a space; others as written."""
    if _CJK.search(first + last):
        return last + first
    return " ".join(p for p in (first, last) if p)


def _attributes(data: QueryDict) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key in data:
        match = _ATTRIBUTE.match(key)
        if match is None:
            continue
        values = [v for v in data.getlist(key) if v.strip()]
        if not values:
            continue  # empty is absent
        found[match.group(1)] = values if match.group(2) else values[-1]
    return found


# --- GET --------------------------------------------------------------------------------


def _when(data: QueryDict, name: str) -> datetime | None:
    raw = param(data, name)
    if raw is None:
        return None
    try:
        value = parse_datetime(raw)
    except ValueError:  # well formed but no such day or hour
        value = None
    if value is None:
        raise Refusal(400, f"{name} 须为 W3C 日期时间,例如 2026-01-31T08:00:00+08:00")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def listed(data: QueryDict) -> QuerySet[ServiceRequest]:
    """The requests a GET asks for: ``service_request_id`` overrides every other filter;
    otherwise ``service_code``, ``status`` and a span of at most 90 days (the last 90 by
    default; a longer one is cut to 90 days from its start)."""
    rows = ServiceRequest.objects.select_related("ticket", "ticket__lead_unit").annotate(
        last_public=Subquery(
            Event.objects.filter(ticket=OuterRef("ticket"), action__in=PUBLIC_ACTIONS)
            .order_by("-seq")
            .values("created_at")[:1]
        )
    )
    ids = param_list(data, "service_request_id")
    if ids:
        return rows.filter(ticket__number__in=ids[:MAX_LISTED]).order_by("-created_at")
    codes = param_list(data, "service_code")
    if codes:
        services = by_code()
        rows = rows.filter(ticket__topic__in=[services[c].path for c in codes if c in services])
    statuses = param_list(data, "status")
    unknown = sorted(set(statuses) - {"open", "closed"})
    if unknown:
        raise Refusal(400, f"status 只能是 open 或 closed,收到「{','.join(unknown)}」")
    if set(statuses) == {"open"}:
        rows = rows.exclude(ticket__state__in=CLOSED)
    elif set(statuses) == {"closed"}:
        rows = rows.filter(ticket__state__in=CLOSED)
    start, end = span(data)
    rows = rows.filter(ticket__created_at__gte=start, ticket__created_at__lte=end)
    return rows.order_by("-created_at")[:MAX_LISTED]


def span(data: QueryDict) -> tuple[datetime, datetime]:
    """``start_date``..``end_date``: at most 90 days, the last 90 by default, a longer
    span cut to 90 days from its start."""
    start, end = _when(data, "start_date"), _when(data, "end_date")
    if start is not None and end is not None and end < start:
        raise Refusal(400, "end_date 不能早于 start_date")
    if start is None:
        end = end or clock.now()
        start = end - WINDOW
    elif end is None or end - start > WINDOW:
        end = start + WINDOW
    return start, end


def w3c(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# Numbers that identify a person, wherever a citizen typed them: mobile and fixed-line
# phone numbers, ID-card numbers (a public feed shows what happened where, not who).
_PERSONAL_NUMBER = re.compile(
    r"(?<![0-9])(?:\+?86[- ]?)?(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}|[0-9]{17}[0-9Xx])(?![0-9])"
)


def public_description(text: str, citizen_name: str, phone: str) -> str:
    """The request's text for everyone to read: the caller's name and number, and any
    phone or ID-card number in it, are starred; everything else comes back as sent."""
    for known in (phone, citizen_name if len(citizen_name) >= 2 else ""):
        if known:
            text = text.replace(known, "*" * len(known))
    return _PERSONAL_NUMBER.sub(lambda m: "*" * len(m.group(0)), text)


def public_view(row: ServiceRequest, services: dict[str, Service]) -> dict[str, Any]:
    ticket = row.ticket
    code = code_of_topic(ticket.topic) or row.service_code
    service = services.get(code)
    last_public = getattr(row, "last_public", None)
    return {
        "service_request_id": ticket.number,
        "status": "closed" if ticket.state in CLOSED else "open",
        "status_notes": STATE_LABELS.get(ticket.state, ticket.state),
        "service_name": service.name if service else None,
        "service_code": code,
        "description": public_description(ticket.text, ticket.citizen_name, ticket.phone),
        "agency_responsible": ticket.lead_unit.name if ticket.lead_unit else None,
        "service_notice": None,
        "requested_datetime": w3c(ticket.created_at),
        "updated_datetime": w3c(last_public or ticket.updated_at),
        "expected_datetime": w3c(ticket.next_due_at),
        "address": ticket.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": ticket.lat,
        "long": ticket.lng,
        "media_url": row.media_url or None,
    }
