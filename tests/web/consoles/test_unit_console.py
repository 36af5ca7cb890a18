"""承办工作台: my unit's tickets by traffic light, the unit actions, scope refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from hotline.tickets.models import State
from tests.web.consoles.conftest import act, client_for, fresh, new_ticket

pytestmark = pytest.mark.django_db


def dispatched(corg: Any, lead: str = "A", assist: list[str] | None = None) -> Any:
    t = new_ticket(corg)
    return act(corg, "dispatcher", "dispatch", t, lead_unit=lead, assist_units=assist or [])


def test_sign_subdispatch_report_through_the_workbench(corg: Any) -> None:
    t = dispatched(corg, "A", ["A-ZJ"])
    county = client_for("a_gov")
    page = county.get("/unit/").content.decode()
    assert t.number in page and "签收" in page and "滨江县住建局" in page
    assert county.post(f"/unit/{t.number}/sign/", {"version": fresh(t).version}).status_code == 302
    assert fresh(t).state == State.HANDLING
    # 下派: the select offers the units below; a unit elsewhere is refused with nothing saved.
    opts = county.get("/unit/units/", {"q": "城关"}).content.decode()
    assert "滨江县城关镇" in opts and "石门" not in opts
    r = county.post(f"/unit/{t.number}/subdispatch/", {"version": fresh(t).version, "unit": "B-LT"})
    assert r.status_code == 422 and "不是" in r.content.decode() and fresh(t).lead_unit.code == "A"
    r = county.post(
        f"/unit/{t.number}/subdispatch/", {"version": fresh(t).version, "unit": "A-CG", "note": "请核实"}
    )
    assert r.status_code == 302 and fresh(t).lead_unit.code == "A-CG"
    # The county now watches it under 下级单位承办.
    assert t.number in county.get("/unit/?view=below").content.decode()
    town = client_for("a_cg")
    assert town.post(f"/unit/{t.number}/sign/", {"version": fresh(t).version}).status_code == 302
    r = town.post(f"/unit/{t.number}/progress/", {"version": fresh(t).version, "note": "已联系供电所"})
    assert r.status_code == 302
    # The assisting unit sees the lead's progress.
    housing = client_for("a_zj")
    page = housing.get("/unit/").content.decode()
    assert "已联系供电所" in page and "滨江县城关镇" in page
    r = town.post(f"/unit/{t.number}/report/", {"version": fresh(t).version, "result": ""})
    assert (
        r.status_code == 422 and "请填写办理结果" in r.content.decode() and fresh(t).state == State.HANDLING
    )
    # Co-handling closes with the assisting unit: not while it has not even signed.
    r = town.post(f"/unit/{t.number}/report/", {"version": fresh(t).version, "result": "已更换灯具"})
    assert r.status_code == 409 and "尚未签收或反馈" in r.content.decode()
    assert fresh(t).state == State.HANDLING
    assert housing.post(f"/unit/{t.number}/sign/", {"version": fresh(t).version}).status_code == 302
    r = town.post(f"/unit/{t.number}/report/", {"version": fresh(t).version, "result": "已更换灯具"})
    assert r.status_code == 302 and fresh(t).state == State.REPORTED


def test_outside_scope_is_404_and_wrong_role_403(corg: Any) -> None:
    t = dispatched(corg, "A-ZJ")
    other = client_for("b_zj")
    assert t.number not in other.get("/unit/").content.decode()
    assert other.post(f"/unit/{t.number}/sign/", {"version": fresh(t).version}).status_code == 404
    assert client_for("a_gov").post(f"/unit/{t.number}/nope/", {"version": 1}).status_code == 404
    assert client_for("dispatcher").get("/unit/").status_code == 403
    assert fresh(t).state == State.DISPATCHED


def test_extension_suspend_return_and_bad_days(corg: Any) -> None:
    t = dispatched(corg, "A-ZJ")
    c = client_for("a_zj")
    c.post(f"/unit/{t.number}/sign/", {"version": fresh(t).version})
    r = c.post(
        f"/unit/{t.number}/request_extension/", {"version": fresh(t).version, "days": "x", "reason": "r"}
    )
    assert r.status_code == 422 and "延期天数" in r.content.decode() and not fresh(t).pending_request
    r = c.post(
        f"/unit/{t.number}/request_extension/", {"version": fresh(t).version, "days": "2", "reason": "协调"}
    )
    assert r.status_code == 302 and fresh(t).pending_request["kind"] == "extension"
    r = c.post(f"/unit/{t.number}/suspend/", {"version": fresh(t).version, "reason": "等待"})
    assert r.status_code == 409 and "已有待审批的申请" in r.content.decode()
    t2 = dispatched(corg, "A-ZJ")
    r = c.post(f"/unit/{t2.number}/return/", {"version": fresh(t2).version, "reason": ""})
    assert r.status_code == 422 and fresh(t2).state == State.DISPATCHED
    r = c.post(f"/unit/{t2.number}/return/", {"version": fresh(t2).version, "reason": "非本单位职责"})
    assert r.status_code == 302 and fresh(t2).state == State.RETURNED


def test_lights_filter_and_query_count(corg: Any, django_assert_max_num_queries: Any) -> None:
    tickets = [dispatched(corg, "A-ZJ") for _ in range(22)]
    c = client_for("a_zj")
    with time_machine.travel(timezone.now() + timedelta(days=40), tick=False):
        body = c.get("/unit/?light=red").content.decode()
        assert "超期" in body and tickets[0].number in body
        assert "第 1 / 2 页" in body
        assert "暂无此类在办工单" in c.get("/unit/?light=green").content.decode()
        with django_assert_max_num_queries(12):
            c.get("/unit/")
