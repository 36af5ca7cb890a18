"""The 110 link (110 联动), both ways, in the small signed JSON protocol of docs/police.md.

There is no public national protocol between 12345 and 110, so the platform defines one:

- Every request, either way, is JSON signed with the shared secret
  (``HOTLINE_POLICE_SECRET``): ``X-Hotline-Timestamp`` (Unix seconds),
  ``X-Hotline-Nonce`` (16–64 of ``[A-Za-z0-9_-]``, fresh per request) and
  ``X-Hotline-Signature``: ``v1=`` + hex HMAC-SHA256 over the direction
  (``12345->110`` or ``110->12345``), timestamp and nonce, a ``\\n`` after each, then the
  body's bytes.
- Out (12345 → 110): ``transfer_police`` writes a hand-off (``POST {url}/handoffs``) in
  its own transaction, the end of a ticket 110 handed in (archived or rejected) its result
  (``POST {url}/results``); both go through the outbox (``channels.PoliceMessage``),
  sent after commit and retried by the worker with backoff until 110 answers 2xx with
  its ``case_number``. The answer to a hand-off becomes the ``police_ack`` event.
- In (110 → 12345, ``POST /channels/police/``): ``type: handoff`` hands in a matter that
  is not the police's (a ticket of channel 110, the case number kept: a retry is the
  same ticket); ``type: result`` is 110's outcome of a case we handed over (the
  ``police_result`` event). Unsigned, wrongly signed, stale (> 300 s) and replayed
  requests are refused with 403 before the body is parsed, oversized ones with 413
  before it is read, and nothing is stored for any of them.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError
from django.db.models import F
from django.utils import timezone

from hotline import clock
from hotline.audit.models import Event
from hotline.db import write_transaction
from hotline.errors import ActionError, Conflict
from hotline.org.actor import Actor
from hotline.org.models import Role, User
from hotline.sla.notify import centre_users, notify
from hotline.tickets import events
from hotline.tickets.actions import NewContact
from hotline.tickets.actions.police import CASE_NUMBER, MAX_RESULT, MAX_UNIT, police_ack, police_result
from hotline.tickets.followers import TicketChange
from hotline.tickets.intake import take_in
from hotline.tickets.models import Channel, State, Ticket

from . import signing
from .models import PoliceCase, PoliceMessage, PoliceNonce

log = logging.getLogger(__name__)

# A hand-off or a result is a few kilobytes; a body past this is not one of them.
MAX_BODY_BYTES = 64 * 1024
# A signed request older or newer than this is refused; its nonce is kept twice as long
# (a timestamp from the window's far end is still fresh that much later).
MAX_SKEW_SECONDS = 300
TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER = (
    "X-Hotline-Timestamp",
    "X-Hotline-Nonce",
    "X-Hotline-Signature",
)
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}\Z")
# The first line of what is signed: which way the request goes.
TO_110, TO_12345 = "12345->110", "110->12345"
# The worker's retries: 30 s, 1 min, 2 min … at most an hour apart, until 110 answers.
BACKOFF_FIRST, BACKOFF_MAX = 30.0, 3600.0
# A hand-off still unacknowledged after this many attempts (about 90 s) is said to the
# centre: a police matter must not wait on a link that is down.
ALERT_AFTER = 3
UNACKNOWLEDGED = "police_unacknowledged"


class Refused(Exception):
    """A request the link turns away: its HTTP status, a stable code, a zh-CN message."""

    def __init__(self, status: int, code: str, message: str, field: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field

    def as_dict(self) -> dict[str, Any]:
        error = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        return {"ok": False, "error": error}


@dataclass(frozen=True)
class Link:
    url: str  # 110's base URL: hand-offs go to {url}/handoffs, results to {url}/results
    secret: bytes
    timeout: float

    @classmethod
    def configured(cls) -> Link | None:
        """The link, or None when it is off (no URL or no secret: never a default one).
        A URL that is not http(s) or a secret too short to be one raises ValueError."""
        url = getattr(settings, "HOTLINE_POLICE_URL", "")
        secret = getattr(settings, "HOTLINE_POLICE_SECRET", "")
        if not url or not secret:
            return None
        if not url.startswith(("http://", "https://")):
            raise ValueError("HOTLINE_POLICE_URL must be an http(s) URL")
        if len(secret) < signing.MIN_SECRET_CHARS:
            raise ValueError(
                f"HOTLINE_POLICE_SECRET must have at least {signing.MIN_SECRET_CHARS} characters"
            )
        timeout = float(getattr(settings, "HOTLINE_POLICE_TIMEOUT", 5.0))
        return cls(url=url.rstrip("/"), secret=secret.encode(), timeout=timeout)


def is_on() -> bool:
    """Whether the link is set up at all (a misconfigured one counts: its messages wait
    in the outbox, and the worker logs why they are not sent)."""
    return bool(
        getattr(settings, "HOTLINE_POLICE_URL", "") and getattr(settings, "HOTLINE_POLICE_SECRET", "")
    )


def signature(secret: bytes, direction: str, timestamp: str, nonce: str, body: bytes) -> str:
    """``v1=`` + hex HMAC-SHA256 of direction, timestamp, nonce and body, one per line:
    the direction keeps a request of ours to 110 from being replayed to us as 110's."""
    return "v1=" + signing.hmac_hex(secret, direction, timestamp, nonce, body=body)


