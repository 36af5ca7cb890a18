"""Replaying old tickets' histories (imports): one ticket at a time through the actions,
or a batch at a time with the very rows the actions would write.

A history is the contact that opened the ticket and the steps it went through, each at
its own time: 派单 to a lead unit, 签收 and 办结反馈 by that unit, 审核 passed, 归档 or
a reached 回访, or 不予受理. ``replay_one`` runs them through ``actions.create_ticket``
and the lifecycle actions (``perform``), as a clerk would have: the reference, and the
path an import takes for one row.

``write`` does the same for a batch in one transaction, without a query per action: it
reserves the day's ticket numbers and the rows' ids up front, plays each action's change
on the ticket in memory (the same field changes, the same payload constructors in
``events``, the same ``sla.deadlines.on_action``, the same lifecycle checks), commits each
event to the state it leaves behind with ``commitment.state_digest`` over the rows in
hand, and then inserts the tickets, contacts, assignments (their final rows) and the
events (``audit.chain.append_many``: the same seqs and hashes) in batches.
tests/tickets/test_replay.py holds it to that: on SQLite, where a rolled-back savepoint
hands the same ids out again, a batch written by ``write`` and the same histories run by
``replay_one`` give identical rows, hashes included; on both databases, the chain and the
state check verify and every ticket's rows and events match.

What ``write`` leaves to its caller, and why it may: the followers. It refuses to run
unless the caller's replay (``followers.replaying``) leaves out or defers the rollups
(an import counts each batch itself, ``analytics.rollups.count_new``, in the batch's
transaction) and leaves out the notifications (nobody is told of a reply of 2019); routing's
learning has nothing to learn from a history, whose dispatches are the platform's own
(``routing.learning``: a system dispatch teaches nothing). Drift is not looked for: the
rows are new. Every actor of a history is the platform (``Actor.system``), acting for a
unit where a unit acted.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import compress
from json.encoder import encode_basestring_ascii as _encode_str  # type: ignore[attr-defined]
from operator import attrgetter, is_not
from typing import Any

from django.db import connection
from django.utils import timezone

from hotline import clock
from hotline.audit import chain
from hotline.errors import Conflict, InvalidInput
from hotline.org.actor import SYSTEM_ROLE, Actor
from hotline.org.models import Level, Unit
from hotline.sla import deadlines
from hotline.tickets import actions as a
from hotline.tickets import commitment, events, followers
from hotline.tickets.actions import intake
from hotline.tickets.commitment import contacts_digest
from hotline.tickets.lifecycle import STATE_LABELS, TRANSITIONS, check_target
from hotline.tickets.models import (
    ArchiveReason,
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Contact,
    DailySequence,
    Satisfaction,
    State,
    Ticket,
)

STEPS = ("dispatch", "sign", "report", "review", "archive", "callback", "reject")


@dataclass(frozen=True)
class Step:
    """One action of a history, at its own time."""

    action: str  # one of STEPS
    at: datetime
    unit: Unit | None = None  # dispatch: the lead unit; sign, report: the unit that acts
    text: str = ""  # report: the result; archive: the note; reject: the reason
    reason: str = ArchiveReason.NO_CALLBACK_NEEDED  # archive
    satisfaction: str = ""  # callback (reached): satisfied or basically_satisfied
    resolved: bool = True  # callback


@dataclass
class Intake:
    """A history's first contact, validated and triaged, and the ticket it opens
    (not numbered, not saved): what ``create_ticket`` has in hand before it writes."""

    contact: a.NewContact
    ticket: Ticket
    steps: list[Step] = field(default_factory=list)

    @property
    def at(self) -> datetime:
        assert self.contact.received_at is not None
        return self.contact.received_at


def check(contact: a.NewContact) -> None:
    """Validate a history's contact (``received_at`` is when the ticket was accepted) as
    ``create_ticket`` does. Raises the same ``InvalidInput`` as an intake would."""
    if contact.received_at is None or timezone.is_naive(contact.received_at):
        raise InvalidInput("received_at", "受理时间须为带时区的时间")
    contact.validate()


def triage(contact: a.NewContact) -> dict[str, Any]:
    """Triage's suggestion for a validated contact, as ``create_ticket`` stores it."""
    return intake._triage(contact)


