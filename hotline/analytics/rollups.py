"""Keeping the daily rollups as tickets move, and proving them right.

``count_change`` runs inside every action's transaction (the first follower in
``tickets.followers``): it recomputes the ticket's facts with ``kpis.facts_of``,
stores them, and adds the difference to the (day, unit) and (month, unit) rollup rows —
a ticket that moves to another unit leaves the old unit's counters and joins the new
one's.

``recompute`` derives every fact from the tickets, their assignments and their events
alone; ``check`` compares that with what ``count_change`` kept, ``rebuild`` replaces it.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count

from hotline.analytics.kpis import EventRow, LeadShare, facts_of
from hotline.analytics.models import COUNTER_NAMES, DailyRollup, MonthlyRollup, TicketFacts
from hotline.audit.models import Event
from hotline.tickets.followers import TicketChange
from hotline.tickets.models import Assignment, AssignmentRole, Ticket
from hotline.tickets.replay import executemany

Key = tuple[date, int]
Counters = dict[str, int]
TICKET_FIELDS = (
    "id",
    "state",
    "created_at",
    "lead_unit_id",
    "dispatched_at",
    "sign_deadline",
    "feedback_deadline",
    "resolve_deadline",
    "closed_at",
    "sla",
    "satisfaction",
    "resolved",
    "rehandle_count",
    "urge_count",
    "supervise_count",
)


# ---------------------------------------------------------------------------------------
# Incremental


def count_change(change: TicketChange) -> None:
    """Keep the ticket's facts and its unit's rollups in step with one change."""
    ticket, event = change.ticket, change.event
    if change.action == "create":
        # A new ticket: its only event is this one, it has no assignment and nothing is
        # merged into it yet — the facts follow without reading anything back.
        day, unit, new = facts_of(
            ticket, [EventRow(event.action, event.to_state, event.payload or {})], LeadShare(None), 0
        )
        TicketFacts.objects.create(ticket_id=ticket.pk, day=day, unit_id=unit, **new)
        _add((day, unit), new, 1)
        return
    # A merge changes the master too; the master's own ``merged_in`` change refreshes it.
    refresh(ticket)


def _load_one(ticket: Ticket) -> tuple[date, int, Counters]:
    events = [
        EventRow(a, s, p or {})
        for a, s, p in Event.objects.filter(ticket_id=ticket.pk).values_list("action", "to_state", "payload")
    ]
    lead = (
        Assignment.objects.filter(ticket_id=ticket.pk, active=True, role=AssignmentRole.LEAD)
        .order_by("-id")
        .values_list("signed_at", flat=True)
        .first()
    )
    share = LeadShare(lead)  # no active lead and an unsigned one count alike
    merged_in = Ticket.objects.filter(merged_into_id=ticket.pk).count()
    return facts_of(ticket, events, share, merged_in)


def refresh(ticket: Ticket) -> None:
    """Bring the ticket's facts and the rollups up to date. Call inside the action's
    transaction (the ticket row is locked by the action)."""
    day, unit, new = _load_one(ticket)
    old_row = TicketFacts.objects.filter(ticket_id=ticket.pk).values("day", "unit_id", *COUNTER_NAMES).first()
    if old_row is None:
        TicketFacts.objects.create(ticket_id=ticket.pk, day=day, unit_id=unit, **new)
        _add((day, unit), new, 1)
        return
    old_key = (old_row.pop("day"), int(old_row.pop("unit_id")))
    if old_key == (day, unit) and old_row == new:
        return
    TicketFacts.objects.filter(ticket_id=ticket.pk).update(day=day, unit_id=unit, **new)
    if old_key == (day, unit):
        _add(old_key, {k: new[k] - old_row[k] for k in COUNTER_NAMES}, 1)
    else:
        _add(old_key, old_row, -1)
        _add((day, unit), new, 1)


def _add(key: Key, counters: Counters, sign: int) -> None:
    delta = {k: v * sign for k, v in counters.items() if v}
    if not delta:
        return
    day, unit = key
    _upsert(DailyRollup, {"day": day, "unit_id": unit}, delta)
    _upsert(MonthlyRollup, {"month": day.replace(day=1), "unit_id": unit}, delta)


def _upsert(model: Any, key: dict[str, Any], delta: Counters) -> None:
    if _increment(model, key, delta):
        return
    try:
        with transaction.atomic():
            model.objects.create(**key, **delta)
    except IntegrityError:  # a concurrent transaction created the row first
        _increment(model, key, delta)


def _increment(model: Any, key: dict[str, Any], delta: Counters) -> int:
    """Add ``delta`` to the row ``key``; how many rows it found (0 or 1). Every action
    runs this twice, so the statement is written once per set of columns: the ORM's
    ``update(F(…) + …)`` compiled it afresh each time, a tenth of an intake's CPU."""
    sql = _increment_sql(model._meta.db_table, tuple(key), tuple(delta))
    values = [connection.ops.adapt_datefield_value(v) if isinstance(v, date) else v for v in key.values()]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*delta.values(), *values])
        return int(cursor.rowcount)


