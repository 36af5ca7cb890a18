"""派单工作台: the queue with suggestions, one-click and changed dispatch, bulk dispatch,
returns, extension/suspension decisions — and the refusals."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.audit.models import Event
from hotline.tickets.models import State
from tests.web.consoles.conftest import act, client_for, fresh, new_ticket

pytestmark = pytest.mark.django_db


def test_queue_shows_suggestion_and_confirm_dispatches(corg: Any) -> None:
    t = new_ticket(corg)
    c = client_for("dispatcher")
    page = c.get("/dispatch/").content.decode()
    assert t.number in page and "滨江县住建局" in page and "职责清单" in page
    r = c.post(
        f"/dispatch/{t.number}/dispatch/",
        {"version": t.version, "lead_unit": "A-ZJ", "assist_units": ["A-CG"]},
    )
    assert r.status_code == 302
    t2 = fresh(t)
    assert t2.state == State.DISPATCHED and t2.lead_unit.code == "A-ZJ"
    assert sorted(a.unit.code for a in t2.assignments.all()) == ["A-CG", "A-ZJ"]
    assert f"t-{t.number}" not in c.get("/dispatch/").content.decode()


def test_stale_form_is_refused_without_double_action(corg: Any) -> None:
    t = new_ticket(corg)
    c = client_for("dispatcher")
    form = {"version": t.version, "lead_unit": "A-ZJ"}
    assert c.post(f"/dispatch/{t.number}/dispatch/", form).status_code == 302
    r = c.post(f"/dispatch/{t.number}/dispatch/", form)
    assert r.status_code == 409
    assert Event.objects.filter(ticket=t, action="dispatch").count() == 1
    # Same version, ticket moved on by someone else meanwhile → "表单已过期"
    t3 = new_ticket(corg)
    act(corg, "dispatcher", "dispatch", t3, lead_unit="A")
    r = c.post(f"/dispatch/{t3.number}/dispatch/", {"version": t3.version, "lead_unit": "A-ZJ"})
    assert r.status_code == 409 and "工单当前状态" in r.content.decode()


def test_stale_version_message(corg: Any) -> None:
    t = new_ticket(corg)
    c = client_for("dispatcher")
    r = c.post(f"/dispatch/{t.number}/dispatch/", {"version": t.version + 5, "lead_unit": "A-ZJ"})
    assert r.status_code == 409 and "已被他人更新" in r.content.decode()
    assert fresh(t).state == State.ACCEPTED


def test_bad_input_same_page_nothing_saved(corg: Any) -> None:
    t = new_ticket(corg)
    c = client_for("dispatcher")
    for lead, status in (("", 422), ("NOPE", 422), ("A-OLD", 422), ("CENTRE", 422)):
        r = c.post(f"/dispatch/{t.number}/dispatch/", {"version": t.version, "lead_unit": lead})
        assert r.status_code == status, lead
        body = r.content.decode()
        assert "派单工作台" in body and 'class="err"' in body
    r = c.post(f"/dispatch/{t.number}/dispatch/", {"lead_unit": "A"})
    assert r.status_code == 400 and "版本号" in r.content.decode()
    assert fresh(t).state == State.ACCEPTED and fresh(t).version == t.version


def test_wrong_role_403_and_anonymous_to_login(corg: Any) -> None:
    new_ticket(corg)
    for user in ("a_gov", "reviewer", "leader"):
        r = client_for(user).get("/dispatch/")
        assert r.status_code == 403 and "无权访问" in r.content.decode()
    from django.test import Client

    r = Client().get("/dispatch/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_bulk_dispatch_reports_each_ticket(corg: Any) -> None:
    good = [new_ticket(corg) for _ in range(3)]
    gone = new_ticket(corg)
    act(corg, "dispatcher", "dispatch", gone, lead_unit="A")
    c = client_for("dispatcher")
    form: dict[str, Any] = {"numbers": [t.number for t in good] + [gone.number, "20990101999"]}
    for t in [*good, gone]:
        form[f"version_{t.number}"] = 1
    r = c.post("/dispatch/bulk/", form)
    assert r.status_code == 200
    body = r.content.decode()
    assert "成功 3 件,失败 2 件" in body
    for t in good:
        assert fresh(t).state == State.DISPATCHED and fresh(t).lead_unit is not None
    assert "不在您的数据范围内" in body
    # Posting again dispatches nothing twice.
    r = c.post("/dispatch/bulk/", form)
    assert "成功 0 件" in r.content.decode()
    assert Event.objects.filter(action="dispatch").count() == 4
    assert c.post("/dispatch/bulk/", {}).status_code == 400


def test_unit_search_is_scoped_and_searchable(corg: Any) -> None:
    c = client_for("dispatcher")
    r = c.get("/dispatch/units/", {"q": "城关", "field": "lead_unit"})
    body = r.content.decode()
    assert "滨江县城关镇" in body and "石门县" not in body and "已撤销" not in body
    r = c.get("/dispatch/units/", {"q": "住建", "field": "assist_units", "assist_units": ["B-LT"]})
    body = r.content.decode()
    assert 'value="B-LT" selected' in body and "滨江县住建局" in body


def test_returns_rule_redispatch_and_overrule(corg: Any) -> None:
    t1, t2 = new_ticket(corg), new_ticket(corg)
    for t in (t1, t2):
        act(corg, "dispatcher", "dispatch", t, lead_unit="A-ZJ")
        act(corg, "a_zj", "return", t, reason="不属于本单位职责")
    c = client_for("dispatcher")
    page = c.get("/dispatch/?tab=returns").content.decode()
    assert t1.number in page and "不属于本单位职责" in page and "滨江县住建局" in page
    r = c.post(
        f"/dispatch/{t1.number}/rule-return/",
        {"version": fresh(t1).version, "decision": "redispatch", "lead_unit": "A-CG"},
    )
    assert r.status_code == 302 and fresh(t1).lead_unit.code == "A-CG"
    r = c.post(
        f"/dispatch/{t2.number}/rule-return/",
        {"version": fresh(t2).version, "decision": "overrule", "reason": ""},
    )
    assert r.status_code == 422 and fresh(t2).state == State.RETURNED
    r = c.post(
        f"/dispatch/{t2.number}/rule-return/",
        {"version": fresh(t2).version, "decision": "overrule", "reason": "属于住建职责"},
    )
    assert r.status_code == 302 and fresh(t2).state == State.DISPATCHED and fresh(t2).lead_unit.code == "A-ZJ"


def test_extension_and_suspension_requests(corg: Any) -> None:
    t1, t2 = new_ticket(corg), new_ticket(corg)
    for t in (t1, t2):
        act(corg, "dispatcher", "dispatch", t, lead_unit="A-ZJ")
        act(corg, "a_zj", "sign", t)
    act(corg, "a_zj", "request_extension", t1, days=3, reason="需协调供电部门")
    act(corg, "a_zj", "suspend", t2, reason="等待法院判决")
    c = client_for("dispatcher")
    page = c.get("/dispatch/?tab=requests").content.decode()
    assert "申请延期 3 个工作日" in page and "申请挂起" in page
    before = fresh(t1).resolve_deadline
    r = c.post(f"/dispatch/{t1.number}/decide/", {"version": fresh(t1).version, "approve": "0", "note": ""})
    assert r.status_code == 422 and fresh(t1).pending_request
    r = c.post(f"/dispatch/{t1.number}/decide/", {"version": fresh(t1).version, "approve": "1", "days": "2"})
    assert r.status_code == 302 and not fresh(t1).pending_request
    assert fresh(t1).resolve_deadline > before
    r = c.post(f"/dispatch/{t2.number}/decide/", {"version": fresh(t2).version, "approve": "1"})
    assert r.status_code == 302 and fresh(t2).state == State.SUSPENDED


def test_queue_queries_bounded_and_paginated(corg: Any, django_assert_max_num_queries: Any) -> None:
    for _ in range(25):
        new_ticket(corg)
    c = client_for("dispatcher")
    c.get("/dispatch/")  # warm routing's per-process caches
    with django_assert_max_num_queries(40):
        r = c.get("/dispatch/")
    body = r.content.decode()
    assert body.count('name="numbers"') == 20 and "第 1 / 2 页" in body
    with django_assert_max_num_queries(15):
        c.get("/dispatch/?tab=returns")
