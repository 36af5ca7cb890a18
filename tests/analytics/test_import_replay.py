"""The bulk replay writes exactly what the actions write (tickets.replay)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection, transaction

from hotline.audit import chain
from hotline.audit.models import ChainHead, Event
from hotline.db import write_transaction
from hotline.errors import InvalidInput
from hotline.tickets import commitment, followers, replay
from hotline.tickets.actions import NewContact
from hotline.tickets.models import Assignment, Contact, DailySequence, Ticket
from hotline.tickets.replay import Step
from tests.analytics.conftest import bj

pytestmark = pytest.mark.django_db


def _histories(org: Any) -> list[tuple[NewContact, list[Step]]]:
    def contact(n: int, at: datetime, **kw: Any) -> NewContact:
        return NewContact(
            channel=kw.pop("channel", "phone"),
            text=kw.pop("text", f"城关镇河西村第{n}组路灯不亮,晚上出行不便"),
            idempotency_key=f"old:{n}",
            received_at=at,
            **kw,
        )

    t0 = bj(2021, 3, 1, 9)
    unit = org.a_housing

    def closed(at: datetime) -> list[Step]:
        return [
            Step("dispatch", at + timedelta(minutes=5), unit),
            Step("sign", at + timedelta(minutes=35), unit),
            Step("report", at + timedelta(days=2), unit, text="已修复路灯"),
            Step("review", at + timedelta(days=2, hours=1)),
        ]

    return [
        (contact(1, t0), []),
        (contact(2, t0 + timedelta(hours=1), phone="13800138000", citizen_name="王女士"), closed(t0)),
        (
            contact(3, t0 + timedelta(hours=2), type="投诉类", urgency="紧急", lat=27.5, lng=109.9),
            [Step("dispatch", t0 + timedelta(hours=3), unit)],
        ),
        (
            contact(4, t0 + timedelta(days=1), channel="web", title="噪音"),
            [*closed(t0 + timedelta(days=1)), Step("archive", t0 + timedelta(days=4), text="历史数据导入")],
        ),
        (
            contact(5, t0 + timedelta(days=1, hours=2), address="滨江县城关镇"),
            [
                *closed(t0 + timedelta(days=1, hours=2)),
                Step("callback", t0 + timedelta(days=5), satisfaction="basically_satisfied"),
            ],
        ),
        (
            contact(6, t0 + timedelta(days=3)),
            [Step("reject", t0 + timedelta(days=3, hours=1), text="重复来电")],
        ),
        (
            contact(7, t0 + timedelta(days=3, hours=5)),
            [
                Step("dispatch", t0 + timedelta(days=3, hours=6), org.b_town),
                Step("sign", t0 + timedelta(days=4), org.b_town),
            ],
        ),
    ]


def _fresh(history: tuple[NewContact, list[Step]]) -> tuple[NewContact, list[Step]]:
    return dataclasses.replace(history[0]), history[1]


def _rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every row an import writes, query codes aside (random per ticket, not committed)."""

    def values(model: Any, order: str, leave_out: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in leave_out]
        return list(model.objects.order_by(order).values_list(*names))

    return {
        "tickets": values(Ticket, "id", ("query_code",)),
        "contacts": values(Contact, "id"),
        "assignments": values(Assignment, "id"),
        "events": values(Event, "seq", ("id",)),
        "numbers": values(DailySequence, "day"),
        "head": values(ChainHead, "id"),
    }


def _without_ids(rows: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    """PostgreSQL's sequences do not roll back: the ids (and so the hashes) differ."""
    tickets = [r[2:] for r in rows["tickets"]]  # id, number
    contacts = [r[2:] for r in rows["contacts"]]  # id, ticket
    assignments = [r[2:] for r in rows["assignments"]]
    # seq, role, unit, action, states, payload (but the contact's id), time
    events = [
        (r[0], *r[3:8], {k: v for k, v in r[8].items() if k != "contact"}, r[9]) for r in rows["events"]
    ]
    return {"tickets": tickets, "contacts": contacts, "assignments": assignments, "events": events}


@contextmanager
def _bulk() -> Iterator[None]:
    with followers.replaying(skip=["notifications"], defer=["rollups"]):
        yield


def test_a_bulk_batch_writes_the_rows_and_hashes_the_actions_write(org: Any) -> None:
    histories = _histories(org)
    point = transaction.savepoint()
    with _bulk():
        for history in histories:
            replay.replay_one(*_fresh(history))
    reference = _rows()
    transaction.savepoint_rollback(point)
    assert not Ticket.objects.exists()

    with _bulk(), write_transaction():
        tickets, span = replay.write([replay.prepare(*_fresh(h)) for h in histories])
    assert len(tickets) == len(histories) and span == (1, len(reference["events"]))
    written = _rows()
    if connection.vendor == "sqlite":  # the same ids again: byte for byte, hashes included
        assert written == reference
    else:
        assert _without_ids(written) == _without_ids(reference)
        assert written["numbers"] == reference["numbers"]
    states = [t.state for t in Ticket.objects.order_by("id")]
    assert states == [
        "accepted",
        "awaiting_callback",
        "dispatched",
        "archived",
        "archived",
        "rejected",
        "handling",
    ]
    assert chain.verify().ok
    assert commitment.check().ok


def test_a_replayed_ticket_goes_on_with_live_actions(org: Any) -> None:
    """The digests it recorded are what a live action finds: no drift is reported."""
    from hotline.tickets import actions as a
    from tests.analytics.conftest import act

    with _bulk(), write_transaction():
        replay.write([replay.prepare(*_fresh(h)) for h in _histories(org)[2:3]])
    number = Ticket.objects.get().number
    act(a.sign, org.a_housing_handler, number, bj(2021, 3, 2, 9))
    assert not Event.objects.filter(action=commitment.STATE_DRIFT).exists()
    assert commitment.check().ok and chain.verify().ok


def test_a_refused_step_writes_nothing_and_known_keys_are_skipped(org: Any) -> None:
    histories = _histories(org)
    bad = (
        dataclasses.replace(histories[0][0], idempotency_key="old:bad"),
        [Step("dispatch", bj(2021, 3, 1, 10), org.disabled)],
    )
    with _bulk(), pytest.raises(InvalidInput, match="已停用"), write_transaction():
        replay.write([replay.prepare(*_fresh(histories[1])), replay.prepare(*bad)])
    assert not Ticket.objects.exists() and not Event.objects.exists()
    with _bulk(), write_transaction():
        replay.write([replay.prepare(*_fresh(histories[1]))])
    with _bulk(), write_transaction():
        again, span = replay.write([replay.prepare(*_fresh(histories[1]))])
    assert (again, span, Ticket.objects.count()) == ([], None, 1)


def test_write_refuses_to_run_the_followers_it_does_not_run(org: Any) -> None:
    item = replay.prepare(*_fresh(_histories(org)[0]))
    with pytest.raises(RuntimeError, match="leaves out"), write_transaction():
        replay.write([item])
    assert not Ticket.objects.exists()
