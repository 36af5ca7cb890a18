"""Traffic lights (正常/临期/超期) for lists, in SQL where it can be exact.

``sla.deadlines`` holds the rule and its SQL (``overdue_q``, ``near_q``): "超期" is exact in
SQL (a running deadline has passed); "临期" depends on each policy's warning ratio, so the
lists first narrow the rows in SQL to those whose warning is due or done (``near_q``) and
then apply the rule itself (``light_of``) to that narrowed set.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from django.db.models import QuerySet

from hotline.sla.deadlines import open_kinds, traffic_light
from hotline.tickets.models import Ticket

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


def light_of(ticket: Ticket, now: datetime) -> str:
    return traffic_light(ticket, now)


def earliest_deadline(ticket: Ticket) -> datetime | None:
    """The earliest deadline still running (what the unit must meet next)."""
    times = [getattr(ticket, f"{k}_deadline") for k in open_kinds(ticket)]
    times = [t for t in times if t is not None]
    return min(times) if times else None


class Lit(NamedTuple):
    """One ticket of a list as its light sorts, counts and groups it."""

    id: int
    light: str  # "green", "yellow" or "red"
    deadline: datetime | None  # the earliest deadline still running
    lead_unit_id: int | None


def lit(tickets: QuerySet[Ticket], now: datetime, limit: int) -> list[Lit]:
    """The lights of ``tickets``, soonest next deadline first, at most ``limit`` of them,
    read from the light columns only (a list classifies many more rows than it shows)."""
    rows = tickets.only(*LIGHT_FIELDS).order_by("next_due_at", "id")[:limit]
    return [Lit(t.pk, light_of(t, now), earliest_deadline(t), t.lead_unit_id) for t in rows]