def signed_headers(secret: bytes, body: bytes) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), secrets.token_urlsafe(24)
    return {
        "Content-Type": "application/json; charset=utf-8",
        TIMESTAMP_HEADER: timestamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: signature(secret, TO_110, timestamp, nonce, body),
    }


# ---------------------------------------------------------------------------------------
# In: 110's signed requests.


def check_signed(link: Link, headers: Mapping[str, str], body: bytes) -> None:
    """Refuse what is not 110's fresh, unreplayed, signed request; then keep its nonce.
    Nothing is written for a refused request."""
    if signing.too_large(body, MAX_BODY_BYTES):
        raise Refused(413, "too_large", "请求体过大")
    timestamp, nonce = headers.get(TIMESTAMP_HEADER, ""), headers.get(NONCE_HEADER, "")
    given = headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not nonce or not given:
        raise Refused(403, "unsigned", "请求未签名")
    if not NONCE_RE.match(nonce) or not signing.is_timestamp(timestamp):
        raise Refused(403, "bad_signature", "签名校验失败")
    expected = signature(link.secret, TO_12345, timestamp, nonce, body)
    if not signing.signature_matches(expected, given):
        raise Refused(403, "bad_signature", "签名校验失败")
    if not signing.within_window(timestamp, time.time(), MAX_SKEW_SECONDS):
        raise Refused(403, "stale", "请求已过期(时间戳超出 300 秒窗口)")
    now = timezone.now()
    try:
        with write_transaction():
            # Nonces older than the window can go: their timestamp is refused anyway.
            PoliceNonce.objects.filter(seen_at__lt=now - timedelta(seconds=2 * MAX_SKEW_SECONDS)).delete()
            PoliceNonce.objects.create(nonce=nonce, seen_at=now)
    except IntegrityError:
        raise Refused(403, "replayed", "请求重复(随机串已使用)") from None


