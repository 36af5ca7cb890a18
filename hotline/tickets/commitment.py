"""What a ticket's events commit to: the state the event leaves behind.

The audit chain proves that no event was altered, removed or reordered; the rows an
event describes live beside it and could be changed without touching the chain. So
every event that changes a ticket also carries ``Event.state_digest``, the digest of
the ticket's resulting state, computed in the event's own transaction after the change.
That digest is part of the event's hashed content: it cannot be changed either. ``check``
compares each ticket's current rows with the digest of its last event that carries one,
and names what no longer matches: the ticket row, its assignment rows (承办单位: who holds
the ticket, hence whose data scope it is in) or its contacts (来电来信).

The digest (format ``v1:<ticket>:<assignments>:<contacts>``, three SHA-256 in hex, so
``check`` can say which part differs) is over a canonical JSON — each row a list of its
values in the order of its field list, datetimes in UTC with microseconds, the keys of
JSON fields sorted, non-ASCII escaped — of, in ``v1``:

- the ticket row: every field in ``TICKET_FIELDS``. Left out (``UNCOMMITTED``) are the
  fields that change without an action: ``next_due_at`` (the sweep's ``deadlines.rearm``
  moves it with no event: it is a cache of the deadlines, which are committed),
  ``place`` (``SET_NULL`` when an admin deletes the unit it points to) and ``query_code``
  (the citizen's lookup credential, issued to older tickets by a migration);
- its assignment rows, by id: ``ASSIGNMENT_FIELDS``, the unit and its path included;
- its contacts, by id: ``CONTACT_FIELDS``, the citizen's phone and text included.

The field lists are frozen per version: a field added to a model later is not committed
until a new version lists it (old digests keep verifying). ``tests/audit`` checks that
every model field is listed or left out on purpose.

Events that change no ticket (a read of personal data, events without a ticket) carry
no digest, nor do events recorded before the digest existed: a ticket whose events all
predate it is counted as unsealed, and checked from its first action afterwards.
Limits: an action commits to what it finds; a row changed behind the platform's back
and then acted on legitimately is sealed by that action's event (the check finds
changes made since a ticket's last event).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils.dateparse import parse_datetime

from hotline.audit.models import Event
from hotline.tickets.models import Assignment, Contact, Ticket

VERSION = "v1"

# The ticket's committed fields (attribute names), frozen for v1. "id" comes first: the
# state check reads rows in this order.
TICKET_FIELDS: tuple[str, ...] = (
    "id",
    "number",
    "title",
    "text",
    "channel",
    "type",
    "topic",
    "urgency",
    "emotion",
    "triage",
    "address",
    "lat",
    "lng",
    "citizen_name",
    "phone",
    "phone_last4",
    "state",
    "lead_unit_id",
    "merged_into_id",
    "result",
    "rehandle_count",
    "urge_count",
    "supervise_count",
    "pending_request",
    "satisfaction",
    "resolved",
    "dispatched_at",
    "sign_deadline",
    "feedback_deadline",
    "resolve_deadline",
    "callback_deadline",
    "sla",
    "suspended_at",
    "closed_at",
    "created_by_id",
    "created_at",
    "updated_at",
    "version",
)
# Ticket fields written outside the recorded actions, and why they are not committed.
UNCOMMITTED: dict[str, str] = {
    "next_due_at": "the sweep's deadlines.rearm stores it afresh without an event",
    "place_id": "on_delete=SET_NULL: deleting the unit clears it without an event",
    "query_code": "the citizen's lookup credential, not a lifecycle state: issued to older "
    "tickets by a migration, and the platform may issue it anew",
}
ASSIGNMENT_FIELDS: tuple[str, ...] = (
    "id",
    "unit_id",
    "unit_path",
    "role",
    "status",
    "active",
    "parent_id",
    "assigned_at",
    "signed_at",
    "reported_at",
    "result",
)
CONTACT_FIELDS: tuple[str, ...] = (
    "id",
    "channel",
    "received_at",
    "citizen_name",
    "phone",
    "title",
    "text",
    "address",
    "lat",
    "lng",
    "idempotency_key",
    "merged_from_id",
    "created_by_id",
)
Row = Sequence[Any]


def _utc(value: datetime | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        parsed = parse_datetime(value)
        assert parsed is not None, value
        value = parsed
    if value.tzinfo is None:  # SQLite's, from a statement written out (below): UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _float(value: float | None) -> float | None:
    # A FloatField may hold an int in memory (an API client sent 30) but gives back 30.0.
    return None if value is None else float(value)


def _bool(value: bool | int | None) -> bool | None:
    return None if value is None else bool(value)  # SQLite gives 0 / 1


def _converters(model: type[Any], fields: tuple[str, ...]) -> tuple[Callable[[Any], Any] | None, ...]:
    """Per field, how its value is written canonically: datetimes in UTC with
    microseconds, floats as floats, booleans as booleans, the rest as JSON has them
    (None: as it is)."""
    kinds = {name: model._meta.get_field(name).get_internal_type() for name in fields}
    table: dict[str, Callable[[Any], Any]] = {
        "DateTimeField": _utc,
        "FloatField": _float,
        "BooleanField": _bool,
    }
    return tuple(table.get(kinds[name]) for name in fields)


_CANON = {
    TICKET_FIELDS: _converters(Ticket, TICKET_FIELDS),
    ASSIGNMENT_FIELDS: _converters(Assignment, ASSIGNMENT_FIELDS),
    CONTACT_FIELDS: _converters(Contact, CONTACT_FIELDS),
}


def _record(fields: tuple[str, ...], row: Row) -> list[Any]:
    """One row as a JSON list of its values in the order of ``fields``."""
    return [
        value if convert is None else convert(value)
        for convert, value in zip(_CANON[fields], row, strict=True)
    ]


def _sha256(value: Any) -> str:
    # ASCII escapes: a stray lone surrogate can never make the digest fail an action.
    # Sorted keys: the JSON fields' dicts come back from PostgreSQL in another order.
    text = json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _part_digests(ticket: Row, assignments: Iterable[Row], contacts: Iterable[Row]) -> tuple[str, str, str]:
    """Rows in field-list order; assignments and contacts sorted by id."""
    return (
        _sha256(_record(TICKET_FIELDS, ticket)),
        _sha256([_record(ASSIGNMENT_FIELDS, a) for a in assignments]),
        _sha256([_record(CONTACT_FIELDS, c) for c in contacts]),
    )


def _of(obj: Any, fields: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(getattr(obj, name) for name in fields)


def _rows_sql(model: type[Assignment] | type[Contact], fields: tuple[str, ...]) -> str:
    columns = ", ".join(fields)  # attribute names are the column names here
    return f"SELECT {columns} FROM {model._meta.db_table} WHERE ticket_id = %s ORDER BY id"  # noqa: S608 - ours


# Read by every action: written out once, not compiled by the ORM each time (that took
# four times as long as running them). The values are the driver's (SQLite: naive UTC
# datetimes); ``_CANON`` writes them as it writes the ORM's.
_ASSIGNMENTS_OF = _rows_sql(Assignment, ASSIGNMENT_FIELDS)
_CONTACTS_OF = _rows_sql(Contact, CONTACT_FIELDS)


def state_digest(ticket: Ticket, *, contacts: list[Contact] | None = None) -> str:
    """The digest of ``ticket``'s state as the current transaction leaves it.

    The ticket row is taken as it is in memory: the caller has just saved it (or left
    it as loaded). The assignment rows are read (one query), since actions change them
    with querysets too; the contacts are read unless given (a new ticket's one contact:
    then there are no assignments yet either, and nothing is read)."""
    if contacts is None:
        with connection.cursor() as cursor:
            cursor.execute(_ASSIGNMENTS_OF, [ticket.pk])
            assignment_rows: list[Row] = cursor.fetchall()
            cursor.execute(_CONTACTS_OF, [ticket.pk])
            contact_rows: list[Row] = cursor.fetchall()
    else:
        assignment_rows = []
        contact_rows = [_of(c, CONTACT_FIELDS) for c in sorted(contacts, key=lambda c: c.pk)]
    return ":".join((VERSION, *_part_digests(_of(ticket, TICKET_FIELDS), assignment_rows, contact_rows)))


def contacts_digest(contacts: list[Contact]) -> str:
    """The contacts' part of a state digest, from the rows in hand."""
    return _sha256(
        [_record(CONTACT_FIELDS, _of(c, CONTACT_FIELDS)) for c in sorted(contacts, key=lambda c: c.pk)]
    )


