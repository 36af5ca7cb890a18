"""Real concurrent connections: two handlers sign the same ticket at once; one wins.

On PostgreSQL the row lock (SELECT … FOR UPDATE) serialises them; on SQLite the
IMMEDIATE transaction does. Either way the loser gets a 409-class conflict and the
chain holds exactly one sign event.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from hotline.audit.chain import verify
from hotline.audit.models import Event
from hotline.errors import ActionError
from hotline.org.actor import Actor
from hotline.org.models import Role
from hotline.tickets.actions import NewContact, create_ticket, dispatch, sign
from tests.conftest import make_user


def _race(n: int, fn: Any) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = fn(i)
        except Exception as exc:  # the outcome under test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_handlers_signing_at_once_exactly_one_wins(org: Any) -> None:
    second = make_user("a_zj_2", Role.HANDLER, org.a_housing)
    handlers = [org.a_housing_handler, second]
    numbers = []
    for i in range(5):
        ticket, _ = create_ticket(Actor.of(org.operator), NewContact(channel="phone", text=f"井盖缺失{i}"))
        dispatch(Actor.of(org.dispatcher), ticket.number, lead_unit="A-ZJ")
        numbers.append(ticket.number)
    connections.close_all()
    for number in numbers:
        results = _race(2, lambda i, number=number: sign(Actor.of(handlers[i]), number))
        wins = [r for r in results if not isinstance(r, Exception)]
        losses = [r for r in results if isinstance(r, Exception)]
        assert len(wins) == 1, results
        assert len(losses) == 1 and isinstance(losses[0], ActionError) and losses[0].status == 409, results
        assert Event.objects.filter(ticket__number=number, action="sign").count() == 1
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_intake_gives_unique_numbers_and_an_unbroken_chain(org: Any) -> None:
    actor = Actor.of(org.operator)
    connections.close_all()
    results = _race(
        6,
        lambda i: [
            create_ticket(actor, NewContact(channel="web", text=f"并发受理 {i}-{k}"))[0].number
            for k in range(5)
        ],
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    numbers = [n for r in results for n in r]
    assert len(numbers) == 30 and len(set(numbers)) == 30, results
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_same_idempotency_key_makes_one_ticket(org: Any) -> None:
    actor = Actor.of(org.operator)
    connections.close_all()
    results = _race(
        4,
        lambda i: (
            create_ticket(actor, NewContact(channel="app", text="同一请求重试", idempotency_key="k-1"))[
                0
            ].number
        ),
    )
    assert len(set(results)) == 1, results
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM tickets_contact WHERE idempotency_key = %s", ["k-1"])
        assert cursor.fetchone()[0] == 1
