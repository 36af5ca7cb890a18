"""督办, 质检, 回访 and 驾驶舱 consoles: lists, actions, refusals, scoping, query counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from hotline.audit.models import Event
from hotline.tickets.models import State
from tests.web.consoles.conftest import act, client_for, fresh, new_ticket

pytestmark = pytest.mark.django_db


def handled(corg: Any, lead: str = "A-ZJ", user: str = "a_zj") -> Any:
    t = new_ticket(corg)
    act(corg, "dispatcher", "dispatch", t, lead_unit=lead)
    return act(corg, user, "sign", t)


def reported(corg: Any, lead: str = "A-ZJ", user: str = "a_zj") -> Any:
    t = handled(corg, lead, user)
    return act(corg, user, "report", t, result="已修复")


def test_supervisor_sees_overdue_by_unit_and_urges(corg: Any, django_assert_max_num_queries: Any) -> None:
    a = handled(corg)
    b = handled(corg, "B-ZJ", "b_zj")
    c = client_for("supervisor")
    with time_machine.travel(timezone.now() + timedelta(days=40), tick=False):
        body = c.get("/supervise/").content.decode()
        assert a.number in body and b.number in body and "滨江县住建局" in body and "县(市、区)级" in body
        drill = c.get("/supervise/?unit=A").content.decode()
        assert a.number in drill and f"t-{b.number}" not in drill
        assert c.get("/supervise/?unit=NOPE").status_code == 404
        r = c.post(f"/supervise/{a.number}/urge/", {"version": fresh(a).version, "note": "请加快"})
        assert r.status_code == 302 and fresh(a).urge_count == 1
        r = c.post(f"/supervise/{a.number}/supervise/", {"version": fresh(a).version - 1, "note": "x"})
        assert r.status_code == 409 and fresh(a).supervise_count == 0
        with django_assert_max_num_queries(12):
            c.get("/supervise/")
    assert client_for("a_zj").get("/supervise/").status_code == 403


def test_complaint_recorded_as_audit_event_and_refusals(corg: Any) -> None:
    t = handled(corg)
    c = client_for("supervisor")
    r = c.post("/supervise/complaints/", {"ticket": t.number, "unit": "", "content": ""})
    assert (
        r.status_code == 422
        and "请选择被投诉单位" in r.content.decode()
        and "请填写投诉内容" in r.content.decode()
    )
    r = c.post("/supervise/complaints/", {"ticket": "nope", "unit": "A-ZJ", "content": "x"})
    assert r.status_code == 422
    assert not Event.objects.filter(action="unit_complaint").exists()
    r = c.post(
        "/supervise/complaints/",
        {"ticket": t.number, "unit": "A-ZJ", "person": "李四", "content": "推诿扯皮,态度差"},
    )
    assert r.status_code == 302
    e = Event.objects.get(action="unit_complaint")
    assert e.ticket_id == t.pk and e.payload["person"] == "李四" and e.payload["unit"] == "A-ZJ"
    assert fresh(t).version == t.version  # the ticket itself is untouched
    body = c.get("/supervise/?tab=complaints").content.decode()
    assert "推诿扯皮" in body and "李四" in body


def test_review_pass_and_fail(corg: Any) -> None:
    t1, t2 = reported(corg), reported(corg)
    c = client_for("reviewer")
    body = c.get("/review/").content.decode()
    assert t1.number in body and "已修复" in body
    r = c.post(f"/review/{t2.number}/", {"version": fresh(t2).version, "passed": "0", "comment": ""})
    assert r.status_code == 422 and fresh(t2).state == State.REPORTED
    assert (
        c.post(
            f"/review/{t2.number}/", {"version": fresh(t2).version, "passed": "0", "comment": "结果不具体"}
        ).status_code
        == 302
    )
    assert fresh(t2).state == State.HANDLING
    assert c.post(f"/review/{t1.number}/", {"version": fresh(t1).version, "passed": "1"}).status_code == 302
    assert fresh(t1).state == State.AWAITING_CALLBACK
    assert client_for("callback").get("/review/").status_code == 403


def test_callback_records_and_archives(corg: Any) -> None:
    ts = [reported(corg) for _ in range(3)]
    for t in ts:
        act(corg, "reviewer", "review", t, passed=True)
    c = client_for("callback")
    body = c.get("/callback/").content.decode()
    assert "问候语" in body and "138****5678" in body and "13812345678" not in body
    r = c.post(f"/callback/{ts[0].number}/phone/")
    assert "13812345678" in r.content.decode()
    assert Event.objects.filter(action="view_personal_data", ticket=ts[0]).count() == 1
    r = c.post(f"/callback/{ts[0].number}/", {"version": fresh(ts[0]).version, "reached": "1"})
    assert r.status_code == 422 and fresh(ts[0]).state == State.AWAITING_CALLBACK
    r = c.post(
        f"/callback/{ts[0].number}/",
        {"version": fresh(ts[0]).version, "reached": "1", "satisfaction": "satisfied", "resolved": "1"},
    )
    assert r.status_code == 302 and fresh(ts[0]).state == State.ARCHIVED
    r = c.post(
        f"/callback/{ts[1].number}/",
        {"version": fresh(ts[1]).version, "reached": "1", "satisfaction": "dissatisfied", "resolved": "0"},
    )
    assert fresh(ts[1]).state == State.HANDLING
    r = c.post(f"/callback/{ts[2].number}/", {"version": fresh(ts[2]).version, "reached": "0"})
    assert fresh(ts[2]).state == State.AWAITING_CALLBACK
    assert "未接通 1 次" in c.get("/callback/").content.decode()
    r = c.post(f"/callback/{ts[2].number}/archive/", {"version": fresh(ts[2]).version, "reason": ""})
    assert r.status_code == 422
    r = c.post(
        f"/callback/{ts[2].number}/archive/", {"version": fresh(ts[2]).version, "reason": "unreachable"}
    )
    assert r.status_code == 302 and fresh(ts[2]).state == State.ARCHIVED


def test_leader_dashboard_scoped(corg: Any, django_assert_max_num_queries: Any) -> None:
    a = reported(corg)
    act(corg, "reviewer", "review", a, passed=True)
    act(corg, "callback", "callback", a, satisfaction="satisfied", resolved=True)
    reported(corg, "B-ZJ", "b_zj")
    c = client_for("leader")
    with django_assert_max_num_queries(20):
        r = c.get("/leader/")
    body = r.content.decode()
    assert r.status_code == 200 and "滨江县住建局" in body and "石门县住建局" in body
    assert 'id="leader-charts"' in body and "100.0%" in body
    county = client_for("a_leader").get("/leader/?days=7&rank=quality").content.decode()
    assert "滨江县住建局" in county and "石门县住建局" not in county
    assert client_for("admin").get("/leader/").status_code == 200
    assert client_for("a_zj").get("/leader/").status_code == 403