def receive(link: Link, headers: Mapping[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
    """A request of 110's, checked: (HTTP status, JSON answer)."""
    check_signed(link, headers, body)
    try:
        message = json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, NaN, or nested past reason
        raise Refused(400, "bad_json", "请求体不是有效的 JSON") from None
    if not isinstance(message, dict):
        raise Refused(400, "bad_json", "请求体须为 JSON 对象")
    kind = message.get("type")
    if kind == "handoff":
        return _handed_in(message)
    if kind == "result":
        return _result_of_ours(message)
    raise Refused(400, "bad_type", "type 须为 handoff 或 result", "type")


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number of this protocol")


def _text(message: dict[str, Any], name: str, limit: int, *, required: bool = False, within: str = "") -> str:
    """The string ``name`` of ``message`` (the object ``within``, for a nested one)."""
    path = f"{within}.{name}" if within else name
    value = message.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise Refused(400, "bad_field", f"{path} 须为字符串", path)
    value = value.strip()
    if required and not value:
        raise Refused(400, "missing_field", f"缺少 {path}", path)
    if len(value) > limit:
        raise Refused(400, "bad_field", f"{path} 不能超过 {limit} 个字符", path)
    return value


def _case_number(message: dict[str, Any]) -> str:
    number = _text(message, "case_number", 64, required=True)
    if not CASE_NUMBER.match(number):
        raise Refused(400, "bad_field", "case_number 只能含字母、数字、- 和 _", "case_number")
    return number


def _object(message: dict[str, Any], name: str) -> dict[str, Any]:
    value = message.get(name) or {}
    if not isinstance(value, dict):
        raise Refused(400, "bad_field", f"{name} 须为 JSON 对象", name)
    return value


def _coordinate(place: dict[str, Any], name: str) -> float | None:
    value = place.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused(400, "bad_field", f"place.{name} 须为数字", f"place.{name}")
    try:
        return float(value)
    except OverflowError:  # an integer past any float: no coordinate
        raise Refused(400, "invalid", f"place.{name} 超出范围", f"place.{name}") from None


# A field intake refuses, named as the protocol names it.
CONTACT_PATHS = {
    "text": "request.text",
    "title": "request.title",
    "citizen_name": "caller.name",
    "phone": "caller.phone",
    "address": "place.address",
    "lat": "place.lat",
    "lng": "place.lng",
}


def _handed_in(message: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """110 hands in a matter that is not the police's: a ticket of channel 110."""
    case_number = _case_number(message)
    known = PoliceCase.objects.select_related("ticket").filter(case_number=case_number).first()
    if known is not None:
        if known.direction != PoliceCase.IN:
            raise Refused(409, "case_conflict", "该警情编号属于 12345 移交 110 的工单", "case_number")
        return 200, _taken(known.ticket, case_number, created=False)
    caller, place, request = (
        _object(message, "caller"),
        _object(message, "place"),
        _object(message, "request"),
    )
    contact = NewContact(
        channel=Channel.POLICE,
        text=_text(request, "text", 50_000, required=True, within="request"),
        title=_text(request, "title", 200, within="request"),
        citizen_name=_text(caller, "name", 50, within="caller"),
        phone=_text(caller, "phone", 20, within="caller"),
        address=_text(place, "address", 200, within="place"),
        lat=_coordinate(place, "lat"),
        lng=_coordinate(place, "lng"),
        idempotency_key=f"police:{case_number}",
    )
    note = _text(message, "note", 500)
    if note:  # 110's operator's word on why it is ours: part of what the centre reads
        contact.text = f"{contact.text}\n【110 转办说明】{note}"

    def link_case(ticket: Ticket) -> None:
        PoliceCase.objects.create(
            ticket=ticket, direction=PoliceCase.IN, case_number=case_number, created_at=clock.now()
        )

    try:
        intake = take_in(Actor.system(), contact, first_step=link_case)
    except ActionError as exc:
        field = getattr(exc, "field", "")
        raise Refused(400, exc.code, exc.message, CONTACT_PATHS.get(field, field)) from None
    except IntegrityError:  # the same case number handed in by a parallel request
        known = PoliceCase.objects.select_related("ticket").filter(case_number=case_number).first()
        if known is None:
            raise
        return 200, _taken(known.ticket, case_number, created=False)
    return (201 if intake.created else 200), _taken(intake.ticket, case_number, created=intake.created)


def _taken(ticket: Ticket, case_number: str, *, created: bool) -> dict[str, Any]:
    return {"ok": True, "ticket": ticket.number, "case_number": case_number, "created": created}


def _result_of_ours(message: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """110's outcome of a case we handed over: the ``police_result`` event."""
    case_number = _case_number(message)
    result = _text(message, "result", MAX_RESULT, required=True)
    unit = _text(message, "unit", MAX_UNIT)
    handled_at = _text(message, "handled_at", 40)
    case = (
        PoliceCase.objects.select_related("ticket")
        .filter(case_number=case_number, direction=PoliceCase.OUT)
        .first()
    )
    if case is None:
        raise Refused(404, "unknown_case", "没有该警情编号对应的移交工单", "case_number")
    answer = {"ok": True, "ticket": case.ticket.number, "case_number": case_number}
    try:
        police_result(
            Actor.system(),
            case.ticket.number,
            case_number=case_number,
            result=result,
            unit=unit,
            handled_at=handled_at,
        )
    except Conflict as exc:
        if exc.code != "already_recorded":
            raise Refused(409, exc.code, exc.message) from None
        return 200, {**answer, "duplicate": True}
    except ActionError as exc:
        raise Refused(400, exc.code, exc.message, getattr(exc, "field", "")) from None
    return 200, {**answer, "duplicate": False}


# ---------------------------------------------------------------------------------------
# Out: the outbox, written by the change that calls for a message.


# How a matter 110 handed in ends, as 110 hears it: archived (handled) or rejected (不予受理).
OUTCOMES: dict[str, str] = {State.ARCHIVED: "archived", State.REJECTED: "rejected"}


def _calls_for_message(change: TicketChange) -> str:
    """Which message ``change`` calls for: a hand-off, a result, or none ("")."""
    if change.action == "transfer_police":
        return PoliceMessage.HANDOFF
    if (
        change.ticket.channel == Channel.POLICE
        and change.ticket.state in OUTCOMES
        and change.from_state != change.ticket.state
    ):
        return PoliceMessage.RESULT
    return ""


def write_messages(change: TicketChange) -> None:
    """Follower inside the change's transaction: the message it calls for joins the
    outbox, so a committed transfer always has its hand-off (and a rolled-back one none),
    and a matter 110 handed in its result when it is archived or rejected."""
    kind = _calls_for_message(change)
    if not kind or not is_on():
        return
    now = clock.now()
    if kind == PoliceMessage.HANDOFF:
        case = PoliceCase.objects.create(ticket=change.ticket, direction=PoliceCase.OUT, created_at=now)
        body = handoff_body(change.ticket, change)
    else:
        found = PoliceCase.objects.filter(ticket=change.ticket, direction=PoliceCase.IN).first()
        if found is None:  # a channel-110 ticket typed in by hand, not one 110 sent
            return
        case = found
        body = result_body(change.ticket, case, change)
    request_id = secrets.token_hex(16)
    PoliceMessage.objects.create(
        kind=kind,
        case=case,
        request_id=request_id,
        body={"type": kind, "request_id": request_id, **body},
        created_at=now,
        # Claimed for its first attempt, made right after commit (``send_messages``): the
        # worker leaves it alone until the backoff has passed, so the change's own
        # transaction is the claim and the first send costs no commit of its own.
        attempts=1,
        next_attempt_at=now + backoff(1),
    )


def send_messages(change: TicketChange) -> None:
    """Follower after commit: send what the change wrote at once (the worker retries)."""
    if not _calls_for_message(change) or not is_on():
        return
    first = PoliceMessage.objects.filter(
        case__ticket=change.ticket, acknowledged_at__isnull=True, attempts=1, last_error=""
    )
    deliver(list(first.values_list("id", flat=True)), claimed=True)


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment is not None else None


def handoff_body(ticket: Ticket, change: TicketChange) -> dict[str, Any]:
    """What 110 receives of a transferred ticket: the request, the place, the caller and
    the operator's note (the reason given for 转110)."""
    payload = change.event.payload or {}
    user = change.actor.user
    return {
        "ticket": ticket.number,
        "transferred_at": _iso(change.event.created_at),
        "request": {
            "title": ticket.title,
            "text": ticket.text,
            "type": ticket.type,
            "urgency": ticket.urgency,
            "received_at": _iso(ticket.created_at),
        },
        "place": {
            "address": ticket.address,
            "lat": ticket.lat,
            "lng": ticket.lng,
            "area": ticket.place.name if ticket.place_id and ticket.place else "",
        },
        "caller": {"name": ticket.citizen_name, "phone": ticket.phone},
        "note": events.stated_reason(change.action, payload),
        "operator": (user.display_name or user.username) if user is not None else "",
    }


def result_body(ticket: Ticket, case: PoliceCase, change: TicketChange) -> dict[str, Any]:
    """What 110 hears back of a matter it handed in, once its ticket is archived (the
    handling's result) or rejected (the reason the citizen was told)."""
    lead = ticket.lead_unit
    reason = events.stated_reason(change.action, change.event.payload or {})
    return {
        "case_number": case.case_number,
        "ticket": ticket.number,
        "outcome": OUTCOMES[ticket.state],
        "result": ticket.result or reason,
        "unit": lead.name if lead is not None else "12345热线中心",
        "satisfaction": ticket.satisfaction,
        "accepted_at": _iso(ticket.created_at),
        "closed_at": _iso(ticket.closed_at),
        "decided_at": _iso(change.event.created_at),
    }


# ---------------------------------------------------------------------------------------
# Sending, and the worker's retries.


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    """How long after its ``attempts``-th try a message is tried again."""
    return timedelta(seconds=min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1)))


def deliver_due(limit: int = 100) -> Delivery:
    """The worker's round: send the messages whose next attempt is due, oldest first."""
    if not is_on():
        return Delivery()
    due = PoliceMessage.objects.filter(acknowledged_at__isnull=True, next_attempt_at__lte=timezone.now())
    return deliver(list(due.order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit]))


def deliver(ids: list[int], *, claimed: bool = False) -> Delivery:
    """Send the messages ``ids``, each claimed first unless the caller holds the claim."""
    done = Delivery()
    if not ids:
        return done
    try:
        link = Link.configured()
    except ValueError as exc:
        log.error("110 link misconfigured, %d message(s) wait: %s", len(ids), exc)
        return Delivery(failed=len(ids))
    if link is None:
        return done
    for message in PoliceMessage.objects.filter(id__in=ids).select_related("case__ticket").order_by("id"):
        if claimed or _claim(message):
            if _send(link, message):
                done.sent += 1
            else:
                done.failed += 1
    return done


def _claim(message: PoliceMessage) -> bool:
    """Take the message for one attempt: its next attempt moves on by the backoff before
    it is sent, so a parallel sender (the worker beside an after-commit send) skips it and
    a crash mid-send only delays it."""
    now = timezone.now()
    with write_transaction():
        claimed = PoliceMessage.objects.filter(
            pk=message.pk, acknowledged_at__isnull=True, attempts=message.attempts
        ).update(attempts=F("attempts") + 1, next_attempt_at=now + backoff(message.attempts + 1))
    if claimed:
        message.attempts += 1
    return bool(claimed)


def _post(link: Link, path: str, body: bytes) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - Link.configured checked the URL is http(s)
        link.url + path, data=body, headers=signed_headers(link.secret, body), method="POST"
    )
    with urllib.request.urlopen(request, timeout=link.timeout) as response:  # noqa: S310 - see above
        answer = json.loads(response.read(MAX_BODY_BYTES + 1) or b"null", parse_constant=_no_constant)
    if not isinstance(answer, dict):
        raise ValueError("110's answer is not a JSON object")
    return answer


