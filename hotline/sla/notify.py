"""Notifications: an in-app inbox for every user, and an outbound adapter (SMS gateway,
webhook) with a log backend as the default.

In-app messages are written by ``tell_next_actors``, a follower of every ticket change
that runs once the action has committed (``tickets.followers``), so a refused or
rolled-back action never tells anyone; the outbound copies are sent right after.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from collections.abc import Iterable
from typing import Any, Protocol

from django.db import transaction
from django.db.models import QuerySet

from hotline import clock
from hotline.db import write_transaction
from hotline.org.models import Level, Role, Unit, User
from hotline.sla.models import Notification
from hotline.tickets.followers import TicketChange
from hotline.tickets.models import Ticket

log = logging.getLogger("hotline.notify")


class Outbound(Protocol):
    def send(self, notification: Notification) -> None: ...


class LogOutbound:
    """Default: write the message to the log (a centre plugs its SMS gateway in here)."""

    def send(self, notification: Notification) -> None:
        log.info("notify %s: %s", notification.user_id, notification.title)


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
    with write_transaction():
        _tell(change.ticket, change.action, change.event.payload or {})


def _tell(ticket: Ticket, action: str, p: dict[str, Any]) -> None:
    title_of = f"工单 {ticket.number}"
    match action:
        case "dispatch" | "subdispatch" | "rule_return":
            if action == "rule_return" and p.get("decision") != "redispatch":
                notify(
                    unit_users([ticket.lead_unit]),
                    kind="overruled",
                    title=f"{title_of} 退单未获批准,请继续办理",
                    body=p.get("reason", ""),
                    ticket=ticket,
                )
                return
            notify(
                unit_users(_active_units(ticket)),
                kind="new_ticket",
                title=f"新工单待签收:{ticket.number}",
                body=ticket.title,
                ticket=ticket,
            )
        case "warn" | "urge" | "supervise":
            label = {"warn": "临期预警", "urge": "催办", "supervise": "督办"}[action]
            notify(
                unit_users([ticket.lead_unit]),
                kind=action,
                title=f"【{label}】{title_of}",
                body=p.get("note", ""),
                ticket=ticket,
            )
            if action == "supervise":
                notify(
                    centre_users(Role.SUPERVISOR),
                    kind=action,
                    title=f"【督办】{title_of}",
                    body=p.get("note", ""),
                    ticket=ticket,
                )
        case "return":
            if ticket.state == "returned":
                notify(
                    centre_users(Role.DISPATCHER),
                    kind="returned",
                    title=f"{title_of} 被退回,待审核",
                    body=p.get("reason", ""),
                    ticket=ticket,
                )
            else:
                notify(
                    unit_users([ticket.lead_unit]),
                    kind="returned",
                    title=f"{title_of} 被下级退回",
                    body=p.get("reason", ""),
                    ticket=ticket,
                )
        case "request_extension" | "suspend" if ticket.pending_request:
            what = "延期" if action == "request_extension" else "挂起"
            notify(
                centre_users(Role.DISPATCHER),
                kind="request",
                title=f"{title_of} 申请{what},待审批",
                body=p.get("reason", ""),
                ticket=ticket,
            )
        case "decide_extension" | "decide_suspension":
            verdict = "已批准" if p.get("approve") else "未批准"
            what = "延期" if action == "decide_extension" else "挂起"
            notify(
                unit_users([ticket.lead_unit]),
                kind="decision",
                title=f"{title_of} {what}申请{verdict}",
                body=p.get("note", ""),
                ticket=ticket,
            )
        case "report" if ticket.state == "reported":
            notify(
                centre_users(Role.REVIEWER), kind="review", title=f"{title_of} 已办结,待审核", ticket=ticket
            )
        case "review" | "callback" if ticket.state == "handling":
            notify(
                unit_users([ticket.lead_unit]),
                kind="rehandle",
                title=f"{title_of} 退回重办",
                body=p.get("comment") or p.get("note", ""),
                ticket=ticket,
            )
