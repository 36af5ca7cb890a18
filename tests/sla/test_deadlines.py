"""Deadlines follow the lifecycle: start at dispatch, freeze, extend, re-handle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import time_machine

from hotline.errors import Conflict, InvalidInput
from hotline.org.actor import Actor
from hotline.sla.calendar import BEIJING
from hotline.sla.deadlines import traffic_light
from hotline.tickets import actions
from hotline.tickets.actions import NewContact
from hotline.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def bj(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)  # type: ignore[misc]


def dispatched(org: Any, at: datetime, **contact: Any) -> Ticket:
    with time_machine.travel(at, tick=False):
        ticket, _ = actions.create_ticket(
            Actor.of(org.operator),
            NewContact(channel="phone", text="河西村路灯不亮", type="投诉类", urgency="一般", **contact),
        )
        return actions.dispatch(Actor.of(org.dispatcher), ticket.number, lead_unit="A-ZJ")


def test_clock_starts_at_dispatch_in_working_time(org: Any) -> None:
    t = dispatched(org, bj(2026, 9, 30, 16, 30))
    assert t.sign_deadline == bj(2026, 10, 8, 10)  # 2 working hours across National Day
    assert t.resolve_deadline == bj(2026, 10, 13, 17, 30)  # 5 working days: 8, 9, 10(调休), 12, 13
    assert t.next_due_at is not None and t.next_due_at <= t.sign_deadline
    # Signing late gains nothing: the resolution deadline does not move.
    with time_machine.travel(bj(2026, 10, 9, 9), tick=False):
        signed = actions.sign(Actor.of(org.a_housing_handler), t.number)
    assert signed.resolve_deadline == t.resolve_deadline


def test_suspension_freezes_and_resume_moves_by_the_frozen_working_time(org: Any) -> None:
    t = dispatched(org, bj(2026, 9, 30, 16, 30))
    unit, centre = Actor.of(org.a_housing_handler), Actor.of(org.dispatcher)
    with time_machine.travel(bj(2026, 10, 8, 9, 30), tick=False):
        actions.sign(unit, t.number)
        actions.suspend(unit, t.number, reason="等待供电公司停电检修")
    with time_machine.travel(bj(2026, 10, 8, 10), tick=False):
        s = actions.decide_suspension(centre, t.number, approve=True)
    assert s.state == "suspended" and s.next_due_at is None
    with time_machine.travel(bj(2026, 10, 9, 10), tick=False):
        r = actions.resume(unit, t.number)
    # Frozen 7 working hours (one office day) → the deadline moves one office day.
    assert r.resolve_deadline == bj(2026, 10, 14, 17, 30)
    assert r.next_due_at is not None


def test_extension_moves_by_working_days_and_is_refused_late_or_too_long(org: Any) -> None:
    t = dispatched(org, bj(2026, 9, 30, 16, 30))
    unit, centre = Actor.of(org.a_housing_handler), Actor.of(org.dispatcher)
    with time_machine.travel(bj(2026, 10, 12, 9), tick=False):
        actions.sign(unit, t.number)
        with pytest.raises(InvalidInput):
            actions.request_extension(unit, t.number, days=11, reason="工程量大")  # policy allows 10
        actions.request_extension(unit, t.number, days=3, reason="需协调供电公司")
        e = actions.decide_extension(centre, t.number, approve=True)
    assert e.resolve_deadline == bj(2026, 10, 16, 17, 30)  # 13 → 14, 15, 16
    with time_machine.travel(bj(2026, 10, 19, 9), tick=False), pytest.raises(Conflict):
        actions.request_extension(unit, t.number, days=1, reason="再延一天")
    assert Ticket.objects.get(pk=t.pk).pending_request == {}


def test_rehandle_after_dissatisfied_callback_gets_a_new_limit(org: Any) -> None:
    t = dispatched(org, bj(2026, 11, 2, 9))
    unit = Actor.of(org.a_housing_handler)
    with time_machine.travel(bj(2026, 11, 3, 9), tick=False):
        actions.sign(unit, t.number)
        actions.report(unit, t.number, result="已修复")
        reviewed = actions.review(Actor.of(org.reviewer), t.number, passed=True)
    assert reviewed.callback_deadline == bj(2026, 11, 4, 17, 30)
    with time_machine.travel(bj(2026, 11, 4, 10), tick=False):
        again = actions.callback(
            Actor.of(org.callback), t.number, satisfaction="dissatisfied", resolved=False
        )
    assert again.state == "handling"
    assert again.resolve_deadline == bj(2026, 11, 11, 17, 30)  # 5 working days from the callback
    assert again.callback_deadline is None


def test_urgent_consultation_and_traffic_light(org: Any) -> None:
    with time_machine.travel(bj(2026, 11, 6, 20), tick=False):  # a Friday evening
        ticket, _ = actions.create_ticket(
            Actor.of(org.operator),
            NewContact(channel="phone", text="燃气泄漏味道很重", urgency="紧急", type="投诉类"),
        )
        t = actions.dispatch(Actor.of(org.dispatcher), ticket.number, lead_unit="A-ZJ")
    assert t.resolve_deadline == bj(2026, 11, 7, 20)  # 24 calendar hours, weekend or not
    assert t.sign_deadline == bj(2026, 11, 6, 20, 30)
    assert traffic_light(t, bj(2026, 11, 6, 20, 10)) == "green"
    assert traffic_light(t, bj(2026, 11, 6, 20, 26)) == "yellow"
    assert traffic_light(t, bj(2026, 11, 6, 20, 31)) == "red"
    with time_machine.travel(bj(2026, 11, 9, 9), tick=False):
        ticket, _ = actions.create_ticket(
            Actor.of(org.operator), NewContact(channel="phone", text="公积金提取需要什么材料", type="咨询类")
        )
        c = actions.dispatch(Actor.of(org.dispatcher), ticket.number, lead_unit="A-ZJ")
    assert c.resolve_deadline == bj(2026, 11, 12, 9)  # consultations: 72 hours
