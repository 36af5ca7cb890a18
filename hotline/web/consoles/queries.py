"""The consoles' list queries. Each starts from the user's data scope and loads one page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When

from hotline.audit.models import Event
from hotline.org.models import Level, Unit
from hotline.org.scope import DataScope
from hotline.tickets.models import Assignment, State, Ticket, Urgency
from hotline.tickets.selectors import open_to, scoped_tickets

URGENCY_RANK = Case(
    When(urgency=Urgency.CRITICAL, then=Value(0)),
    When(urgency=Urgency.URGENT, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def dispatch_queue(scope: DataScope) -> QuerySet[Ticket]:
    """Accepted tickets waiting for dispatch: most urgent first, then oldest first."""
    return (
        open_to(scope, "dispatch")
        .select_related("place")
        .annotate(urgency_rank=URGENCY_RANK)
        .order_by("urgency_rank", "created_at", "id")
    )


def returned_tickets(scope: DataScope) -> QuerySet[Ticket]:
    """Returns (退单) the centre must rule on: the oldest first."""
    return open_to(scope, "rule_return").select_related("lead_unit", "place").order_by("updated_at", "id")


def pending_requests(scope: DataScope) -> QuerySet[Ticket]:
    """Tickets with an extension or suspension request the centre must decide."""
    return (
        scoped_tickets(scope)
        .filter(state__in=[State.HANDLING, State.SUSPENDED], pending_request__has_key="kind")
        .select_related("lead_unit", "place")
        .order_by("updated_at", "id")
    )


def review_queue(scope: DataScope) -> QuerySet[Ticket]:
    """Reported results waiting for review (质检): the earliest reported first."""
    return _closing_queue(scope, "review", "closed_at")


def callback_queue(scope: DataScope) -> QuerySet[Ticket]:
    """Tickets waiting for their callback (回访): the nearest callback deadline first."""
    return _closing_queue(scope, "callback", "callback_deadline")


def _closing_queue(scope: DataScope, action: str, soonest: str) -> QuerySet[Ticket]:
    return (
        open_to(scope, action)
        .select_related("lead_unit", "place")
        .order_by(F(soonest).asc(nulls_last=True), "id")
    )


def last_events(tickets: Iterable[Ticket], actions: Iterable[str]) -> dict[int, dict[str, Event]]:
    """For each ticket: its latest event of each of ``actions`` (one query for the page)."""
    out: dict[int, dict[str, Event]] = defaultdict(dict)
    for event in _events(tickets, actions):
        out[event.ticket_id][event.action] = event  # type: ignore[index]
    return out


def events_of(tickets: Iterable[Ticket], actions: Iterable[str]) -> dict[int, list[Event]]:
    """All events of ``actions`` for the tickets, oldest first (one query)."""
    out: dict[int, list[Event]] = defaultdict(list)
    for event in _events(tickets, actions):
        out[event.ticket_id].append(event)  # type: ignore[index]
    return out


def _events(tickets: Iterable[Ticket], actions: Iterable[str]) -> Iterable[Event]:
    """The tickets' events of ``actions`` in chain order, with who recorded them; no query
    for an empty page."""
    ids = [t.pk for t in tickets]
    if not ids:
        return []
    return (
        Event.objects.filter(ticket_id__in=ids, action__in=list(actions))
        .select_related("actor", "actor_unit")
        .order_by("seq")
    )


def assignments_of(tickets: Iterable[Ticket]) -> dict[int, list[Assignment]]:
    """Every share (lead and assisting units, past and present) of the tickets (one query)."""
    ids = [t.pk for t in tickets]
    out: dict[int, list[Assignment]] = defaultdict(list)
    if not ids:
        return out
    for a in Assignment.objects.filter(ticket_id__in=ids).select_related("unit").order_by("id"):
        out[a.ticket_id].append(a)
    return out


def page_tickets(ids: Iterable[int]) -> dict[int, Ticket]:
    """The tickets of one page of a classified list (ids taken from a scoped query), by id,
    with the lead unit and place their rows show."""
    return {t.pk: t for t in Ticket.objects.filter(pk__in=list(ids)).select_related("lead_unit", "place")}


def unit_search(units: QuerySet[Unit], q: str, limit: int = 30) -> list[Unit]:
    """Active dispatchable units matching ``q`` by name, short name, code or area."""
    qs = units.filter(active=True).exclude(level=Level.CENTRE)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(short_name__icontains=q) | Q(code__iexact=q) | Q(area__icontains=q)
        )
    return list(qs.select_related("parent").order_by("path")[:limit])
