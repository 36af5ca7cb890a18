"""One rule of which deadline runs when: the Python check, the SQL filters, the light,
the home counters, the supervisor's console and the KPIs agree on a random history."""

from __future__ import annotations

import contextlib
import random
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from hotline.analytics import queries
from hotline.errors import ActionError
from hotline.org.actor import Actor
from hotline.sla import deadlines
from hotline.tickets import actions
from hotline.tickets.models import Ticket
from hotline.web.consoles.lights import light_of
from tests.analytics.conftest import bj, new
from tests.web.helpers import client_for

pytestmark = pytest.mark.django_db


def _step(rng: random.Random, org: Any, number: str) -> None:
    """One plausible next action on the ticket, chosen at random; refusals are fine."""
    handler = Actor.of(org.a_housing_handler)
    dispatcher = Actor.of(org.dispatcher)
    state = Ticket.objects.get(number=number).state
    choices: dict[str, list[Any]] = {
        "accepted": [lambda: actions.dispatch(dispatcher, number, lead_unit="A-ZJ")],
        "dispatched": [
            lambda: actions.sign(handler, number),
            lambda: actions.return_ticket(handler, number, reason="不属本单位职责"),
        ],
        "handling": [
            lambda: actions.progress(handler, number, note="正在协调"),
            lambda: actions.suspend(dispatcher, number, reason="等待司法鉴定结果"),
            lambda: actions.suspend(dispatcher, number, reason="等待司法鉴定结果"),
            lambda: actions.report(handler, number, result="已修复"),
        ],
        # Often left suspended: a suspended ticket must never count as overdue.
        "suspended": [lambda: actions.resume(dispatcher, number), lambda: None, lambda: None],
        "returned": [
            lambda: actions.rule_return(dispatcher, number, decision="redispatch", lead_unit="A-ZJ")
        ],
        "reported": [lambda: actions.review(Actor.of(org.reviewer), number, passed=True)],
    }
    options = choices.get(state, [])
    if options:
        with contextlib.suppress(ActionError):
            rng.choice(options)()


@pytest.mark.parametrize("seed", [1, 2])
def test_every_reading_of_overdue_agrees(org: Any, seed: int) -> None:
    rng = random.Random(seed)
    start = bj(2026, 11, 2, 9)  # a Monday
    with time_machine.travel(start, tick=False) as traveller:
        numbers: list[str] = []
        for hour in range(0, 24 * 12, 7):  # twelve days, in uneven steps
            traveller.move_to(start + timedelta(hours=hour))
            numbers.append(new(org, start + timedelta(hours=hour)))
            for number in rng.sample(numbers, min(3, len(numbers))):
                _step(rng, org, number)
        now = start + timedelta(days=12, hours=2)
        traveller.move_to(now)
        tickets = list(Ticket.objects.all())

        red = {t.number for t in tickets if light_of(t, now) == "red"}
        in_sql = set(Ticket.objects.filter(deadlines.overdue_q(now)).values_list("number", flat=True))
        assert red == in_sql
        assert red, "the history must leave some tickets overdue, or the test proves nothing"
        # The red ones are exactly those with a running deadline passed, never a suspended one.
        by_python = {
            t.number
            for t in tickets
            if any(getattr(t, f"{k}_deadline") < now for k in deadlines.open_kinds(t))
        }
        assert red == by_python
        suspended = [t for t in tickets if t.state == "suspended"]
        assert suspended and not any(t.number in red for t in suspended)

        for user in (org.leader, org.supervisor):
            figures = {c.key: n for c, n in client_for(user).get("/").context["counters"]}
            assert figures["overdue"] == len(red)
        supervised = client_for(org.supervisor).get("/supervise/?tab=overdue")
        assert supervised.status_code == 200

        live = queries.live_counts(None)
        resolve_red = [
            t
            for t in tickets
            if "resolve" in deadlines.open_kinds(t) and t.resolve_deadline < now and t.lead_unit_id
        ]
        assert sum(v["overdue_open"] for v in live.values()) == len(resolve_red)
        sign_red = [t for t in tickets if "sign" in deadlines.open_kinds(t) and t.sign_deadline < now]
        assert sum(v["sign_overdue_open"] for v in live.values()) == len(sign_red)
