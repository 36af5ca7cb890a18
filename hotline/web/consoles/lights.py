"""Traffic lights (正常/临期/超期) for lists, in SQL where it can be exact.

``sla.clock.traffic_light`` is the rule. "超期" is expressible exactly in SQL (an open
deadline has passed); "临期" depends on each policy's warning ratio, so the lists first
narrow the rows in SQL to those that are overdue or whose warning is due or done
(``attention_q``) and then apply the rule itself to that narrowed set.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from hotline.sla.clock import LIGHT_LABELS, open_kinds, traffic_light
from hotline.tickets.lifecycle import SWEEP_STATES
from hotline.tickets.models import State, Ticket

__all__ = ["LIGHT_LABELS", "attention_q", "earliest_deadline", "light_of", "overdue_q"]

# The columns the light needs: lists load only these for the rows they classify.
LIGHT_FIELDS = (
    "id",
    "number",
    "state",
    "type",
    "urgency",
    "sla",
    "sign_deadline",
    "feedback_deadline",
    "resolve_deadline",
    "callback_deadline",
    "lead_unit_id",
    "created_at",
)


def overdue_q(now: datetime, prefix: str = "") -> Q:
    """Exactly the tickets with an open deadline before ``now`` (the red light).

    ``prefix`` is the lookup path to the ticket ("ticket__" from an Assignment)."""
    p = prefix
    S = State
    return (
        Q(**{f"{p}state": S.DISPATCHED, f"{p}sign_deadline__lt": now})
        | Q(
            **{
                f"{p}state__in": [S.DISPATCHED, S.HANDLING],
                f"{p}feedback_deadline__lt": now,
                f"{p}sla__feedback_at__isnull": True,
            }
        )
        | Q(**{f"{p}state__in": [S.DISPATCHED, S.HANDLING, S.RETURNED], f"{p}resolve_deadline__lt": now})
        | Q(**{f"{p}state": S.AWAITING_CALLBACK, f"{p}callback_deadline__lt": now})
    )


def attention_q(now: datetime, prefix: str = "") -> Q:
    """A superset of the red and yellow tickets: overdue, or a warning due or done."""
    p = prefix
    warned = Q(**{f"{p}next_due_at__lte": now}) | Q(**{f"{p}sla__done__icontains": "warn:"})
    return Q(**{f"{p}state__in": list(SWEEP_STATES)}) & (overdue_q(now, prefix) | warned)


def light_of(ticket: Ticket, now: datetime) -> str:
    return traffic_light(ticket, now)


def earliest_deadline(ticket: Ticket) -> datetime | None:
    """The earliest deadline still running (what the unit must meet next)."""
    times = [getattr(ticket, f"{k}_deadline") for k in open_kinds(ticket)]
    times = [t for t in times if t is not None]
    return min(times) if times else None
