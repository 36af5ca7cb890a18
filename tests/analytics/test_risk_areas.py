"""Risk areas: where a matter recurs over the years, pushed to the township's inbox
with the cases behind them, recorded, once a month."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from hotline import clock
from hotline.analytics import risks
from hotline.audit.models import Event
from hotline.org.scope import DataScope
from hotline.sla.models import Notification
from hotline.tickets import actions as a
from tests.analytics.conftest import act, bj, new

pytestmark = pytest.mark.django_db
EVERYONE = DataScope(everything=True)


def _history(org: Any) -> dict[str, list[str]]:
    """Falls at one estate in three years (worded three ways, routed to the village),
    drownings at one pond in two, a single fall elsewhere."""
    falls = []
    for year, text in (
        (2022, "城关镇金桥小区有小孩从没有护栏的平台坠落受伤"),
        (2023, "金桥小区高空坠物砸伤路人,请物业整改"),
        (2024, "反映城关镇金桥小区楼顶护栏缺失,去年就有人跌落"),
    ):
        number = new(org, bj(year, 5, 10, 9, 0), text=text)
        act(a.dispatch, org.dispatcher, number, bj(year, 5, 10, 10, 0), lead_unit="A-CG-HX")
        falls.append(number)
    ponds = [
        new(org, bj(year, 7, 2, 15, 0), text="龙潭镇石桥村水塘没有警示牌,有小孩野泳溺水")
        for year in (2023, 2024)
    ]
    for n in ponds:
        act(a.dispatch, org.dispatcher, n, bj(2024, 8, 1), lead_unit="B-LT")
    new(org, bj(2024, 3, 3, 9, 0), text="河西村幼儿园滑梯有孩子跌落")
    return {"falls": falls, "ponds": ponds}


def test_a_matter_is_ranked_by_the_places_where_it_recurs(org: Any) -> None:
    cases = _history(org)
    spots = risks.find_risk_spots(EVERYONE, "坠落")
    assert [(s.place, s.cases, s.years) for s in spots] == [("城关镇 金桥小区", 3, [2022, 2023, 2024])]
    assert sorted(spots[0].tickets) == sorted(cases["falls"])
    # The village's cases are the township's to act on.
    assert spots[0].unit_name == "滨江县城关镇"
    assert [s.tickets for s in risks.find_risk_spots(EVERYONE, "drowning")] == [cases["ponds"]]
    with pytest.raises(risks.InvalidInput):
        risks.find_risk_spots(EVERYONE, "地震")


def test_the_command_pushes_to_the_township_with_the_cases_and_records_who(org: Any) -> None:
    cases = _history(org)
    out = StringIO()
    with clock.replaying_at(bj(2025, 6, 3, 9, 0)):
        call_command("analytics", "risks", "--matter", "坠落", "--push", "--user", "leader", stdout=out)
    text = out.getvalue()
    assert "城关镇 金桥小区(坠落风险,3 起,涉及 3 个年度)" in text and "已向责任单位推送 1 个风险点位" in text
    note = Notification.objects.get(kind="risk")
    assert note.user.username == "a_cg" and note.title == "【坠落风险预警】城关镇 金桥小区"
    assert all(n in note.body for n in cases["falls"])
    event = Event.objects.get(action="risk_warning")
    assert event.actor is not None and event.actor.username == "leader"
    assert event.payload["tickets"] == cases["falls"] and event.payload["month"] == "2025-06-01"
    # Again in the same month: nothing new; next month: pushed again.
    with clock.replaying_at(bj(2025, 6, 28, 9, 0)):
        call_command("analytics", "risks", "--matter", "坠落", "--push", stdout=StringIO())
    assert Notification.objects.filter(kind="risk").count() == 1
    with clock.replaying_at(bj(2025, 7, 1, 9, 0)):
        call_command("analytics", "risks", "--matter", "fall", "--push", stdout=StringIO())
    assert Event.objects.filter(action="risk_warning").count() == 2


def test_bad_matters_and_users_are_refused_clearly(org: Any) -> None:
    with pytest.raises(CommandError, match="风险类别须为"):
        call_command("analytics", "risks", "--matter", "地震")
    with pytest.raises(CommandError, match="请指定风险类别"):
        call_command("analytics", "risks")
    with pytest.raises(CommandError, match="不存在"):
        call_command("analytics", "risks", "--matter", "溺水", "--push", "--user", "nobody")
    assert not Event.objects.filter(action="risk_warning").exists()


def test_the_leader_pushes_from_the_page(org: Any, committed: Any) -> None:
    cases = _history(org)
    client = Client()
    client.force_login(org.leader)
    page = client.get("/leader/hotspots/", {"matter": "drowning"})
    assert page.status_code == 200 and "龙潭镇 石桥村" in page.content.decode()
    with committed():
        answer = client.post("/leader/hotspots/push/", {"matter": "溺水"})
    assert answer.status_code == 302 and "pushed=1" in answer["Location"]
    note = Notification.objects.get(kind="risk")
    assert note.user.username == "b_lt" and all(n in note.body for n in cases["ponds"])
    assert Event.objects.get(action="risk_warning").actor == org.leader
    assert client.post("/leader/hotspots/push/", {"matter": "地震"}).status_code == 400