@functools.cache
def _increment_sql(table: str, key_columns: tuple[str, ...], counters: tuple[str, ...]) -> str:
    q = connection.ops.quote_name
    sets = ", ".join(f"{q(c)} = {q(c)} + %s" for c in counters)
    where = " AND ".join(f"{q(c)} = %s" for c in key_columns)
    return f"UPDATE {q(table)} SET {sets} WHERE {where}"  # noqa: S608 - our own table and column names


# ---------------------------------------------------------------------------------------
# Full recomputation


def iter_facts(chunk: int = 2000, only: list[int] | None = None) -> Iterator[tuple[int, date, int, Counters]]:
    """(ticket id, day, unit, counters) of every ticket (or of the tickets ``only``),
    from tickets and events only."""
    last = 0
    while True:
        found = Ticket.objects.filter(pk__gt=last)
        if only is not None:
            found = found.filter(pk__in=[i for i in only if i > last][:chunk])
        tickets = list(found.order_by("pk").only(*TICKET_FIELDS)[:chunk])
        if not tickets:
            return
        ids = [t.pk for t in tickets]
        last = ids[-1]
        events: dict[int, list[EventRow]] = defaultdict(list)
        for tid, a, s, p in (
            Event.objects.filter(ticket_id__in=ids)
            .order_by("seq")
            .values_list("ticket_id", "action", "to_state", "payload")
        ):
            events[tid].append(EventRow(a, s, p or {}))
        leads: dict[int, LeadShare] = {}
        for tid, signed_at in (
            Assignment.objects.filter(ticket_id__in=ids, active=True, role=AssignmentRole.LEAD)
            .order_by("id")
            .values_list("ticket_id", "signed_at")
        ):
            leads[tid] = LeadShare(signed_at)  # the latest (highest id) wins
        merged = dict(
            Ticket.objects.filter(merged_into_id__in=ids)
            .values("merged_into_id")
            .annotate(n=Count("id"))
            .values_list("merged_into_id", "n")
        )
        for t in tickets:
            day, unit, c = facts_of(t, events.get(t.pk, []), leads.get(t.pk), merged.get(t.pk, 0))
            yield t.pk, day, unit, c


@dataclass
class Recomputed:
    facts: dict[int, tuple[date, int, Counters]] = field(default_factory=dict)
    rollups: dict[Key, Counters] = field(default_factory=dict)


def recompute(progress: Callable[[int], None] | None = None) -> Recomputed:
    out = Recomputed()
    for n, (tid, day, unit, c) in enumerate(iter_facts(), 1):
        out.facts[tid] = (day, unit, c)
        acc = out.rollups.setdefault((day, unit), dict.fromkeys(COUNTER_NAMES, 0))
        for k, v in c.items():
            acc[k] += v
        if progress is not None and n % 1000 == 0:
            progress(n)
    return out


def stored_rollups(model: Any = DailyRollup, when: str = "day") -> dict[Key, Counters]:
    out: dict[Key, Counters] = {}
    for row in model.objects.values(when, "unit_id", *COUNTER_NAMES).iterator(chunk_size=5000):
        day, unit = row.pop(when), int(row.pop("unit_id"))
        if any(row.values()):  # an all-zero row is the same as no row
            out[(day, unit)] = row
    return out


def _by_month(daily: dict[Key, Counters]) -> dict[Key, Counters]:
    out: dict[Key, Counters] = {}
    for (day, unit), counters in daily.items():
        acc = out.setdefault((day.replace(day=1), unit), dict.fromkeys(COUNTER_NAMES, 0))
        for k, v in counters.items():
            acc[k] += v
    return {k: v for k, v in out.items() if any(v.values())}


@dataclass
class Difference:
    where: str
    expected: Any
    found: Any


def check(progress: Callable[[int], None] | None = None, limit: int = 20) -> tuple[int, list[Difference]]:
    """Recompute everything and compare; returns (tickets checked, differences)."""
    fresh = recompute(progress)
    diffs: list[Difference] = []
    stored_facts = {
        row.pop("ticket_id"): (row.pop("day"), int(row.pop("unit_id")), row)
        for row in TicketFacts.objects.values("ticket_id", "day", "unit_id", *COUNTER_NAMES).iterator(
            chunk_size=5000
        )
    }
    for tid in sorted(set(fresh.facts) | set(stored_facts)):
        if fresh.facts.get(tid) != stored_facts.get(tid):
            diffs.append(Difference(f"ticket {tid}", fresh.facts.get(tid), stored_facts.get(tid)))
    expected = {k: v for k, v in fresh.rollups.items() if any(v.values())}
    found = stored_rollups()
    for key in sorted(set(expected) | set(found)):
        if expected.get(key) != found.get(key):
            diffs.append(Difference(f"rollup {key[0]} unit {key[1]}", expected.get(key), found.get(key)))
    expected_months = _by_month(expected)
    found_months = stored_rollups(MonthlyRollup, "month")
    for key in sorted(set(expected_months) | set(found_months)):
        if expected_months.get(key) != found_months.get(key):
            diffs.append(
                Difference(
                    f"month rollup {key[0]:%Y-%m} unit {key[1]}",
                    expected_months.get(key),
                    found_months.get(key),
                )
            )
    return len(fresh.facts), diffs[: max(limit, 0)] if limit else diffs


def rebuild(progress: Callable[[int], None] | None = None, batch: int = 5000) -> int:
    """Replace the facts and rollups with a recomputation. Returns the number of tickets."""
    with transaction.atomic():
        TicketFacts.objects.all().delete()
        DailyRollup.objects.all().delete()
        MonthlyRollup.objects.all().delete()
        rows: list[TicketFacts] = []
        n = 0
        for n, (tid, day, unit, c) in enumerate(iter_facts(), 1):
            rows.append(TicketFacts(ticket_id=tid, day=day, unit_id=unit, **c))
            if len(rows) >= batch:
                TicketFacts.objects.bulk_create(rows)
                rows = []
            if progress is not None and n % 1000 == 0:
                progress(n)
        TicketFacts.objects.bulk_create(rows)
        rollup_from_facts()
    return n


