"""Notifications: an in-app inbox for every user, and an outbound adapter (SMS gateway,
webhook) with a log backend as the default.

In-app messages are written by ``tell_next_actors``, a follower of every ticket change
that runs once the action has committed (``tickets.followers``), so a refused or
rolled-back action never tells anyone; the outbound copies are sent right after.
Which action tells whom is the table ``_TELLERS`` at the end, one teller per kind of step;
the citizen hears of a new ticket (its number and query code) by SMS to their mobile.
"""

from __future__ import annotations

import json
import logging
import os
import re
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from django.db import transaction
from django.db.models import QuerySet

from hotline import clock
from hotline.db import write_transaction
from hotline.org.models import Level, Role, Unit, User
from hotline.sla.models import Notification
from hotline.tickets import events
from hotline.tickets.followers import TicketChange
from hotline.tickets.models import State, Ticket
from hotline.tickets.privacy import mask_phone

log = logging.getLogger("hotline.notify")


class Outbound(Protocol):
    def send(self, notification: Notification) -> None: ...

    def send_to_citizen(self, phone: str, text: str, ticket: Ticket) -> None: ...


class LogOutbound:
    """Default: write the message to the log (a centre plugs its SMS gateway in here)."""

    def send(self, notification: Notification) -> None:
        log.info("notify %s: %s", notification.user_id, notification.title)

    def send_to_citizen(self, phone: str, text: str, ticket: Ticket) -> None:
        # Not the text: it holds the query code, which is not for the log's readers.
        log.info("notify citizen %s: receipt of %s", mask_phone(phone), ticket.number)


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

    def send_to_citizen(self, phone: str, text: str, ticket: Ticket) -> None:
        body = {"user": None, "phone": phone, "title": "工单受理回执", "body": text}
        self._post(
            json.dumps(
                {**body, "ticket": ticket.number, "kind": CITIZEN_RECEIPT}, ensure_ascii=False
            ).encode()
        )

    def _post(self, body: bytes) -> None:
        request = urllib.request.Request(  # noqa: S310 - the URL was checked to be http(s)
            self.url, data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - admin-set http(s) URL
            response.read()


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
    return deliver()


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
        transaction.on_commit(lambda: deliver(ids))
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
        _tell_citizen(change.ticket)  # writes nothing: no write transaction for every intake
        return
    teller = _TELLERS.get(change.action)
    if teller is None:
        return
    with write_transaction():
        teller(change.ticket, change.action, change.event.payload or {})


CITIZEN_RECEIPT = "citizen_receipt"
_MOBILE = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")


def citizen_receipt(ticket: Ticket) -> str:
    """The text the citizen gets for a new ticket: its number and query code (查询码)."""
    return (
        f"【12345热线】您的诉求已受理,工单编号 {ticket.number},查询码 {ticket.query_code}。"
        "凭工单编号和查询码可在网上查询办理进度、评价办理结果。"
    )


def _tell_citizen(ticket: Ticket) -> None:
    """A new ticket: its receipt by SMS to the citizen's mobile (a landline gets none).
    No inbox row keeps it: a gateway down just then loses the text, not the code (the
    citizen heard it on the phone or saw it on the portal's confirmation page)."""
    mobile = _MOBILE.fullmatch(re.sub(r"[\s-]", "", ticket.phone))
    if mobile is None or os.environ.get("HOTLINE_NOTIFY", "log") == "off":
        return
    try:
        outbound().send_to_citizen(mobile.group(1), citizen_receipt(ticket), ticket)
    except Exception:  # a gateway outage must not break the platform
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
}
