"""First-time-right figures on a constructed history; the suggestions endpoint."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine

from hotline.org.actor import Actor
from hotline.org.scope import DataScope
from hotline.routing.metrics import first_time_right
from hotline.tickets.actions import dispatch, return_ticket, rule_return
from tests.routing.conftest import PROPERTY, make_ticket, triage

pytestmark = pytest.mark.django_db

DAY1 = datetime.fromisoformat("2026-03-02T10:00:00+08:00")
DAY2 = DAY1 + timedelta(days=1)
DAY9 = DAY1 + timedelta(days=8)


def test_first_time_right_counts_returns_and_redispatches(rorg: Any) -> None:
    d, zj, town = Actor.of(rorg.dispatcher), Actor.of(rorg.a_housing_handler), Actor.of(rorg.a_town_handler)
    t = [make_ticket(text=f"诉求{i}", topic=PROPERTY) for i in range(5)]
    with time_machine.travel(DAY1, tick=False):
        dispatch(d, t[0].number, lead_unit="A-ZJ")  # right first time
        dispatch(d, t[1].number, lead_unit="A-ZJ")  # returned, re-dispatched
        dispatch(d, t[2].number, lead_unit="A-CG", assist_units=["A-ZJ"])  # only the assisting unit returns
        dispatch(d, t[3].number, lead_unit="B-LT")  # to county B: right first time
    with time_machine.travel(DAY2, tick=False):
        return_ticket(zj, t[1].number, reason="非本单位职责")
        rule_return(d, t[1].number, decision="redispatch", lead_unit="A-CG")
        return_ticket(zj, t[2].number, reason="协办事项不涉及")
        dispatch(d, t[4].number, lead_unit="A-CG")  # dispatched after the period
    assert town is not None
    r = first_time_right(DAY1 - timedelta(hours=1), DAY1 + timedelta(hours=12))
    assert (r["numerator"], r["denominator"], r["rate"]) == (3, 4, 0.75)
    assert (r["returned"], r["redispatched"], r["assist_returned"]) == (1, 0, 1)
    a_scope = DataScope(everything=False, unit_path=rorg.county_a.path)
    ra = first_time_right(DAY1 - timedelta(hours=1), DAY9, scope=a_scope)
    assert (ra["numerator"], ra["denominator"]) == (3, 4)  # t0, t1 (wrong), t2, t4
    empty = first_time_right(DAY9, DAY9 + timedelta(days=1))
    assert empty["denominator"] == 0 and empty["rate"] is None


def test_suggestions_endpoint_within_scope(rorg: Any, api_as: Any) -> None:
    ticket = make_ticket(text="城关镇幸福小区物业不作为", topic=PROPERTY, triage=triage())
    r = api_as("dispatcher").get(f"/tickets/{ticket.number}/suggestions")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["lead"]["unit"]["code"] == "A-ZJ"
    assert body["place"]["township"]["code"] == "A-CG"
    assert body["leads"][0]["reasons"] and 0 < body["confidence"] <= 1
    assert body["auto_dispatch_eligible"] is True
    # A county-B handler does not see the ticket at all.
    assert api_as("b_zj").get(f"/tickets/{ticket.number}/suggestions").status_code == 404
    assert api_as("dispatcher").get("/tickets/000/suggestions").status_code == 404
    # Once dispatched to 滨江县住建局 its handler sees it, with suggestions limited to its units.
    dispatch(Actor.of(rorg.dispatcher), ticket.number, lead_unit="A-ZJ")
    r = api_as("a_zj").get(f"/tickets/{ticket.number}/suggestions")
    assert r.status_code == 200
    assert {c["unit"]["code"] for c in r.json()["leads"]} <= {"A-ZJ"}
