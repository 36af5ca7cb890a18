"""Notifications: an in-app inbox for every user, and an outbound adapter (SMS gateway,
webhook) with a log backend as the default.

In-app messages are written by ``tell_next_actors``, a follower of every ticket change
that runs once the action has committed (``tickets.followers``), so a refused or
rolled-back action never tells anyone; the outbound copies are sent right after.
Which action tells whom is the table ``_TELLERS`` at the end, one teller per kind of step;
the citizen hears of a new ticket (its number and query code) by SMS to their mobile.
Texts to citizens are kept (``CitizenMessage``) until the gateway took them, with its id
for them, so its delivery report can be recorded and a failed text sent again.
"""

from __future__ import annotations

import json
import logging
import os
import re
import urllib.request
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.db import transaction
from django.db.models import QuerySet

from hotline import clock
from hotline.db import after_writes, write_transaction
from hotline.org.models import Level, Role, Unit, User
from hotline.sla.models import CitizenMessage, Notification
from hotline.tickets import events
from hotline.tickets.followers import TicketChange
from hotline.tickets.models import State, Ticket
from hotline.tickets.privacy import mask_phone

log = logging.getLogger("hotline.notify")


class Outbound(Protocol):
    def send(self, notification: Notification) -> None: ...

    def send_to_citizen(self, message: CitizenMessage) -> str:
        """Send the text; the gateway's id for it ("" when it gives none)."""
        ...


class LogOutbound:
    """Default: write the message to the log (a centre plugs its SMS gateway in here)."""

    def send(self, notification: Notification) -> None:
        log.info("notify %s: %s", notification.user_id, notification.title)

    def send_to_citizen(self, message: CitizenMessage) -> str:
        # Not the text: it holds the query code, which is not for the log's readers.
        log.info("notify citizen %s: %s of %s", mask_phone(message.phone), message.kind, message.ticket_id)
        return ""