def replayed_digest(ticket: Ticket, assignments: list[Assignment], contacts_part: str) -> str:
    """``state_digest`` from rows in hand that are about to be written: a bulk replay of
    history (``tickets.replay``), whose ticket keeps its one contact (``contacts_digest``,
    computed once) through all its events."""
    return ":".join(
        (
            VERSION,
            _sha256(_record(TICKET_FIELDS, _of(ticket, TICKET_FIELDS))),
            _sha256(
                [
                    _record(ASSIGNMENT_FIELDS, _of(a, ASSIGNMENT_FIELDS))
                    for a in sorted(assignments, key=lambda a: a.pk)
                ]
            ),
            contacts_part,
        )
    )


def drift(ticket: Ticket) -> Mismatch | None:
    """What of ``ticket``'s rows, as an action finds them before it changes anything,
    differs from the ticket's last committing event; None when they match or nothing
    was committed yet (a ticket from before the digest).

    Without this an action would seal rows changed behind the platform's back: its
    event commits to whatever it finds, and the state check compares with the last
    event only. ``perform`` asks before every change and records what it finds
    (``STATE_DRIFT``), so the tampering stays in the trace after the ticket moves on."""
    last = (
        Event.objects.filter(ticket_id=ticket.pk, state_digest__isnull=False)
        .order_by("-seq")
        .values_list("seq", "state_digest")
        .first()
    )
    if last is None:
        return None
    seq, digest = last
    stored = (digest or "").split(":")
    found = state_digest(ticket).split(":")
    if len(stored) != 4 or stored[0] != VERSION:
        return Mismatch(ticket.number, seq, PART_LABELS)
    differing = tuple(label for label, a, b in zip(PART_LABELS, found[1:], stored[1:], strict=True) if a != b)
    return Mismatch(ticket.number, seq, differing) if differing else None