def _send(link: Link, message: PoliceMessage) -> bool:
    body = json.dumps(message.body, ensure_ascii=False).encode()
    path = "/handoffs" if message.kind == PoliceMessage.HANDOFF else "/results"
    try:
        answer = _post(link, path, body)
        case_number = answer.get("case_number")
        if not isinstance(case_number, str) or not CASE_NUMBER.match(case_number):
            raise ValueError("110's answer has no valid case_number")
        if message.kind == PoliceMessage.RESULT and case_number != message.case.case_number:
            raise ValueError("110 acknowledged the result with another case number")
        _acknowledged(message, case_number)
    # 110 unreachable, answering garbage, or not ready (a case number already linked).
    except (
        OSError,
        http.client.HTTPException,
        ValueError,
        RecursionError,
        IntegrityError,
        ActionError,
    ) as exc:
        reason = _reason(exc)
        log.warning(
            "110 %s %s (attempt %d) failed: %s", message.kind, message.request_id, message.attempts, reason
        )
        with write_transaction():
            PoliceMessage.objects.filter(pk=message.pk).update(last_error=reason[:300])
            if message.kind == PoliceMessage.HANDOFF and message.attempts == ALERT_AFTER:
                _tell_centre_unacknowledged(message, reason)
        return False
    return True