def count_new(
    tickets: Sequence[Ticket], events: Sequence[dict[str, Any]], assignments: Sequence[Assignment]
) -> None:
    """Count tickets that have no facts yet — a bulk import's batch (``tickets.replay.
    write_rows``: its tickets, the drafts of their events, their assignments), which the
    rollups follower left out — from the rows in hand instead of read back: each ticket's
    facts (``kpis.facts_of`` over its row, its events and its lead share, nothing merged
    into it yet), one INSERT of the facts and one upsert per rollup table, as
    ``count_change`` would have counted them after their last events. Precondition:
    inside the batch's transaction."""
    if not tickets:
        return
    of_ticket: dict[int, list[EventRow]] = {}
    for draft in events:
        of_ticket.setdefault(draft["ticket"].pk, []).append(
            EventRow(draft["action"], draft["to_state"], draft["payload"] or {})
        )
    leads: dict[int, LeadShare] = {}
    for share in sorted(assignments, key=lambda a: a.pk):
        if share.active and share.role == AssignmentRole.LEAD:
            leads[share.ticket_id] = LeadShare(_in_utc(share.signed_at))  # the latest wins
    facts: list[list[Any]] = []
    days: dict[tuple[date, int], list[int]] = {}
    months: dict[tuple[date, int], list[int]] = {}
    for ticket in tickets:
        # The ticket's times in UTC, as read back: two times of one zone (an NYC file's)
        # subtract as wall-clock times, an hour off across a change of daylight saving.
        row = SimpleNamespace(**{name: _in_utc(getattr(ticket, name)) for name in TICKET_FIELDS})
        day, unit, counters = facts_of(row, of_ticket.get(ticket.pk, []), leads.get(ticket.pk), 0)
        values = [counters[name] for name in COUNTER_NAMES]
        facts.append([ticket.pk, day, unit, *values])
        for sums, key in ((days, (day, unit)), (months, (day.replace(day=1), unit))):
            acc = sums.get(key)
            if acc is None:
                sums[key] = list(values)
            else:
                for i, v in enumerate(values):
                    acc[i] += v
    quote = connection.ops.quote_name
    cols = ", ".join(quote(c) for c in COUNTER_NAMES)
    marks = ", ".join(["%s"] * len(COUNTER_NAMES))
    adapt = connection.ops.adapt_datefield_value
    executemany(
        f"INSERT INTO {quote(TicketFacts._meta.db_table)} (ticket_id, day, unit_id, {cols}) "  # noqa: S608 - ours
        f"VALUES (%s, %s, %s, {marks})",
        [[fact[0], adapt(fact[1]), *fact[2:]] for fact in facts],
    )
    adds = ", ".join(f"{quote(c)} = {{table}}.{quote(c)} + excluded.{quote(c)}" for c in COUNTER_NAMES)
    for model, column, sums in ((DailyRollup, "day", days), (MonthlyRollup, "month", months)):
        table = quote(model._meta.db_table)
        # In key order, as ``_add``: fewer lock waits between writers.
        executemany(
            f"INSERT INTO {table} ({column}, unit_id, {cols}) VALUES (%s, %s, {marks}) "  # noqa: S608 - ours
            f"ON CONFLICT ({column}, unit_id) DO UPDATE SET {adds.format(table=table)}",
            [[adapt(k[0]), k[1], *v] for k, v in sorted(sums.items())],
        )


def _in_utc(value: Any) -> Any:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def rollup_from_facts() -> None:
    """Fill DailyRollup from TicketFacts, then MonthlyRollup from DailyRollup, each with
    one INSERT … SELECT … GROUP BY (in day order: the order live rows are created in)."""
    facts, daily = TicketFacts._meta.db_table, DailyRollup._meta.db_table
    cols = ", ".join(COUNTER_NAMES)
    sums = ", ".join(f"SUM({c})" for c in COUNTER_NAMES)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {daily} (day, unit_id, {cols}) "  # noqa: S608 - fixed identifiers
            f"SELECT day, unit_id, {sums} FROM {facts} GROUP BY day, unit_id ORDER BY day, unit_id"
        )
    months_from_days()


def months_from_days() -> None:
    """Fill MonthlyRollup from DailyRollup (which must be complete)."""
    daily, monthly = DailyRollup._meta.db_table, MonthlyRollup._meta.db_table
    cols = ", ".join(COUNTER_NAMES)
    sums = ", ".join(f"SUM({c})" for c in COUNTER_NAMES)
    month = (
        "date(day, 'start of month')" if connection.vendor == "sqlite" else "date_trunc('month', day)::date"
    )
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {monthly} (month, unit_id, {cols}) "  # noqa: S608 - fixed identifiers
            f"SELECT {month}, unit_id, {sums} FROM {daily} GROUP BY 1, unit_id ORDER BY 1, unit_id"
        )