# The event an action records when it finds its ticket's rows changed since their last
# commitment (``drift``): the trace keeps the tampering after later events seal the rows.
STATE_DRIFT = "state_drift"


# ---------------------------------------------------------------------------------------
# The state check: every ticket's rows against its last committing event.

PART_LABELS = ("工单记录(状态、单位、内容等)", "承办单位记录", "来电来信记录")


@dataclass(frozen=True)
class Mismatch:
    number: str
    seq: int | None  # the last committing event; None: the ticket has no event at all
    parts: tuple[str, ...]  # labels of what differs

    @property
    def message(self) -> str:
        if self.seq is None:
            return f"工单 {self.number} 没有任何留痕事件(该工单记录未经受理写入)"
        return f"工单 {self.number} 的{'、'.join(self.parts)}与其最后一条事件 #{self.seq} 不符"


@dataclass
class StateCheck:
    checked: int = 0  # tickets compared with their last committing event
    unsealed: int = 0  # tickets whose events all predate the state digest
    mismatches: list[Mismatch] = field(default_factory=list)
    found: int = 0  # mismatches in all; ``mismatches`` keeps the first ``keep``
    drifts: list[str] = field(default_factory=list)  # changes actions found and recorded

    @property
    def ok(self) -> bool:
        return self.found == 0 and not self.drifts

    def problems(self) -> list[str]:
        """One zh-CN line per mismatch kept, and how many more there are."""
        lines = [*self.drifts, *(m.message for m in self.mismatches)]
        if self.found > len(self.mismatches):
            lines.append(f"……另有 {self.found - len(self.mismatches)} 张工单的记录与留痕不符")
        return lines

    def summary(self, seconds: float) -> str:
        unsealed = f";{self.unsealed} 张工单的事件均早于状态承诺,未核对" if self.unsealed else ""
        return f"工单记录与留痕相符:{self.checked} 张工单已核对{unsealed},用时 {seconds:.2f} 秒"