def _tell_centre_unacknowledged(message: PoliceMessage, reason: str) -> None:
    """A police matter 110 has not taken after ``ALERT_AFTER`` attempts: the operator who
    transferred it and the centre's dispatchers are told to phone 110 (the worker goes on
    trying). Once per hand-off."""
    ticket = message.case.ticket
    transferred_by = Event.objects.filter(ticket=ticket, action="transfer_police").values_list(
        "actor", flat=True
    )
    users = centre_users(Role.DISPATCHER) | User.objects.filter(pk__in=transferred_by, is_active=True)
    notify(
        users.distinct(),
        kind=UNACKNOWLEDGED,
        title=f"工单 {ticket.number} 转110后 110 尚未确认接收,请电话联系 110",
        body=f"已发送 {message.attempts} 次,最近一次:{reason}。系统仍会继续重发。",
        ticket=ticket,
    )


def _reason(exc: Exception) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    if isinstance(exc, ActionError):
        return exc.message
    return f"{type(exc).__name__}: {exc}"


def _acknowledged(message: PoliceMessage, case_number: str) -> None:
    """110 took the message: mark it, and for a hand-off keep 110's case number with the
    ticket and record it (``police_ack``), all in one transaction."""
    now = timezone.now()
    with write_transaction():
        PoliceMessage.objects.filter(pk=message.pk).update(acknowledged_at=now, last_error="")
        if message.kind != PoliceMessage.HANDOFF:
            return
        case = PoliceCase.objects.select_for_update().get(pk=message.case_id)
        if case.case_number:  # acknowledged already (a retry 110 answered twice)
            return
        case.case_number, case.acknowledged_at = case_number, now
        case.save(update_fields=["case_number", "acknowledged_at"])
        police_ack(Actor.system(), case.ticket.number, case_number=case_number)