def prepare(
    contact: a.NewContact,
    steps: Sequence[Step] = (),
    *,
    suggestion: dict[str, Any] | None = None,
    checked: bool = False,
) -> Intake:
    """Validate (``check``, unless ``checked``) and triage a history's contact, as
    ``create_ticket`` does; a pure read, so a batch prepares outside its write
    transaction. ``suggestion``: triage's, computed already (``triage`` of this contact,
    e.g. in a worker process), else computed here."""
    if not checked:
        check(contact)
    if suggestion is None:
        suggestion = triage(contact)
    assert contact.received_at is not None  # ``check``
    ticket = intake._unsaved_ticket(Actor.system(), contact, suggestion, contact.received_at)
    for step in steps:
        if step.action not in STEPS:
            raise ValueError(f"unknown step {step.action}")
    return Intake(contact=contact, ticket=ticket, steps=list(steps))


# ---------------------------------------------------------------------------------------
# One at a time, through the actions


def replay_one(contact: a.NewContact, steps: Sequence[Step]) -> tuple[Ticket, bool]:
    """The history through ``create_ticket`` and the actions, each at its step's time.
    Returns (ticket, created); a known idempotency key replays nothing."""
    assert contact.received_at is not None
    with clock.replaying_at(contact.received_at):
        ticket, created = a.create_ticket(Actor.system(), contact)
    if created:
        for step in steps:
            with clock.replaying_at(step.at):
                _ACTION_OF[step.action](step, ticket.number)
    return ticket, created


def _unit_actor(step: Step) -> Actor:
    return Actor.system(step.unit)


_ACTION_OF: dict[str, Callable[[Step, str], Ticket]] = {
    "dispatch": lambda s, n: a.dispatch(Actor.system(), n, lead_unit=s.unit.code if s.unit else ""),
    "sign": lambda s, n: a.sign(_unit_actor(s), n),
    "report": lambda s, n: a.report(_unit_actor(s), n, result=s.text),
    "review": lambda s, n: a.review(Actor.system(), n, passed=True),
    "archive": lambda s, n: a.archive(Actor.system(), n, reason=s.reason, note=s.text),
    "callback": lambda s, n: a.callback(
        Actor.system(), n, reached=True, satisfaction=s.satisfaction, resolved=s.resolved
    ),
    "reject": lambda s, n: a.reject(Actor.system(), n, reason=s.text, category="other"),
}


# ---------------------------------------------------------------------------------------
# A batch at a time


@dataclass
class Written:
    """What ``write_rows`` wrote: the tickets, their assignments (final rows), the
    drafts of their events in chain order, and the seqs of the first and last event."""

    tickets: list[Ticket] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    span: tuple[int, int] | None = None


def write(batch: Sequence[Intake]) -> tuple[list[Ticket], tuple[int, int] | None]:
    """``write_rows``: the tickets written and the seqs of their first and last events."""
    done = write_rows(batch)
    return done.tickets, done.span


