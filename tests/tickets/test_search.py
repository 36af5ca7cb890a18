"""The staff search (tickets.search): each field, the data scope, paging and bad input."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hotline import clock
from hotline.org.actor import Actor
from hotline.org.scope import DataScope
from hotline.tickets import search
from hotline.tickets.actions import add_contact, dispatch
from tests.web.helpers import new_ticket

BEIJING = ZoneInfo("Asia/Shanghai")


def found(user: Any, **params: Any) -> list[str]:
    criteria = search.parse(params)
    return [t.number for t in search.search(DataScope.of(user), criteria, page_size=100).items]


@pytest.fixture
def tickets(org: Any) -> dict[str, Any]:
    """Three tickets: one held by 滨江县住建局, one by 石门县住建局, one not dispatched."""
    lamp = new_ticket(
        org.operator,
        text="城关镇河西村路灯坏了一个星期,晚上出行很不方便",
        phone="13800001234",
        citizen_name="张三丰",
        address="滨江县城关镇河西村三组",
    )
    water = new_ticket(
        org.operator,
        text="龙潭镇自来水停水三天了,没有任何通知",
        phone="13911115678",
        citizen_name="李四",
        address="石门县龙潭镇幸福路12号",
        channel="wechat",
    )
    noise = new_ticket(
        org.operator,
        text="夜间施工噪音扰民_100%不能睡觉",
        phone="13722229999",
        citizen_name="王五",
        address="滨江县城关镇解放路",
        title="施工噪音",
    )
    dispatcher = Actor.of(org.dispatcher)
    lamp = dispatch(dispatcher, lamp.number, lead_unit="A-ZJ")
    water = dispatch(dispatcher, water.number, lead_unit="B-ZJ")
    return {"lamp": lamp, "water": water, "noise": noise}


def test_each_field_finds_its_ticket(org: Any, tickets: dict[str, Any]) -> None:
    lamp, water, noise = tickets["lamp"].number, tickets["water"].number, tickets["noise"].number
    boss = org.supervisor
    assert found(boss, number=lamp) == [lamp]
    assert found(boss, phone="13911115678") == [water]
    assert found(boss, phone="+86 139-1111-5678") == [water]
    assert found(boss, phone="5678") == [water]
    assert found(boss, name="张三") == [lamp] and found(boss, name="张三丰") == [lamp]
    assert found(boss, name="三丰") == []  # a name by its start: the surname, the full name
    assert found(boss, address="龙潭镇幸福") == [water]
    assert found(boss, text="停水") == [water]
    assert found(boss, text="施工噪音") == [noise]  # the title or the text
    assert found(boss, unit="A-ZJ") == [lamp]
    assert found(boss, unit="石门县住建") == [water]
    assert found(boss, state="accepted") == [noise]
    assert found(boss, state="accepted,dispatched") == [noise, water, lamp]
    assert found(boss, channel="wechat") == [water]
    # Fields together narrow: AND, not OR.
    assert found(boss, address="城关镇", text="路灯") == [lamp]
    assert found(boss, address="城关镇", text="停水") == []


def test_number_prefix_and_like_wildcards_are_literal(org: Any, tickets: dict[str, Any]) -> None:
    lamp = tickets["lamp"].number
    day = lamp[:8]
    assert set(found(org.supervisor, number=day)) == {t.number for t in tickets.values()}
    assert found(org.supervisor, number=lamp[:-1] + "9") == []
    # % and _ are the characters typed, not LIKE's wildcards.
    assert found(org.supervisor, text="_100%") == [tickets["noise"].number]
    assert found(org.supervisor, text="河%村") == []
    assert found(org.supervisor, name="_") == []
    # The end of the character range is no error either.
    assert found(org.supervisor, name="张\U0010ffff") == [] and found(org.supervisor, name="张\ud7ff") == []


def test_phone_of_a_later_contact_finds_the_ticket(org: Any, tickets: dict[str, Any]) -> None:
    lamp = tickets["lamp"]
    add_contact(Actor.of(org.operator), lamp.number, text="又来电催问路灯", phone="13655554321")
    assert found(org.supervisor, phone="13655554321") == [lamp.number]


def test_handler_never_finds_another_units_ticket_by_any_field(org: Any, tickets: dict[str, Any]) -> None:
    """石门县住建局's ticket, searched by 滨江县住建局's handler through every field."""
    water = tickets["water"]
    handler = org.a_housing_handler
    probes = [
        {"number": water.number},
        {"number": water.number[:8]},
        {"phone": "13911115678"},
        {"phone": "5678"},
        {"name": "李四"},
        {"address": "龙潭镇"},
        {"text": "停水"},
        {"state": "dispatched"},
        {"channel": "wechat"},
        {},
    ]
    for params in probes:
        assert water.number not in found(handler, **params), params
    assert found(handler) == [tickets["lamp"].number]
    # A unit outside the scope is not a filter to probe with either.
    with pytest.raises(search.SearchRefused) as refused:
        found(handler, unit="B-ZJ")
    assert refused.value.errors == {"unit": "单位「B-ZJ」不存在或不在您的数据范围内"}
    # A user attached to no unit finds nothing.
    org.a_housing_handler.unit = None
    assert found(org.a_housing_handler) == []


def test_created_date_range_is_in_beijing_days(org: Any) -> None:
    # 2026-03-11 23:30 Beijing is 15:30 UTC on the 11th; 2026-03-12 00:30 Beijing is the 11th in UTC too.
    with clock.replaying_at(datetime(2026, 3, 11, 23, 30, tzinfo=BEIJING)):
        late = new_ticket(org.operator, text="十一日深夜来电反映噪音")
    with clock.replaying_at(datetime(2026, 3, 12, 0, 30, tzinfo=BEIJING)):
        early = new_ticket(org.operator, text="十二日凌晨来电反映噪音")
    boss = org.supervisor
    assert found(boss, **{"from": "2026-03-12", "to": "2026-03-12"}) == [early.number]
    assert found(boss, **{"to": "2026-03-11"}) == [late.number]
    assert found(boss, **{"from": "2026-03-11"}) == [early.number, late.number]


def test_keyset_pages_cover_everything_once_newest_first(org: Any) -> None:
    made = [new_ticket(org.operator, text=f"第{i}件路灯故障").number for i in range(7)]
    scope, criteria = DataScope.of(org.supervisor), search.parse({"text": "路灯"})
    seen: list[str] = []
    after = None
    for _ in range(5):
        page = search.search(scope, criteria, after=after, page_size=3)
        seen += [t.number for t in page.items]
        if page.next is None:
            break
        after = search.parse_cursor(page.next.token())
    assert seen == list(reversed(made))


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"number": "2026年"}, "number", "工单编号只含数字"),
        ({"number": "1" * 17}, "number", "不能超过 16 个字"),
        ({"phone": "abc"}, "phone", "请输入完整电话号码或后四位数字"),
        ({"phone": "12345"}, "phone", "请输入完整电话号码(至少 7 位)或后四位数字"),
        ({"address": "镇"}, "address", "至少输入 2 个字"),
        ({"text": "路" * 101}, "text", "不能超过 100 个字"),
        ({"state": "closed"}, "state", "未知状态:closed"),
        ({"channel": "fax"}, "channel", "未知渠道"),
        ({"from": "2026/03/12"}, "from", "日期格式应为 年-月-日,如 2026-03-12"),
        ({"from": "2026-02-30"}, "from", "日期 2026-02-30 不存在"),
        ({"to": "9999-01-01"}, "to", "年份须在 2000 至 2100 之间"),
        ({"from": "2026-03-12", "to": "2026-03-01"}, "to", "截止日期不能早于起始日期"),
    ],
)
def test_bad_input_is_refused_in_chinese(params: dict[str, str], field: str, message: str) -> None:
    with pytest.raises(search.SearchRefused) as refused:
        search.parse(params)
    assert refused.value.errors == {field: message}


def test_every_bad_field_is_named_at_once() -> None:
    with pytest.raises(search.SearchRefused) as refused:
        search.parse({"number": "x", "channel": "fax", "from": "soon"})
    assert set(refused.value.errors) == {"number", "channel", "from"}
    assert refused.value.status == 422


@pytest.mark.parametrize("token", ["x", "1.", "1.2.3", "9" * 21 + ".1", "99999999999999999999.1"])
def test_bad_cursor_is_refused(token: str) -> None:
    with pytest.raises(search.SearchRefused) as refused:
        search.parse_cursor(token)
    assert refused.value.errors == {"after": "翻页位置无效,请从第一页重新查询"}


def test_latin_letters_match_in_either_case(org: Any) -> None:
    ticket = new_ticket(org.operator, text="小区B栋电梯故障,WiFi也断了", address="幸福小区B栋")
    assert found(org.supervisor, address="b栋") == [ticket.number]
    assert found(org.supervisor, text="wifi") == [ticket.number]
    assert found(org.supervisor, text="WIFI也") == [ticket.number]
