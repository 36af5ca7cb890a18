"""Appending to and verifying the hash chain.

``append`` is the only writer of ``Event`` rows (with ``append_many``, its batched form
for bulk replays of history). Call it inside the transaction that makes the change it
records: it takes the chain head's row lock, so the event and the change commit (or roll back) together and sequence numbers follow commit order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction

from hotline import clock
from hotline.audit.models import ChainHead, Event

GENESIS_HASH = "0" * 64


def canonical_content(
    *,
    seq: int,
    ticket_id: int | None,
    actor_id: int | None,
    actor_role: str,
    actor_unit_id: int | None,
    action: str,
    from_state: str,
    to_state: str,
    payload: dict[str, Any],
    created_at: datetime,
    state_digest: str | None = None,
) -> str:
    content: dict[str, Any] = {
        "seq": seq,
        "ticket": ticket_id,
        "actor": actor_id,
        "role": actor_role,
        "unit": actor_unit_id,
        "action": action,
        "from": from_state,
        "to": to_state,
        "payload": payload,
        "at": created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    # Only events that carry a state digest have the key: the events recorded before it
    # existed hash exactly as they did.
    if state_digest is not None:
        content["state"] = state_digest
    return json.dumps(
        content,
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


def event_hash(event: Event, prev_hash: str) -> str:
    return chain_hash(
        prev_hash,
        canonical_content(
            seq=event.seq,
            ticket_id=event.ticket_id,
            actor_id=event.actor_id,
            actor_role=event.actor_role,
            actor_unit_id=event.actor_unit_id,
            action=event.action,
            from_state=event.from_state,
            to_state=event.to_state,
            payload=event.payload,
            created_at=event.created_at,
            state_digest=event.state_digest,
        ),
    )


def _jsonable(payload: dict[str, Any]) -> dict[str, Any]:
    # Round-trip once so that what we hash is exactly what the database gives back.
    result: dict[str, Any] = json.loads(json.dumps(payload, ensure_ascii=False, default=str))
    return result


def append(
    *,
    action: str,
    ticket: Any = None,
    actor: Any = None,
    actor_role: str = "",
    actor_unit: Any = None,
    from_state: str = "",
    to_state: str = "",
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
    state_digest: str | None = None,
) -> Event:
    """Append one event. Precondition: inside ``transaction.atomic``.

    ``state_digest``: a ticket event's commitment to the state it leaves behind
    (``tickets.commitment.state_digest``); None for an act that changes no ticket."""
    head = _locked_head()
    created_at = at or clock.now()
    if actor is not None and not actor_role:
        actor_role = getattr(actor, "role", "")
    if actor is not None and actor_unit is None:
        actor_unit = getattr(actor, "unit", None)
    event = Event(
        seq=head.last_seq + 1,
        ticket=ticket,
        actor=actor,
        actor_role=actor_role,
        actor_unit=actor_unit,
        action=action,
        from_state=from_state,
        to_state=to_state,
        payload=_jsonable(payload or {}),
        created_at=created_at,
        prev_hash=head.last_hash,
        state_digest=state_digest or None,
    )
    event.hash = event_hash(event, head.last_hash)
    event.save(force_insert=True)
    with connection.cursor() as cursor:
        cursor.execute(_MOVE_HEAD, [event.seq, event.hash])
    return event


def append_many(events: Sequence[dict[str, Any]]) -> tuple[int, int] | None:
    """Append events in this order, each given as ``append``'s keyword arguments (the
    ticket, actor and unit as objects or None; ``at`` given): the very rows — seq,
    content, hashes — that one ``append`` per event would write, with one head lock,
    one batched INSERT and one move of the head. For bulk replays of history
    (``tickets.replay``). Returns the first and last seq written. Precondition: inside
    ``transaction.atomic``."""
    if not events:
        return None
    head = _locked_head()
    seq, prev_hash = head.last_seq, head.last_hash
    payload_field = Event._meta.get_field("payload")
    adapt_time = connection.ops.adapt_datetimefield_value
    rows = []
    for fields in events:
        seq += 1
        ticket, actor, unit = fields.get("ticket"), fields.get("actor"), fields.get("actor_unit")
        role = str(fields.get("actor_role") or (getattr(actor, "role", "") if actor is not None else ""))
        if actor is not None and unit is None:
            unit = getattr(actor, "unit", None)
        payload = _jsonable(fields.get("payload") or {})
        created_at: datetime = fields["at"]
        digest = fields.get("state_digest") or None
        ticket_id, actor_id, unit_id = (getattr(o, "pk", None) for o in (ticket, actor, unit))
        content = canonical_content(
            seq=seq,
            ticket_id=ticket_id,
            actor_id=actor_id,
            actor_role=role,
            actor_unit_id=unit_id,
            action=fields["action"],
            from_state=fields.get("from_state", ""),
            to_state=fields.get("to_state", ""),
            payload=payload,
            created_at=created_at,
            state_digest=digest,
        )
        event_hash_ = chain_hash(prev_hash, content)
        rows.append(
            (
                seq,
                ticket_id,
                actor_id,
                role,
                unit_id,
                fields["action"],
                fields.get("from_state", ""),
                fields.get("to_state", ""),
                payload_field.get_db_prep_save(payload, connection),
                adapt_time(created_at),
                prev_hash,
                event_hash_,
                digest,
            )
        )
        prev_hash = event_hash_
    with connection.cursor() as cursor:
        cursor.executemany(_INSERT_EVENT, rows)
        cursor.execute(_MOVE_HEAD, [seq, prev_hash])
    return head.last_seq + 1, seq


def _locked_head() -> ChainHead:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.append must run inside the transaction of the change it records")
    head = _lock_head()
    if head is None:
        # The migration creates the head; recreate it if the table was emptied. Two
        # first appenders may race here: the conflict is ignored and both then lock it.
        ChainHead.objects.bulk_create([ChainHead(id=1)], ignore_conflicts=True)
        head = _lock_head()
        assert head is not None
    return head


# Every event of the platform passes here, under the head's row lock: the two
# statements are written out, not compiled by the ORM on each append.
_HEAD = ChainHead._meta.db_table
_MOVE_HEAD = f"UPDATE {_HEAD} SET last_seq = %s, last_hash = %s WHERE id = 1"  # noqa: S608 - our table
_EVENT_COLUMNS = (
    "seq",
    "ticket_id",
    "actor_id",
    "actor_role",
    "actor_unit_id",
    "action",
    "from_state",
    "to_state",
    "payload",
    "created_at",
    "prev_hash",
    "hash",
    "state_digest",
)
_INSERT_EVENT = (
    f"INSERT INTO {Event._meta.db_table} ({', '.join(_EVENT_COLUMNS)}) "  # noqa: S608 - our table
    f"VALUES ({', '.join(['%s'] * len(_EVENT_COLUMNS))})"
)


def _lock_head() -> ChainHead | None:
    """The chain head, row-locked until commit (SQLite: its writer lock already is)."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_seq, last_hash FROM {_HEAD} WHERE id = 1{lock}")  # noqa: S608 - our table
        row = cursor.fetchone()
    return None if row is None else ChainHead(id=1, last_seq=row[0], last_hash=row[1])