def write_rows(batch: Sequence[Intake]) -> Written:
    """Write the histories of ``batch`` (prepared) as ``replay_one`` would, in order, in
    the caller's transaction; an idempotency key already stored is skipped. Returns the
    rows written (``Written``: the caller counts them in the rollups without reading them
    back). Raises on any refusal: the caller's transaction rolls back whole.

    PostgreSQL: the day counters of the batch's days stay locked until it commits (the
    actions number a ticket in a statement of its own); an old day's counter is not one
    that live intake waits for."""
    if not connection.in_atomic_block:
        raise RuntimeError("replay.write runs inside the caller's write transaction")
    missing = {"rollups", "notifications"} - followers.left_out()
    if missing:
        raise RuntimeError(f"replay.write needs a replay that leaves out {sorted(missing)}")
    keys = [i.contact.idempotency_key for i in batch if i.contact.idempotency_key]
    if len(set(keys)) != len(keys):
        raise ValueError("a batch holds one idempotency key twice")
    stored = set(Contact.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    todo = [i for i in batch if i.contact.idempotency_key not in stored]
    if not todo:
        return Written()
    # The numbers first: on SQLite it is the transaction's first write, which takes the
    # database's write lock, so the ids read next cannot be taken by another writer.
    numbers = _numbers([i.at for i in todo])
    ticket_ids = _reserve_ids(Ticket, len(todo))
    contact_ids = _reserve_ids(Contact, len(todo))
    assignment_ids = iter(
        _reserve_ids(Assignment, sum(s.action == "dispatch" for i in todo for s in i.steps))
    )
    done = Written()
    contacts: list[Contact] = []
    for item, number, ticket_id, contact_id in zip(todo, numbers, ticket_ids, contact_ids, strict=True):
        played = _Played(item, number, ticket_id, contact_id, assignment_ids)
        done.tickets.append(played.ticket)
        contacts.append(played.contact)
        done.assignments.extend(played.assignments)
        done.events.extend(played.events)
    _insert(Ticket, done.tickets)
    _insert(Contact, contacts)
    _insert(Assignment, done.assignments)
    done.span = chain.append_many(done.events)
    return done


def _json_prep(f: Any) -> Callable[[Any], Any]:
    return lambda value: f.get_db_prep_save(value, connection)


def _sqlite_datetime(value: datetime | None) -> str | None:
    """``adapt_datetimefield_value`` of SQLite's backend (naive UTC, ``str``), inlined:
    an import writes some ten datetimes a ticket."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return str(value)


def _columns(
    model: type[Any],
) -> tuple[str, Callable[[Any], tuple[Any, ...]], tuple[Callable[[Any], Any] | None, ...]]:
    """The model's INSERT (every column, ids given), a getter of a row's values in its
    column order and the converter of each value (None: as it is)."""
    fields = model._meta.concrete_fields
    prep: list[Callable[[Any], Any] | None] = []
    sqlite = connection.vendor == "sqlite"
    for f in fields:
        kind = f.get_internal_type()
        if kind == "DateTimeField":
            prep.append(_sqlite_datetime if sqlite else connection.ops.adapt_datetimefield_value)
        elif kind == "JSONField":
            prep.append(_json_prep(f))
        else:
            prep.append(None)
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(str(f.column)) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    names = [str(f.attname) for f in fields]
    get = attrgetter(*names)
    return sql, get, tuple(prep)


def executemany(sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """``cursor.executemany`` for a bulk write. PostgreSQL: on a cursor that binds the
    values on the server (psycopg's ``Cursor``, on the same connection and transaction):
    Django's cursors compose every statement in Python (client-side binding), which cost
    more than the rows' writing itself; bound, psycopg sends them in one pipeline."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.executemany(sql, rows)  # type: ignore[arg-type]  # our statement
        return
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _insert(model: type[Any], rows: list[Any]) -> None:
    """INSERT the rows as they are in memory, every column, ids given: what ``save``
    would write, without the ORM's per-value machinery (four times the cost)."""
    if not rows:
        return
    sql, get, prep = _columns(model)
    converting = [(i, p) for i, p in enumerate(prep) if p is not None]
    values = []
    for row in rows:
        value = list(get(row))
        for i, p in converting:
            value[i] = p(value[i])
        values.append(value)
    executemany(sql, values)


def _numbers(moments: list[datetime]) -> list[str]:
    """The tickets' numbers, as ``intake.next_number`` would hand them out one by one:
    per Beijing day, one upsert that takes all of the day's numbers of the batch."""
    days = [timezone.localtime(m).strftime("%Y%m%d") for m in moments]
    last: dict[str, int] = {}
    table = DailySequence._meta.db_table
    with connection.cursor() as cursor:
        for day, count in Counter(days).items():
            cursor.execute(
                f"INSERT INTO {table} (day, last) VALUES (%s, %s) "  # noqa: S608 - the table name is ours
                f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + %s RETURNING last",
                [day, count, count],
            )
            (top,) = cursor.fetchone()
            last[day] = top - count
    out = []
    for day in days:
        last[day] += 1
        out.append(f"{day}{last[day]:05d}")
    return out


def _reserve_ids(model: type[Any], count: int) -> list[int]:
    """The next ``count`` ids of ``model``'s table, taken now (PostgreSQL: from its
    sequence; SQLite: above the highest handed out, under the write lock this
    transaction holds — an explicit id moves SQLite's AUTOINCREMENT counter on)."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return sorted(row[0] for row in cursor.fetchall())
        cursor.execute(f"SELECT MAX(id) FROM {table}")  # noqa: S608 - our table
        (top,) = cursor.fetchone()
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
    start = max(top or 0, row[0] if row else 0)
    return list(range(start + 1, start + count + 1))


def _json(value: Any) -> str:
    # As ``commitment._sha256`` writes a value (the items of the list it hashes).
    return json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":"))


def _scalar(value: Any) -> str:
    """``_json`` of one value; strings, numbers, booleans and null written directly as
    ``json``'s encoder writes them (its C encoder: ``encode_basestring_ascii``, the
    ``repr`` of int and float), without ``json.dumps``'s per-call set-up."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return str(_encode_str(value))
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float) and math.isfinite(value):
        return float.__repr__(value)
    return _json(value)


