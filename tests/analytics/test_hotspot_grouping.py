"""Hotspots are one matter at one place, over the window asked for; the command and the
leader's page show the same ones."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from hotline import clock
from hotline.analytics import hotspots
from hotline.org.scope import DataScope
from hotline.tickets import actions as a
from tests.analytics.conftest import act, bj, new

pytestmark = pytest.mark.django_db
EVERYONE = DataScope(everything=True)
AS_OF = bj(2025, 6, 30, 20, 0)

# One estate, two matters, each worded many ways; the same lift matter at another estate.
LIFT_AT_JINXIU = [
    "锦绣家园小区电梯又坏了,老人上不了楼",
    "投诉锦绣家园电梯经常停运,维保单位不来人",
    "劳动东路锦绣家园小区电梯关人,上周困住一个小孩",
    "锦绣家园的电梯一个月坏了三次,请尽快维修",
    "反映锦绣家园小区电梯维修不及时的问题",
]
FEES_AT_JINXIU = [
    "锦绣家园小区物业乱收费,没有公示就涨价",
    "锦绣家园物业费乱涨,业主大会都没开过",
    "投诉锦绣家园小区物业公司擅自提高物业费",
    "劳动东路锦绣家园物业收费不合理,不交就停门禁卡",
]
LIFT_AT_JINQIAO = [
    "金桥花园小区电梯经常坏,维保单位不来人",
    "金桥花园电梯停运一周了,老人上不了楼",
    "反映金桥花园小区电梯关人的问题",
]
NOISE = [
    "社保卡补办需要什么材料",
    "公积金提取流程咨询",
    "孩子上学入学政策咨询",
    "人民路路灯不亮晚上出行不便",
    "公交车班次太少等车太久",
    "医保异地报销怎么办理",
]


def _history(org: Any, texts: list[str], first_day: int, step_days: float, unit: str = "") -> list[str]:
    numbers = []
    for i, t in enumerate(texts):
        when = AS_OF - timedelta(days=first_day - i * step_days)
        numbers.append(new(org, when, text=t))
        if unit:
            act(a.dispatch, org.dispatcher, numbers[-1], when + timedelta(hours=1), lead_unit=unit)
    return numbers


def _window(org: Any) -> dict[str, list[str]]:
    for i, t in enumerate(NOISE):
        new(org, AS_OF - timedelta(days=3 + i), text=t)
    return {
        "lift": _history(org, LIFT_AT_JINXIU, 25, 5, unit="A-CG"),
        "fees": _history(org, FEES_AT_JINXIU, 22, 5),
        "other": _history(org, LIFT_AT_JINQIAO, 15, 4),
    }


def test_two_matters_at_one_place_stay_apart_and_varied_wording_joins(org: Any) -> None:
    truth = _window(org)
    found = hotspots.find_hotspots(EVERYONE, as_of=AS_OF, days=30)
    assert sorted(sorted(h.tickets) for h in found) == sorted(sorted(v) for v in truth.values())
    by_tickets = {frozenset(h.tickets): h for h in found}
    lift = by_tickets[frozenset(truth["lift"])]
    assert "锦绣" in lift.name and "电梯" in lift.name
    assert "物业" in by_tickets[frozenset(truth["fees"])].name
    assert lift.window == "近30日" and lift.units == ["滨江县城关镇"]
    assert lift.count == 5 and lift.first_at < lift.last_at


def test_the_window_and_its_label_are_what_was_asked(org: Any) -> None:
    # A site complained about every other month for a year: one hotspot over the year,
    # too thin for a month.
    site = [
        "青山路口新城工地夜间施工噪音扰民",
        "新城工地半夜还在施工打桩,吵得睡不着",
        "投诉青山路口新城工地凌晨施工",
        "新城工地晚上施工噪声太大",
        "反映新城工地夜间施工扰民问题",
        "新城工地又在深夜施工了",
    ]
    for i, t in enumerate(NOISE):
        new(org, AS_OF - timedelta(days=40 * i + 3), text=t)
    numbers = [new(org, AS_OF - timedelta(days=350 - 60 * i), text=t) for i, t in enumerate(site)]
    year = hotspots.find_hotspots(EVERYONE, as_of=AS_OF, days=365)
    assert [sorted(h.tickets) for h in year] == [sorted(numbers)]
    h = year[0]
    assert h.window == "近365日" and h.recent_days == 90
    assert h.trend == "近90日 +1(前90日 2)"  # 50 days ago; 110 and 170 days ago
    assert h.span == "2024-07-15至2025-05-11"
    assert hotspots.find_hotspots(EVERYONE, as_of=AS_OF, days=30) == []
    custom = hotspots.find_hotspots(EVERYONE, as_of=AS_OF, start=bj(2024, 6, 1))
    assert custom[0].window == "2024-06-01至2025-06-30"
    from hotline.errors import InvalidInput

    with pytest.raises(InvalidInput):
        hotspots.find_hotspots(EVERYONE, as_of=AS_OF, start=AS_OF + timedelta(days=1))


def _cli_lines(*args: str) -> tuple[str, list[str], list[set[str]]]:
    out = StringIO()
    call_command("analytics", "hotspots", *args, stdout=out)
    text = out.getvalue().splitlines()
    lines = [re.sub(r"^\s*\d+\. ", "", t) for t in text if re.match(r"^\s*\d+\. ", t)]
    tickets = [set(t.split(":", 1)[1].split()) for t in text if t.strip().startswith("工单:")]
    return text[0], lines, tickets


def test_the_command_and_the_leaders_page_show_the_same_hotspots(org: Any) -> None:
    truth = _window(org)
    header, lines, tickets = _cli_lines("--start", "2025-06-01", "--as-of", "2025-06-30")
    assert header == "热点诉求(2025-06-01至2025-06-30)"
    assert sorted(map(sorted, tickets)) == sorted(sorted(v) for v in truth.values())
    client = Client()
    client.force_login(org.leader)
    with clock.replaying_at(AS_OF):
        page = client.get("/leader/hotspots/", {"start": "2025-06-01", "end": "2025-06-30"})
    assert page.status_code == 200
    body = html.unescape(page.content.decode())
    assert '热点诉求(<span id="window-label">2025-06-01至2025-06-30</span>)' in body
    shown = [
        html.unescape(m)
        for m in re.findall(r'<span class="hotspot-line">(.*?)</span>', page.content.decode())
    ]
    assert shown == lines
    page_tickets = [set(re.findall(r"/tickets/(\d+)/", li)) for li in body.split("<li data-key=")[1:]]
    assert page_tickets == tickets
    # 近N日 windows are labelled so on both.
    assert _cli_lines("--days", "365", "--as-of", "2025-06-30")[0] == "热点诉求(近365日)"
    with clock.replaying_at(AS_OF):
        assert "近365日" in client.get("/leader/hotspots/", {"days": "365"}).content.decode()


def test_bad_windows_are_refused_clearly(org: Any) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("analytics", "hotspots", "--start", "June")
    with pytest.raises(CommandError, match="开始日期须早于结束日期"):
        call_command("analytics", "hotspots", "--start", "2025-07-01", "--as-of", "2025-06-30")
    client = Client()
    client.force_login(org.leader)
    assert client.get("/leader/hotspots/", {"start": "x"}).status_code == 400
    client.force_login(org.a_town_handler)
    assert client.get("/leader/hotspots/").status_code == 403
