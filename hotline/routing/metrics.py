"""一次派单准确率 (first-time-right rate): of the tickets first dispatched in a period,
the share never returned to the centre and never dispatched again.

A ticket counts against the rate when, after its first dispatch, its lead unit
returned it to the centre (a ``return`` event ending in state ``returned``) or it was
dispatched a second time. Returns inside a unit's own sub-dispatch chain (township back
to county) and assisting units' returns are not the centre's routing errors; the
latter are reported separately (``assist_returned``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Min, Q

from hotline.audit.models import Event
from hotline.org.scope import DataScope
from hotline.tickets import events
from hotline.tickets.models import State


def first_time_right(start: datetime, end: datetime, scope: DataScope | None = None) -> dict[str, Any]:
    """Figures for tickets whose first dispatch falls in [start, end)."""
    dispatches = Event.objects.filter(action="dispatch", ticket__isnull=False)
    if scope is not None and not scope.everything:
        from hotline.tickets.selectors import scoped_tickets

        dispatches = dispatches.filter(ticket__in=scoped_tickets(scope).values("pk"))
    firsts = (
        dispatches.values("ticket_id")
        .annotate(first=Min("created_at"), n=Count("id"))
        .filter(first__gte=start, first__lt=end)
    )
    ids = {row["ticket_id"]: row["n"] for row in firsts}
    if not ids:
        return {
            "numerator": 0,
            "denominator": 0,
            "rate": None,
            "returned": 0,
            "redispatched": 0,
            "assist_returned": 0,
        }
    returned: set[int] = set()
    assist_returned: set[int] = set()
    id_list = list(ids)
    for chunk in range(0, len(id_list), 500):
        rows = Event.objects.filter(ticket_id__in=id_list[chunk : chunk + 500], action="return").filter(
            Q(to_state=State.RETURNED) | events.ASSIST_RETURNS
        )
        for ticket_id, action, to_state, payload in rows.values_list(
            "ticket_id", "action", "to_state", "payload"
        ):
            if to_state == State.RETURNED:
                returned.add(ticket_id)
            elif events.is_assist_return(action, payload or {}):
                assist_returned.add(ticket_id)
    redispatched = {t for t, n in ids.items() if n > 1}
    wrong = returned | redispatched
    denominator = len(ids)
    numerator = denominator - len(wrong)
    return {
        "numerator": numerator,
        "denominator": denominator,
        "rate": round(numerator / denominator, 4),
        "returned": len(returned),
        "redispatched": len(redispatched),
        "assist_returned": len(assist_returned),
    }
