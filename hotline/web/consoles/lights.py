"""Traffic lights (正常/临期/超期) for lists, in SQL where it can be exact.

``sla.deadlines.traffic_light`` is the rule. "超期" is expressible exactly in SQL (an open
deadline has passed); "临期" depends on each policy's warning ratio, so the lists first
narrow the rows in SQL to those that are overdue or whose warning is due or done
(``near_q``) and then apply the rule itself to that narrowed set.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from hotline.sla.deadlines import LIGHT_LABELS, open_kinds, traffic_light
from hotline.tickets.lifecycle import SWEEP_STATES
from hotline.tickets.models import State, Ticket

__all__ = ["LIGHT_LABELS", "earliest_deadline", "light_of", "near_q", "overdue_q"]

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


def near_q(now: datetime, prefix: str = "") -> Q:
    """A superset of the yellow (临期) tickets, on indexed columns where it can.

    A ticket is yellow when no open deadline has passed and the warning time of an open
    deadline (``deadlines.step_times``) has come. Either that warning is not done yet — then
    ``next_due_at`` (the earliest step not done) is ≤ now — or the sweep did it, leaving
    ``warn:<kind>`` in ``sla.done`` (cleared whenever that deadline is set anew). The JSON
    test is only reached for open tickets of the matching state. Callers exclude
    ``overdue_q`` and apply the rule (``light_of``) to the rows found."""
    p = prefix
    S = State
    warned = Q()
    for kind, states in (
        ("sign", [S.DISPATCHED]),
        ("feedback", [S.DISPATCHED, S.HANDLING]),
        ("resolve", [S.DISPATCHED, S.HANDLING, S.RETURNED]),
        ("callback", [S.AWAITING_CALLBACK]),
    ):
        warned |= Q(
            **{
                f"{p}state__in": states,
                f"{p}{kind}_deadline__gte": now,
                f"{p}sla__done__icontains": f"warn:{kind}",
            }
        )
    return Q(**{f"{p}state__in": list(SWEEP_STATES)}) & (Q(**{f"{p}next_due_at__lte": now}) | warned)


def light_of(ticket: Ticket, now: datetime) -> str:
    return traffic_light(ticket, now)


def earliest_deadline(ticket: Ticket) -> datetime | None:
    """The earliest deadline still running (what the unit must meet next)."""
    times = [getattr(ticket, f"{k}_deadline") for k in open_kinds(ticket)]
    times = [t for t in times if t is not None]
    return min(times) if times else None