class _Record:
    """``commitment``'s canonical JSON of one row (``_record`` dumped as ``_sha256``
    dumps it), kept field by field: a JSON list dumped with ``separators=(",", ":")`` is
    its items' dumps joined by commas, so the text is the very text ``commitment``
    hashes (tests/analytics/test_import_replay.py holds it to ``replayed_digest``).

    A history's actions change a few fields each, so a field is written again only when
    its attribute holds another object than last time, or when it is a JSON field (a
    dict may change in place: it is compared with what its text says)."""

    __slots__ = ("_containers", "_convert", "_get", "_raw", "_seen", "_text")

    def __init__(self, model: type[Any], fields: tuple[str, ...]) -> None:
        self._get = attrgetter(*fields)
        self._convert = commitment._CANON[fields]
        self._containers = [
            i
            for i, name in enumerate(fields)
            if model._meta.get_field(name).get_internal_type() == "JSONField"
        ]
        self._raw: tuple[Any, ...] | None = None
        self._seen: list[Any] = [_UNSEEN] * len(fields)  # the value each text was made of
        self._text: list[str] = [""] * len(fields)

    def json(self, row: Any) -> str:
        raw = self._get(row)
        if self._raw is None:
            todo: Iterable[int] = range(len(raw))
        else:
            changed = set(compress(range(len(raw)), map(is_not, raw, self._raw)))
            changed.update(self._containers)
            todo = changed
        self._raw = raw
        seen, text, converters = self._seen, self._text, self._convert
        for i in todo:
            value, convert, old = raw[i], converters[i], seen[i]
            # The same value of the same type: the same text (a JSON field's value is
            # compared with its text read back).
            if type(value) is type(old) and value == old:
                continue
            written = _scalar(value if convert is None else convert(value))
            text[i] = written
            seen[i] = json.loads(written) if isinstance(value, dict | list) else value
        return "[" + ",".join(text) + "]"


