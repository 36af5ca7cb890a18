"""Hotspot grouping and naming, warnings, and the risk-spot push."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hotline.analytics import hotspots, risks
from hotline.audit.models import Event
from hotline.org.scope import DataScope
from hotline.sla.models import Notification
from hotline.tickets import actions as a
from tests.analytics.conftest import act, bj, new

pytestmark = pytest.mark.django_db
EVERYONE = DataScope(everything=True)
AS_OF = bj(2025, 6, 30, 20, 0)


def _noise(org: Any) -> None:
    others = [
        "社保卡补办需要什么材料",
        "公积金提取流程咨询",
        "孩子上学入学政策咨询",
        "医保异地报销怎么办理",
        "小区电梯经常故障停运",
        "公交车班次太少等车太久",
        "楼上装修噪音影响休息",
        "路灯不亮晚上出行不便",
    ]
    for i, text in enumerate(others):
        new(org, AS_OF - timedelta(days=20, hours=i), text=text)


def test_hotspot_groups_the_same_matter_in_the_same_place_and_names_it(org: Any) -> None:
    _noise(org)
    texts = [
        "滨江县河滨路夜市烧烤油烟太大,晚上噪音扰民",
        "河滨路夜市油烟噪音扰民,每天闹到凌晨",
        "反映滨江县河滨路夜市的烧烤摊油烟扰民",
        "河滨路夜市噪音油烟严重影响居民休息",
        "滨江县河滨路夜市油烟扰民问题一直没解决",
    ]
    numbers = []
    for i, text in enumerate(texts):
        # Two old cases, three in the last week: it is growing.
        when = AS_OF - timedelta(days=(20 - i) if i < 2 else (3 - i * 0.5))
        numbers.append(new(org, when, text=text, emotion="不满" if i == 4 else ""))
    act(a.dispatch, org.dispatcher, numbers[0], AS_OF - timedelta(days=18), lead_unit="A-CG")
    found = hotspots.find_hotspots(EVERYONE, as_of=AS_OF, days=30)
    assert len(found) == 1
    h = found[0]
    assert sorted(h.tickets) == sorted(numbers)
    assert h.district == "滨江县" and h.spot == "河滨路夜市"
    assert "油烟" in h.matter
    assert h.name.startswith("滨江县 河滨路夜市 ") and h.window == "近30日"
    assert h.count == 5 and h.trend == "近7日 +3(前7日 0)"
    assert h.unit_name == "滨江县城关镇" and h.emerging
    # Out of the window: nothing.
    assert hotspots.find_hotspots(EVERYONE, as_of=AS_OF + timedelta(days=60)) == []
    # A unit outside the tickets' scope sees none of it.
    assert hotspots.find_hotspots(DataScope.of(org.b_town_handler), as_of=AS_OF) == []

    warned = hotspots.warn_emerging(found)
    assert warned == found
    event = Event.objects.get(action="hotspot_warning")
    assert event.ticket is None and event.payload["key"] == h.key
    users = set(Notification.objects.filter(kind="hotspot").values_list("user__username", flat=True))
    assert {"leader", "supervisor"} <= users
    assert hotspots.warn_emerging(found) == []  # not twice within a week


def test_risk_spots_are_ranked_and_pushed_to_the_responsible_unit(org: Any) -> None:
    for year in (2022, 2023, 2024):
        number = new(
            org,
            bj(year, 7, 10, 15, 0),
            text="城关镇金桥村的水塘没有护栏,夏天有小孩野泳溺水",
            lat=27.1,
            lng=110.2,
        )
        act(a.dispatch, org.dispatcher, number, bj(year, 7, 10, 16, 0), lead_unit="A-CG")
    new(org, bj(2024, 8, 1, 9, 0), text="龙潭镇石桥河边有人落水,建议设置警示牌")
    spots = risks.find_risk_spots(EVERYONE, "drowning")
    assert [s.place for s in spots] == ["城关镇 金桥村"]
    spot = spots[0]
    assert spot.cases == 3 and spot.years == [2022, 2023, 2024]
    assert spot.unit_name == "滨江县城关镇" and spot.lat == pytest.approx(27.1)
    pushed = risks.push(spots)
    assert pushed == spots
    note = Notification.objects.get(kind="risk")
    assert note.user.username == "a_cg" and "溺水" in note.title
    assert Event.objects.get(action="risk_warning").payload["cases"] == 3
    assert risks.push(spots) == []


def test_hotspot_and_risk_api(org: Any) -> None:
    from ninja.testing import TestClient

    from hotline.analytics.api import router

    client = TestClient(router)
    assert client.get("/hotspots?days=30", user=org.leader).json()["hotspots"] == []
    from hotline.errors import InvalidInput

    with pytest.raises(InvalidInput):  # the project's API turns it into a 400
        client.get("/risks?topic=nonsense", user=org.leader)
    assert client.get("/risks?topic=fire", user=org.leader).json()["spots"] == []
