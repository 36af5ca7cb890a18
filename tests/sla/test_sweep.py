"""The sweep warns, urges and supervises through the actions — once each, only what is due."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connections

from hotline.audit.chain import verify
from hotline.audit.models import Event
from hotline.org.actor import Actor
from hotline.sla.calendar import BEIJING
from hotline.sla.models import Notification
from hotline.sla.sweep import sweep_all
from hotline.tickets import actions
from hotline.tickets.actions import NewContact
from hotline.tickets.models import Ticket


def bj(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)  # type: ignore[misc]


def make(org: Any, n: int, at: datetime, text: str = "小区垃圾清运不及时") -> list[str]:
    numbers = []
    with time_machine.travel(at, tick=False):
        for i in range(n):
            t, _ = actions.create_ticket(
                Actor.of(org.operator), NewContact(channel="web", text=f"{text}{i}", type="投诉类")
            )
            actions.dispatch(Actor.of(org.dispatcher), t.number, lead_unit="A-ZJ")
            numbers.append(t.number)
    return numbers


def steps_of(number: str) -> list[tuple[str, str]]:
    return [
        (e.action, e.payload.get("deadline", ""))
        for e in Event.objects.filter(
            ticket__number=number, action__in=["warn", "urge", "supervise"]
        ).order_by("seq")
    ]


@pytest.mark.django_db
def test_warn_then_urge_then_supervise_each_once(org: Any, committed: Any) -> None:
    with committed():
        [number] = make(org, 1, bj(2026, 11, 2, 9))  # Monday; sign within 2 working hours → 11:00
    with time_machine.travel(bj(2026, 11, 2, 10, 40), tick=False), committed():
        assert sweep_all().steps["warn"] == 1
        assert sweep_all().claimed == 0  # idempotent: nothing due again
    assert steps_of(number) == [("warn", "sign")]
    handler_inbox = Notification.objects.filter(user=org.a_housing_handler, ticket__number=number)
    assert (
        handler_inbox.filter(kind="new_ticket").count() == 1
        and handler_inbox.filter(kind="warn").count() == 1
    )

    with time_machine.travel(bj(2026, 11, 3, 9, 5), tick=False):  # the day after the sign deadline
        result = sweep_all()
    assert result.steps["urge"] == 1
    ticket = Ticket.objects.get(number=number)
    assert ticket.urge_count == 1 and ticket.state == "dispatched"
    with time_machine.travel(bj(2026, 11, 5, 9, 5), tick=False), committed():  # two working days later
        sweep_all()
        sweep_all()
    assert steps_of(number).count(("supervise", "sign")) == 1
    assert Ticket.objects.get(number=number).supervise_count == 1
    assert Notification.objects.filter(user=org.supervisor, kind="supervise").count() == 1
    assert verify().ok


@pytest.mark.django_db
def test_signing_stops_the_sign_clock_and_the_sweep_leaves_it(org: Any) -> None:
    [number] = make(org, 1, bj(2026, 11, 2, 9))
    with time_machine.travel(bj(2026, 11, 2, 9, 30), tick=False):
        actions.sign(Actor.of(org.a_housing_handler), number)
    with time_machine.travel(bj(2026, 11, 3, 9, 5), tick=False):
        sweep_all()
    assert ("urge", "sign") not in steps_of(number)


@pytest.mark.django_db
def test_only_due_tickets_are_claimed(org: Any) -> None:
    due = make(org, 3, bj(2026, 11, 2, 9))
    make(org, 20, bj(2026, 11, 4, 9))
    with time_machine.travel(bj(2026, 11, 2, 10, 40), tick=False):
        result = sweep_all()
    assert result.claimed == 3
    assert all(steps_of(n) == [("warn", "sign")] for n in due)


@pytest.mark.django_db
def test_a_crash_mid_batch_never_urges_twice(org: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    numbers = make(org, 3, bj(2026, 11, 2, 9))
    calls = {"n": 0}
    real_urge = actions.ACTIONS["urge"]

    def crashing_urge(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real_urge(*args, **kwargs)

    monkeypatch.setitem(actions.ACTIONS, "urge", crashing_urge)
    with time_machine.travel(bj(2026, 11, 3, 9, 5), tick=False), pytest.raises(RuntimeError):
        sweep_all()
    assert Event.objects.filter(action="urge").count() == 0  # the batch rolled back whole
    monkeypatch.setitem(actions.ACTIONS, "urge", real_urge)
    with time_machine.travel(bj(2026, 11, 3, 9, 6), tick=False):
        sweep_all()
        sweep_all()
    assert all(steps_of(n).count(("urge", "sign")) == 1 for n in numbers)


@pytest.mark.django_db
def test_worker_command_once(org: Any) -> None:
    from io import StringIO

    make(org, 2, bj(2026, 11, 2, 9))
    out = StringIO()
    with time_machine.travel(bj(2026, 11, 3, 9, 5), tick=False):
        call_command("worker", "--once", stdout=out)
    assert "催办 2" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_share_the_work_without_doing_any_twice(org: Any) -> None:
    numbers = make(org, 30, bj(2026, 11, 2, 9))
    connections.close_all()
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            sweep_all(batch=5)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    with time_machine.travel(bj(2026, 11, 3, 9, 5), tick=False):
        threads = [threading.Thread(target=worker) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    assert not errors, errors
    for number in numbers:
        assert steps_of(number) == [("warn", "sign"), ("urge", "sign")]
    assert Event.objects.filter(action="urge").count() == 30
    assert verify().ok