def check(*, batch: int = 1000, keep: int = 100, progress: Callable[[int], None] | None = None) -> StateCheck:
    """Compare every ticket's rows with its last committing event; name what differs
    (the first ``keep`` mismatches; ``found`` counts them all).

    Reads tickets in id order, ``batch`` at a time, each batch with its assignments,
    contacts and events in five range queries, in one snapshot (so an action committing
    meanwhile is seen whole or not at all)."""
    result = StateCheck(drifts=_recorded_drifts(keep))
    after = 0
    while True:
        with _snapshot():
            tickets = list(
                Ticket.objects.filter(id__gt=after).order_by("id").values_list(*TICKET_FIELDS)[:batch]
            )
            if not tickets:
                return result
            first, last = tickets[0][0], tickets[-1][0]
            assignments = _by_ticket(Assignment, ASSIGNMENT_FIELDS, first, last)
            contacts = _by_ticket(Contact, CONTACT_FIELDS, first, last)
            commitments = _last_commitments(first, last)
        for row in tickets:
            ticket_id = row[0]
            if ticket_id in commitments and commitments[ticket_id][1] is None:
                result.unsealed += 1
                continue
            mismatch = _compare(
                row, assignments.get(ticket_id, []), contacts.get(ticket_id, []), commitments.get(ticket_id)
            )
            if mismatch is None:
                result.checked += 1
                continue
            result.found += 1
            if len(result.mismatches) < keep:
                result.mismatches.append(mismatch)
        after = last
        if progress is not None:
            progress(result.checked + result.unsealed + result.found)


def _recorded_drifts(keep: int) -> list[str]:
    """The changes behind the platform's back that actions found (``STATE_DRIFT``):
    their rows are sealed again by later events, but the trace says it happened."""
    found = Event.objects.filter(action=STATE_DRIFT).order_by("seq")
    return [
        f"工单 {number} 的{'、'.join(payload.get('parts', []))}在事件 #{payload.get('since')} 之后被改动"
        f"(事件 #{seq} 办理时发现)"
        for seq, number, payload in found.values_list("seq", "ticket__number", "payload")[:keep]
    ]


def _compare(
    row: Row, assignments: list[Row], contacts: list[Row], commitment: tuple[int, str | None] | None
) -> Mismatch | None:
    """What of one ticket differs from its commitment (seq, digest); None if nothing."""
    number = row[1]
    if commitment is None:  # every ticket is created by an action, which records an event
        return Mismatch(number, None, ())
    seq, digest = commitment
    stored = (digest or "").split(":")
    if len(stored) != 4 or stored[0] != VERSION:
        return Mismatch(number, seq, PART_LABELS)
    actual = _part_digests(row, assignments, contacts)
    differing = tuple(label for label, a, b in zip(PART_LABELS, actual, stored[1:], strict=True) if a != b)
    return Mismatch(number, seq, differing) if differing else None


def _by_ticket(
    model: type[Assignment] | type[Contact], fields: tuple[str, ...], first: int, last: int
) -> dict[int, list[Row]]:
    rows: dict[int, list[Row]] = defaultdict(list)
    query = model.objects.filter(ticket_id__gte=first, ticket_id__lte=last).order_by("ticket_id", "id")
    for ticket_id, *values in query.values_list("ticket_id", *fields):
        rows[ticket_id].append(values)
    return rows


def _last_commitments(first: int, last: int) -> dict[int, tuple[int, str | None]]:
    """For each ticket in the range that has events: (seq, digest) of its last event
    with a digest, or (its last seq, None) when none of its events has one."""
    grouped = list(
        Event.objects.filter(ticket_id__gte=first, ticket_id__lte=last)
        .values("ticket_id")
        .annotate(last=Max("seq"), committing=Max("seq", filter=Q(state_digest__isnull=False)))
        .values_list("ticket_id", "last", "committing")
    )
    found: dict[int, tuple[int, str | None]] = {ticket_id: (seq, None) for ticket_id, seq, _ in grouped}
    seqs = [committing for _, _, committing in grouped if committing is not None]
    for ticket_id, seq, digest in Event.objects.filter(seq__in=seqs).values_list(
        "ticket_id", "seq", "state_digest"
    ):
        found[ticket_id] = (seq, digest)
    return found


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent read of a batch. PostgreSQL: a repeatable-read transaction;
    SQLite (WAL): a read transaction sees one snapshot anyway. Inside a caller's
    transaction (tests), read what it sees."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield
