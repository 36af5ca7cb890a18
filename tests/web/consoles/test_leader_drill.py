"""The leader who drills down (issue 14, item 3): rankings per level with a minimum
volume, and every figure's link lists the very tickets it counts."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from hotline.web.consoles import metrics
from tests.web.consoles.conftest import act, client_for, new_ticket

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="(/leader/tickets/\?[^"]+)"')


def numbers(body: str) -> set[str]:
    return set(re.findall(r'<a href="/tickets/(\d+)/">', body))


def dispatched(corg: Any, unit: str, n: int, **fields: Any) -> list[str]:
    out = []
    for _ in range(n):
        t = new_ticket(corg, **fields)
        act(corg, "dispatcher", "dispatch", t, lead_unit=unit)
        out.append(t.number)
    return out


def row(level: str, code: str, dispatched: int, sign: float | None) -> dict[str, Any]:
    rates = dict.fromkeys(metrics.RATES, None) | {"sign": sign}
    return {
        "code": code,
        "name": code,
        "level": level,
        "dispatched": dispatched,
        "rates": rates,
        "score": sign,
    }


def test_rankings_per_level_with_a_minimum_volume() -> None:
    rows = [
        row("county", "busy", 40, 80.0),
        row("county", "one", 1, 100.0),
        row("county", "good", 12, 95.0),
        row("township", "town", 7, 50.0),
        row("prefecture", "bureau", 9, 70.0),
        row("village", "village", 30, 90.0),
    ]
    by_level = {g.level: g for g in metrics.rankings(rows, "sign", min_volume=5)}
    assert list(by_level) == ["prefecture", "county", "township"]
    county = by_level["county"]
    assert [(r["code"], r["rank"]) for r in county.ranked] == [("good", 1), ("busy", 2)]
    assert [(r["code"], r["rank"]) for r in county.few] == [("one", None)]  # 100 % on one ticket: apart
    assert [r["code"] for r in by_level["township"].ranked] == ["town"]
    assert all(r["code"] != "village" for g in by_level.values() for r in g.ranked + g.few)


def test_ranking_row_lists_its_units_tickets(corg: Any) -> None:
    mine = dispatched(corg, "A-ZJ", 5)
    other = dispatched(corg, "B-ZJ", 2)
    body = client_for("leader").get("/leader/?level=county").content.decode()
    table = body[body.index('id="rates-table"') : body.index("</table>", body.index('id="rates-table"'))]
    assert "滨江县住建局" in table and "石门县住建局" not in table  # 2 tickets: below the minimum
    few = body[body.index('id="few-units"') :]
    assert "石门县住建局" in few[: few.index("</details>")]
    link = html.unescape(LINK.search(table[table.index("滨江县住建局") - 200 :]).group(1))
    assert "counter=dispatched" in link and "unit=A-ZJ" in link
    listed = client_for("leader").get(link)
    assert listed.status_code == 200
    assert numbers(listed.content.decode()) == set(mine)
    assert not numbers(listed.content.decode()) & set(other)


def test_kpi_cells_and_filters_list_the_counted_tickets(corg: Any) -> None:
    a = dispatched(corg, "A-ZJ", 5)
    act(corg, "a_zj", "sign", _ticket(a[0]))
    b = dispatched(corg, "B-ZJ", 1, text="石门县龙潭镇的噪音很大,晚上睡不着")
    leader = client_for("leader")
    body = leader.get("/leader/").content.decode()
    total = int(re.search(r'id="kpi-total">(\d+)<', body).group(1))
    received = leader.get("/leader/tickets/?days=30&counter=received").content.decode()
    assert re.search(rf"共 {total} 件", received) and numbers(received) == set(a + b)
    # A rate cell: the tickets of its numerator (签收 on time: the one signed).
    signed = leader.get(
        "/leader/tickets/?days=30&counter=sign_rate&part=numerator&unit=A-ZJ"
    ).content.decode()
    assert numbers(signed) == {a[0]}
    # The place (a township and what lies in it), the last 7 days, as the hotspot chart.
    town = leader.get(f"/leader/tickets/?days=30&recent=7&place={corg.b_town.pk}").content.decode()
    assert numbers(town) == set(b)


def _ticket(number: str) -> Any:
    from hotline.tickets.models import Ticket

    return Ticket.objects.get(number=number)


def test_drill_is_scoped_and_refuses_bad_input(corg: Any) -> None:
    dispatched(corg, "B-ZJ", 1)
    county = client_for("a_leader")
    assert county.get("/leader/tickets/?unit=B-ZJ").status_code == 404  # another county's unit
    assert county.get("/leader/tickets/?counter=received").status_code == 200
    assert not numbers(county.get("/leader/tickets/?counter=received").content.decode())
    leader = client_for("leader")
    for bad in ("days=3", "counter=nope", "counter=sign_rate&part=half", "counter=received&day=2026-13-40"):
        r = leader.get(f"/leader/tickets/?{bad}")
        assert r.status_code == 400 and "<h1" in r.content.decode(), bad
    assert leader.get("/leader/tickets/?place=abc").status_code == 404
    assert leader.get("/leader/tickets/?unit=NOPE").status_code == 404
    assert client_for("a_zj").get("/leader/tickets/").status_code == 403


def test_map_without_tiles_speaks_to_the_leader(corg: Any, settings: Any) -> None:
    settings.HOTLINE_MAP_TILES = ""
    new_ticket(corg, lat=27.1, lng=109.2)
    body = client_for("leader").get("/leader/").content.decode()
    assert "HOTLINE_MAP_TILES" not in body and "环境变量" not in body
    assert "未配置在线底图" in body and "共 1 件工单有位置" in body
    assert "/analytics/report/" in body
    settings.HOTLINE_MAP_TILES = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    body = client_for("leader").get("/leader/").content.decode()
    assert "未配置在线底图" not in body and "tiles.example.gov.cn" in body
