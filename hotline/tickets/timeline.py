"""What a citizen may see of their ticket's history: public steps, plain words, no
internal notes and no personal data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from hotline.audit.models import Event
from hotline.tickets import events
from hotline.tickets.lifecycle import TRANSITIONS
from hotline.tickets.models import Ticket


def _message(event: Event) -> str:
    p = event.payload or {}
    match event.action:
        case "create":
            return "您的诉求已受理"
        case "answer":
            return f"已即时答复:{p.get('answer', '')}"
        case "reject":
            return f"不予受理:{p.get('reason', '')}"
        case "transfer_police":
            return "您的诉求属于公安事项,已转110处理"
        case "add_contact":
            return "已收到您的补充诉求,并入本工单办理"
        case "merge":
            return f"与工单 {p.get('into', '')} 为同一事项,已合并办理"
        case "dispatch" | "rule_return":
            name = events.dispatched_lead_name(event.action, p)
            return f"已派至{name}办理" if name else "已重新安排承办单位"
        case "subdispatch":
            return f"已交由{p.get('unit_name', '下级单位')}办理"
        case "sign":
            return "承办单位已签收"
        case "resume":
            return "恢复办理"
        case "report":
            return (
                "承办单位已反馈办理结果"
                if events.reported_by_lead(event.action, p)
                else "协办单位已反馈办理情况"
            )
        case "callback":
            if not events.callback_reached(event.action, p):
                return "回访未接通"
            return "已回访,诉求转入重新办理" if events.callback_dissatisfied(event.action, p) else "已回访"
        case "archive":
            return "已办结归档"
    return TRANSITIONS[event.action].label if event.action in TRANSITIONS else event.action


# The actions whose events the public sees: the citizen's timeline and receipt, Open311.
PUBLIC_ACTIONS = ["create", *(name for name, t in TRANSITIONS.items() if t.public)]


def public_events(ticket: Ticket) -> QuerySet[Event]:
    """The events the citizen is shown (their timeline, and their receipt's proofs)."""
    return Event.objects.filter(ticket=ticket, action__in=PUBLIC_ACTIONS).order_by("seq")


def public_timeline(ticket: Ticket, shown: Iterable[Event] | None = None) -> list[dict[str, Any]]:
    shown = public_events(ticket) if shown is None else shown
    return [
        {
            "time": timezone.localtime(e.created_at).isoformat(),
            "action": e.action,
            "label": "受理" if e.action == "create" else TRANSITIONS[e.action].label,
            "message": _message(e),
        }
        for e in shown
    ]