_UNSEEN = object()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class _Played:
    """One history played in memory: its rows as the last action leaves them and the
    draft of every event, each with the digest of the state it left."""

    def __init__(
        self, item: Intake, number: str, ticket_id: int, contact_id: int, assignment_ids: Any
    ) -> None:
        contact, now = item.contact, item.at
        ticket = item.ticket
        ticket.id, ticket.number = ticket_id, number
        first = Contact(
            id=contact_id,
            ticket=ticket,
            received_at=contact.received_at or now,
            idempotency_key=contact.idempotency_key,
            created_by=None,
            **intake._contact_fields(contact),
        )
        self.ticket, self.contact = ticket, first
        self._contacts_part = contacts_digest([first])  # one contact, the same to the end
        self._ticket_record = _Record(Ticket, commitment.TICKET_FIELDS)
        self._assignment_records: dict[int, _Record] = {}
        self.assignments: list[Assignment] = []
        self._ids = assignment_ids
        self.events: list[dict[str, Any]] = [
            self._draft(
                "create",
                None,
                "",
                events.created(channel=contact.channel, contact=first.pk),
                now,
                self._digest(),
            )
        ]
        for step in item.steps:
            self._perform(step)

    def _digest(self) -> str:
        """``commitment.replayed_digest`` of the rows in hand (``state_digest`` for the
        first event: no assignment yet, the one contact)."""
        shares = []
        for share in sorted(self.assignments, key=lambda a: a.pk):
            record = self._assignment_records.get(share.pk)
            if record is None:
                record = self._assignment_records[share.pk] = _Record(
                    Assignment, commitment.ASSIGNMENT_FIELDS
                )
            shares.append(record.json(share))
        return ":".join(
            (
                commitment.VERSION,
                _sha(self._ticket_record.json(self.ticket)),
                _sha("[" + ",".join(shares) + "]"),
                self._contacts_part,
            )
        )

    def _draft(
        self,
        action: str,
        unit: Unit | None,
        from_state: str,
        payload: dict[str, Any],
        at: datetime,
        digest: str,
    ) -> dict[str, Any]:
        # What ``audit.record.record`` passes to ``chain.append`` for ``Actor.system(unit)``.
        return {
            "action": action,
            "ticket": self.ticket,
            "actor": None,
            "actor_role": SYSTEM_ROLE,
            "actor_unit": unit,
            "from_state": from_state,
            "to_state": self.ticket.state,
            "payload": payload,
            "at": at,
            "state_digest": digest,
        }

    def _perform(self, step: Step) -> None:
        """``actions.base.perform`` for the platform as actor, on the rows in memory."""
        ticket, now = self.ticket, step.at
        transition = TRANSITIONS[step.action]
        if ticket.state not in transition.sources:
            raise Conflict(
                f"工单当前状态为「{STATE_LABELS.get(ticket.state, ticket.state)}」,不能执行「{transition.label}」",
                code="invalid_state",
            )
        from_state = ticket.state
        payload = getattr(self, f"_{step.action}")(step, now)
        check_target(step.action, ticket.state, from_state)
        assert not transition.remark  # none of STEPS is one: the row always moves on
        deadlines.on_action(ticket, step.action, from_state, now, payload)
        ticket.version += 1
        ticket.updated_at = now
        acting = step.unit if step.action in ("sign", "report") else None
        digest = self._digest()
        self.events.append(self._draft(step.action, acting, from_state, payload, now, digest))

    # Each action's change, as in tickets/actions (the platform acting: no role or scope
    # refusal; the refusals a history can meet are kept, with the actions' messages).

    def _dispatch(self, step: Step, now: datetime) -> dict[str, Any]:
        lead = step.unit
        if lead is None:
            raise InvalidInput("lead_unit", "请指定单位")
        if not lead.active:
            raise InvalidInput("lead_unit", f"单位「{lead.name}」已停用,不能派单")
        if lead.level == Level.CENTRE:
            raise InvalidInput("lead_unit", "不能派单给热线中心本身")
        self.assignments.append(
            Assignment(
                id=next(self._ids),
                ticket=self.ticket,
                unit=lead,
                unit_path=lead.path,
                role=AssignmentRole.LEAD,
                assigned_at=now,
            )
        )
        self.ticket.lead_unit = lead
        self.ticket.state = State.DISPATCHED
        self.ticket.dispatched_at = now
        return events.dispatched(
            lead_unit=lead.code, lead_unit_name=lead.name, assist_units=[], decided={}, note=""
        )

    def _share(self, step: Step) -> Assignment:
        shares = [
            s for s in self.assignments if s.active and step.unit is not None and s.unit_id == step.unit.pk
        ]
        if not shares:
            name = step.unit.name if step.unit else ""
            raise Conflict(f"「{name}」不是该工单的承办单位", code="forbidden")
        return shares[0]

    def _sign(self, step: Step, now: datetime) -> dict[str, Any]:
        share = self._share(step)
        if share.status != AssignmentStatus.PENDING:
            raise Conflict(f"「{share.unit.name}」已签收该工单", code="already_signed")
        share.status = AssignmentStatus.SIGNED
        share.signed_at = now
        if share.role == AssignmentRole.LEAD:
            self.ticket.state = State.HANDLING
        return events.signed(unit=share.unit.code, share=share.role)

    def _report(self, step: Step, now: datetime) -> dict[str, Any]:
        result = (step.text or "").strip()
        if not result:
            raise InvalidInput("result", "请填写办理结果")
        share = self._share(step)
        if share.status != AssignmentStatus.SIGNED:
            raise Conflict("须先签收才能反馈办理结果", code="not_signed")
        share.status = AssignmentStatus.REPORTED
        share.reported_at = now
        share.result = result
        if share.role == AssignmentRole.LEAD:
            if self.ticket.pending_request:
                self.ticket.pending_request = {}
            self.ticket.state = State.REPORTED
            self.ticket.result = result
            self.ticket.closed_at = now
        return events.reported(share=share.role, unit=share.unit.code, result=result)

    def _review(self, step: Step, now: datetime) -> dict[str, Any]:
        self.ticket.state = State.AWAITING_CALLBACK
        return events.reviewed(passed=True, comment="")

    def _archive(self, step: Step, now: datetime) -> dict[str, Any]:
        if step.reason not in ArchiveReason.values:
            raise InvalidInput("reason", f"归档原因须为:{', '.join(ArchiveReason.values)}")
        self.ticket.state = State.ARCHIVED
        return events.archived(reason=step.reason, note=(step.text or "").strip())

    def _callback(self, step: Step, now: datetime) -> dict[str, Any]:
        # A reached, content citizen only: a dissatisfied one re-opens the ticket, which
        # a history that ended cannot say how it went on.
        if step.satisfaction not in (Satisfaction.SATISFIED, Satisfaction.BASICALLY):
            raise InvalidInput("satisfaction", "历史回访仅支持满意或基本满意")
        self.ticket.satisfaction = step.satisfaction
        self.ticket.resolved = bool(step.resolved)
        self.ticket.state = State.ARCHIVED
        return events.called_back(
            reached=True, note="", satisfaction=step.satisfaction, resolved=bool(step.resolved), rehandle=None
        )

    def _reject(self, step: Step, now: datetime) -> dict[str, Any]:
        reason = (step.text or "").strip()
        if not reason:
            raise InvalidInput("reason", "请填写不予受理的理由")
        self.ticket.state = State.REJECTED
        self.ticket.closed_at = now
        return events.rejected(reason=reason, category="other")