class WebhookOutbound:
    """POST each message as JSON to a URL (e.g. an SMS gateway's HTTP API)."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("webhook URL must be http(s)")
        self.url = url
        self.timeout = timeout

    def send(self, notification: Notification) -> None:
        body = json.dumps(
            {
                "user": notification.user.username,
                "phone": notification.user.phone,
                "title": notification.title,
                "body": notification.body,
                "ticket": notification.ticket.number if notification.ticket else None,
                "kind": notification.kind,
            },
            ensure_ascii=False,
        ).encode()
        self._post(body)

    def send_to_citizen(self, message: CitizenMessage) -> str:
        body = {
            "user": None,
            "phone": message.phone,
            "title": CITIZEN_TITLES.get(message.kind, "市民短信"),
            "body": message.text,
            "ticket": message.ticket.number if message.ticket else None,
            "kind": message.kind,
            "out_id": str(message.pk or ""),
        }
        return gateway_id(self._post(json.dumps(body, ensure_ascii=False).encode()))

    def _post(self, body: bytes) -> bytes:
        request = urllib.request.Request(  # noqa: S310 - the URL was checked to be http(s)
            self.url, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - admin-set http(s) URL
            return response.read(64 * 1024)


def gateway_id(answer: bytes) -> str:
    """The gateway's id of a text it took, from its JSON answer: ``BizId`` (Alibaba Cloud's
    SendSms, the ``biz_id`` of its delivery reports) or ``sid`` (Tencent Cloud's). An
    answer refusing the text (Alibaba's ``Code`` other than OK, Tencent's ``result``
    other than 0) is a failure, retried like an outage."""
    try:
        data = json.loads(answer) if answer.strip() else {}
    except ValueError:
        return ""  # not JSON: taken (2xx), with no id to match a report against
    if not isinstance(data, dict):
        return ""
    if data.get("Code", "OK") != "OK" or data.get("result", 0) != 0:
        raise RuntimeError(f"gateway refused the text: {data.get('Message') or data.get('errmsg')}")
    sid = data.get("BizId") or data.get("sid") or ""
    return str(sid)[:64]


def outbound() -> Outbound:
    spec = os.environ.get("HOTLINE_NOTIFY", "log")
    if spec.startswith("webhook:"):
        return WebhookOutbound(spec.removeprefix("webhook:"))
    return LogOutbound()


def deliver(ids: list[int] | None = None, *, limit: int = 500) -> int:
    """Send unsent messages out (those in ``ids``, or the oldest pending ones).

    A message that fails stays unsent; the worker's next round (``deliver_pending``)
    tries it again. Returns how many were sent.
    """
    adapter = outbound()
    pending = Notification.objects.filter(sent_at__isnull=True).select_related("user", "ticket")
    pending = pending.filter(id__in=ids) if ids is not None else pending.order_by("id")[:limit]
    sent = []
    for notification in pending:
        try:
            adapter.send(notification)
        except Exception:  # a gateway outage must not break the platform
            log.exception("outbound notification %s failed; will retry", notification.pk)
            continue
        sent.append(notification.pk)
    if sent:
        Notification.objects.filter(pk__in=sent).update(sent_at=clock.now())
    return len(sent)


def deliver_pending() -> int:
    """The worker's retry of messages whose sending failed or was interrupted."""
    if os.environ.get("HOTLINE_NOTIFY", "log") == "off":
        return 0
    return deliver() + deliver_to_citizens()


def notify(
    users: Iterable[User], *, kind: str, title: str, body: str = "", ticket: Ticket | None = None
) -> list[int]:
    now = clock.now()
    rows = Notification.objects.bulk_create(
        [
            Notification(user=u, ticket=ticket, kind=kind, title=title, body=body, created_at=now)
            for u in users
        ]
    )
    ids = [n.pk for n in rows if n.pk is not None]
    if ids and os.environ.get("HOTLINE_NOTIFY", "log") != "off":
        transaction.on_commit(lambda: after_writes(lambda: deliver(ids)))
    return ids


def unit_users(units: Iterable[Unit | None]) -> QuerySet[User]:
    unit_ids = [u.pk for u in units if u is not None]
    return User.objects.filter(unit_id__in=unit_ids, is_active=True, role=Role.HANDLER)


def centre_users(role: str) -> QuerySet[User]:
    return User.objects.filter(unit__level=Level.CENTRE, role=role, is_active=True)


def _active_units(ticket: Ticket) -> list[Unit]:
    return [a.unit for a in ticket.assignments.filter(active=True).select_related("unit")]


def tell_next_actors(change: TicketChange) -> None:
    """Tell the people who must act next. Runs after the action committed."""
    if change.action == "create":
        _tell_citizen(change.ticket)
        return
    teller = _TELLERS.get(change.action)
    if teller is None:
        return
    with write_transaction():
        teller(change.ticket, change.action, change.event.payload or {})


CITIZEN_RECEIPT = "citizen_receipt"
SMS_REPLY = "sms_reply"  # the answer to a citizen's SMS (channels.sms)
CITIZEN_TITLES = {CITIZEN_RECEIPT: "工单受理回执", SMS_REPLY: "短信答复"}
_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")
# A text is tried this many times; a failed attempt waits RETRY_AFTER × 2^(attempts-1).
CITIZEN_ATTEMPTS = 5
RETRY_AFTER = timedelta(minutes=1)
# The send right after commit owns a new text this long before a worker round may.
SEND_LEASE = timedelta(minutes=2)


def mobile_of(phone: str) -> str | None:
    """The 11-digit mainland mobile number in ``phone`` (+86, spaces, dashes allowed)."""
    mobile = _MOBILE.fullmatch(re.sub(r"[\s-]", "", phone or ""))
    return mobile.group(1) if mobile else None


def text_citizen(
    phone: str, text: str, *, kind: str, ticket: Ticket | None = None, now_sent: bool = False
) -> int | None:
    """Send a text to the citizen's mobile and keep it (``CitizenMessage``) with its
    outcome; one the gateway did not take the worker sends again. None: a landline,
    sending off, or the log backend (nothing to keep: no gateway reports on it).

    The text is kept with the caller's transaction and sent once that commits — or, with
    ``now_sent`` (a new ticket's receipt, whose intake has committed), sent at once and
    kept with the outcome: one write per intake, not two. A process that dies between the
    intake's commit and that send loses the receipt, as it did before texts were kept."""
    mobile = mobile_of(phone)
    if mobile is None or os.environ.get("HOTLINE_NOTIFY", "log") == "off":
        return None
    now = clock.now()
    message = CitizenMessage(phone=mobile, text=text, kind=kind, ticket=ticket, created_at=now)
    adapter = outbound()
    if isinstance(adapter, LogOutbound):  # no gateway: no delivery to report or retry
        adapter.send_to_citizen(message)
        return None
    if now_sent:
        message.next_attempt_at = now
        _attempt(adapter, message, now)
        with write_transaction():
            message.save()
    else:
        message.next_attempt_at = now + SEND_LEASE
        with write_transaction():
            message.save()
        transaction.on_commit(lambda: after_writes(lambda: deliver_to_citizens([message.pk])))
    return message.pk


def deliver_to_citizens(ids: list[int] | None = None, *, limit: int = 200) -> int:
    """Send kept texts to citizens: those in ``ids`` (just committed, under their first
    lease), or the worker's round of those due (unsent or failed, attempts left), each
    claimed by moving its lease on first. Returns how many the gateway took."""
    now = clock.now()
    due = CitizenMessage.objects.filter(
        status__in=[CitizenMessage.Status.PENDING, CitizenMessage.Status.FAILED],
        attempts__lt=CITIZEN_ATTEMPTS,
    ).select_related("ticket")
    if ids is not None:
        batch = list(due.filter(id__in=ids))
    else:
        batch = []
        for message in due.filter(next_attempt_at__lte=now).order_by("next_attempt_at")[:limit]:
            with write_transaction():
                claimed = CitizenMessage.objects.filter(
                    pk=message.pk, next_attempt_at=message.next_attempt_at
                ).update(next_attempt_at=now + SEND_LEASE)
            if claimed:
                batch.append(message)
    adapter, sent = outbound(), 0
    for message in batch:
        sent += _attempt(adapter, message, now)
        with write_transaction():
            message.save(update_fields=_ATTEMPT_FIELDS)
    return sent


_ATTEMPT_FIELDS = ["status", "attempts", "sid", "sent_at", "next_attempt_at", "errcode", "errmsg"]


def _attempt(adapter: Outbound, message: CitizenMessage, now: datetime) -> bool:
    """Send ``message`` once and set the outcome on it (the caller saves it)."""
    message.attempts += 1
    try:
        sid = adapter.send_to_citizen(message)
    except Exception as exc:  # a gateway outage must not break the platform
        log.warning("text to citizen %s failed; will retry: %s", mask_phone(message.phone), exc)
        message.next_attempt_at = now + RETRY_AFTER * 2 ** min(message.attempts - 1, 10)
        message.errmsg = str(exc)[:200]
        return False
    message.status, message.sid, message.sent_at = CitizenMessage.Status.SENT, sid, now
    message.errcode = message.errmsg = ""
    return True


def citizen_receipt(ticket: Ticket) -> str:
    """The text the citizen gets for a new ticket: its number and query code (查询码)."""
    return (
        f"【12345热线】您的诉求已受理,工单编号 {ticket.number},查询码 {ticket.query_code}。"
        "凭工单编号和查询码可在网上查询办理进度、评价办理结果。"
    )


def _tell_citizen(ticket: Ticket) -> None:
    """A new ticket: its receipt by SMS to the citizen's mobile (a landline gets none),
    sent at once and kept with its outcome, so the worker sends it again if the gateway
    did not take it (``text_citizen``)."""
    try:
        text_citizen(
            ticket.phone, citizen_receipt(ticket), kind=CITIZEN_RECEIPT, ticket=ticket, now_sent=True
        )
    except Exception:  # the receipt must not fail the intake that committed
        log.exception("receipt to the citizen of %s failed", ticket.number)


def _tell_lead(ticket: Ticket, kind: str, title: str, body: str = "") -> None:
    """Tell the handlers of the ticket's lead unit."""
    notify(unit_users([ticket.lead_unit]), kind=kind, title=title, body=body, ticket=ticket)


def _tell_centre(ticket: Ticket, role: str, kind: str, title: str, body: str = "") -> None:
    """Tell the centre's staff of one role."""
    notify(centre_users(role), kind=kind, title=title, body=body, ticket=ticket)


def _title(ticket: Ticket, what: str) -> str:
    return f"工单 {ticket.number} {what}"


def _tell_sent(ticket: Ticket, action: str, p: dict[str, Any]) -> None:
    """Dispatch, sub-dispatch, ruled return: the units that hold it now must sign —
    unless the return was overruled, when the unit that returned it carries on."""
    if events.is_overruled_return(action, p):
        _tell_lead(ticket, "overruled", _title(ticket, "退单未获批准,请继续办理"), p.get("reason", ""))
        return
    notify(
        unit_users(_active_units(ticket)),
        kind="new_ticket",
        title=f"新工单待签收:{ticket.number}",
        body=ticket.title,
        ticket=ticket,
    )


ESCALATION_LABELS = {"warn": "临期预警", "urge": "催办", "supervise": "督办"}


def _tell_escalated(ticket: Ticket, action: str, p: dict[str, Any]) -> None:
    """Warn, urge, supervise: the lead unit; a supervision the centre's supervisors too."""
    label = ESCALATION_LABELS[action]
    _tell_lead(ticket, action, f"【{label}】工单 {ticket.number}", p.get("note", ""))
    if action == "supervise":
        _tell_centre(ticket, Role.SUPERVISOR, action, f"【督办】工单 {ticket.number}", p.get("note", ""))


def _tell_returned(ticket: Ticket, action: str, p: dict[str, Any]) -> None:
    """A return: to the centre's dispatchers, or to the unit above that gets it back."""
    if ticket.state == State.RETURNED:
        _tell_centre(
            ticket, Role.DISPATCHER, "returned", _title(ticket, "被退回,待审核"), p.get("reason", "")
        )
    else:
        _tell_lead(ticket, "returned", _title(ticket, "被下级退回"), p.get("reason", ""))


def _tell_requested(ticket: Ticket, action: str, p: dict[str, Any]) -> None:
    """A request for an extension or a suspension waits for the centre's dispatchers (a
    dispatcher's own suspension is no request)."""
    if not ticket.pending_request:
        return
    what = "延期" if action == "request_extension" else "挂起"
    _tell_centre(
        ticket, Role.DISPATCHER, "request", _title(ticket, f"申请{what},待审批"), p.get("reason", "")
    )


def _tell_decided(ticket: Ticket, action: str, p: dict[str, Any]) -> None:
    verdict = "已批准" if p.get("approve") else "未批准"
    what = "延期" if action == "decide_extension" else "挂起"
    _tell_lead(ticket, "decision", _title(ticket, f"{what}申请{verdict}"), p.get("note", ""))


def _tell_reported(ticket: Ticket, action: str, p: dict[str, Any]) -> None:
    """The lead unit's report waits for review (an assisting unit's does not)."""
    if ticket.state == State.REPORTED:
        _tell_centre(ticket, Role.REVIEWER, "review", _title(ticket, "已办结,待审核"))


def _tell_rehandle(ticket: Ticket, action: str, p: dict[str, Any]) -> None:
    """A failed review or a dissatisfied callback sends it back to the lead unit."""
    if ticket.state == State.HANDLING:
        _tell_lead(ticket, "rehandle", _title(ticket, "退回重办"), p.get("comment") or p.get("note", ""))


def _tell_contact_added(ticket: Ticket, action: str, p: dict[str, Any]) -> None:
    """The citizen came back about a ticket a unit holds: its handlers must see the new
    contact (at the centre, the ticket is still in the intake queue they work from)."""
    if ticket.lead_unit_id is not None and ticket.state not in (State.ACCEPTED, State.RETURNED):
        _tell_lead(ticket, "contact_added", _title(ticket, "市民再次来电来信,请查看补充内容"))


# Action → who must hear of it; an action not listed tells nobody.
_TELLERS: dict[str, Callable[[Ticket, str, dict[str, Any]], None]] = {
    "dispatch": _tell_sent,
    "subdispatch": _tell_sent,
    "rule_return": _tell_sent,
    "warn": _tell_escalated,
    "urge": _tell_escalated,
    "supervise": _tell_escalated,
    "return": _tell_returned,
    "request_extension": _tell_requested,
    "suspend": _tell_requested,
    "decide_extension": _tell_decided,
    "decide_suspension": _tell_decided,
    "report": _tell_reported,
    "review": _tell_rehandle,
    "callback": _tell_rehandle,
    "add_contact": _tell_contact_added,
}