@dataclass
class Verification:
    ok: bool
    checked: int
    bad_seq: int | None = None
    reason: str = ""


def _events_in_order(upto: int, chunk: int = 5000) -> Iterator[Event]:
    last = 0
    while True:
        batch = list(Event.objects.filter(seq__gt=last, seq__lte=upto).order_by("seq")[:chunk])
        if not batch:
            return
        yield from batch
        last = batch[-1].seq


def verify(progress: Any = None) -> Verification:
    """Walk the whole chain up to its head as it stands when the walk starts; report the
    first event that does not fit.

    The head is read first: the platform goes on appending while a long walk runs, and
    an event appended meanwhile is after the head read (it commits with the head's move),
    so it is neither walked nor taken for a gap — read last, the head could be ahead of
    the walk and a live chain reported as cut short."""
    start = ChainHead.objects.filter(id=1).first()
    last_seq = start.last_seq if start else 0
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in _events_in_order(last_seq):
        if event.seq != expected_seq:
            return Verification(
                False, checked, expected_seq, f"事件 #{expected_seq} 缺失(下一条为 #{event.seq})"
            )
        if event.prev_hash != prev_hash:
            return Verification(
                False, checked, event.seq, f"事件 #{event.seq} 的前序哈希与上一条不符(被删除或调换顺序)"
            )
        if event_hash(event, prev_hash) != event.hash:
            return Verification(False, checked, event.seq, f"事件 #{event.seq} 的内容与其哈希不符(被篡改)")
        prev_hash = event.hash
        expected_seq += 1
        checked += 1
        if progress is not None:
            progress(checked)
    if last_seq != checked or (start is not None and start.last_hash != prev_hash):
        return Verification(
            False, checked, checked + 1, f"链头记录到 #{last_seq},但链只到 #{checked}(末尾事件被删除)"
        )
    # Events past a head that has not moved were written around the chain, not through it.
    now = ChainHead.objects.filter(id=1).first()
    if (now.last_seq if now else 0) == last_seq and Event.objects.filter(seq__gt=last_seq).exists():
        return Verification(False, checked, last_seq + 1, f"链头之后存在未记入链头的事件 #{last_seq + 1} 起")
    return Verification(True, checked)
