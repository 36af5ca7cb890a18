"""KPIs on a constructed history whose figures are worked out by hand (docs/kpis.md)."""

from __future__ import annotations

from typing import Any

import pytest
from ninja.testing import TestClient

from hotline.analytics import queries, rollups
from hotline.analytics.api import router
from hotline.errors import Forbidden
from hotline.org.scope import DataScope
from hotline.tickets import actions as a
from tests.analytics.conftest import act, bj, new

pytestmark = pytest.mark.django_db
MARCH = queries.parse_period("2025-03")


@pytest.fixture
def history(org: Any) -> dict[str, str]:
    """Urgent complaints: sign 0.5 h, first feedback 2 h, resolution 24 h (calendar hours)."""
    d, cb, rv = org.dispatcher, org.callback, org.reviewer
    zj, bzj = org.a_housing_handler, org.b_housing_handler
    t1 = new(org, bj(2025, 3, 3, 9, 0))
    act(a.dispatch, d, t1, bj(2025, 3, 3, 9, 5), lead_unit="A-ZJ")
    act(a.sign, zj, t1, bj(2025, 3, 3, 9, 10))
    act(a.progress, zj, t1, bj(2025, 3, 3, 9, 30), note="已到现场")
    act(a.report, zj, t1, bj(2025, 3, 3, 15, 0), result="已疏通")
    act(a.review, rv, t1, bj(2025, 3, 3, 15, 10), passed=True)
    act(a.callback, cb, t1, bj(2025, 3, 4, 10, 0), satisfaction="satisfied", resolved=True)

    t2 = new(org, bj(2025, 3, 3, 10, 0))
    act(a.dispatch, d, t2, bj(2025, 3, 3, 10, 0), lead_unit="A-ZJ")
    act(a.sign, zj, t2, bj(2025, 3, 3, 11, 0))  # late: deadline 10:30
    act(a.report, zj, t2, bj(2025, 3, 5, 10, 0), result="已处理")  # late: deadline 3/4 10:00
    act(a.review, rv, t2, bj(2025, 3, 5, 11, 0), passed=False, comment="未附照片")
    act(a.report, zj, t2, bj(2025, 3, 5, 12, 0), result="已处理,附照片")
    act(a.review, rv, t2, bj(2025, 3, 5, 12, 10), passed=True)
    act(a.callback, cb, t2, bj(2025, 3, 5, 14, 0), satisfaction="dissatisfied", resolved=False)

    t3 = new(org, bj(2025, 3, 4, 9, 0))
    act(a.dispatch, d, t3, bj(2025, 3, 4, 9, 0), lead_unit="A-ZJ")
    act(a.return_ticket, zj, t3, bj(2025, 3, 4, 9, 10), reason="不属于本单位职责")
    act(a.rule_return, d, t3, bj(2025, 3, 4, 9, 20), decision="redispatch", lead_unit="B-ZJ")
    act(a.sign, bzj, t3, bj(2025, 3, 4, 9, 30))
    act(a.report, bzj, t3, bj(2025, 3, 4, 12, 0), result="已处理")

    t4 = new(org, bj(2025, 3, 4, 10, 0), text="社保卡怎么补办", type="咨询类", urgency="一般")
    act(a.answer, org.operator, t4, bj(2025, 3, 4, 10, 5), answer="携带身份证到社保窗口办理")
    act(a.callback, cb, t4, bj(2025, 3, 5, 9, 0), satisfaction="basically_satisfied", resolved=True)

    t5 = new(org, bj(2025, 3, 4, 11, 0))
    act(a.merge, org.operator, t5, bj(2025, 3, 4, 11, 5), into=t2)

    t6 = new(org, bj(2025, 4, 1, 9, 0))
    act(a.dispatch, d, t6, bj(2025, 4, 1, 9, 0), lead_unit="A-ZJ")
    return {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t6": t6}


def rows_by_code(scope: DataScope, **kw: Any) -> dict[str, queries.Row]:
    return {r.code or "centre": r for r in queries.kpi_rows(scope, MARCH, **kw)}


def test_unit_kpis_match_the_hand_worked_figures(history: dict[str, str]) -> None:
    rows = rows_by_code(DataScope(everything=True))
    zj = rows["A-ZJ"]
    assert zj.counters["received"] == 2 and zj.counters["dispatched"] == 2
    assert zj.kpis == pytest.approx(
        {
            "sign_rate": 50.0,
            "feedback_rate": 50.0,
            "resolution_rate": 50.0,
            "callback_rate": 100.0,
            "quality_rate": 66.67,
            "response_rate": 50.0,
            "solve_rate": 50.0,
            "satisfaction_rate": 50.0,
            "ontime_resolution_rate": 100.0,
            "first_time_right_rate": 100.0,
            "repeat_rate": 50.0,
            "rehandle_rate": 100.0,
            "volume": 2.0,
            "dispatched": 2.0,
            "resolved_late": 0.0,
            "avg_handling_hours": 6.0,
        }
    )
    assert zj.score == pytest.approx(63.33)
    bzj = rows["B-ZJ"]
    assert bzj.counters["returned"] == 1 and bzj.kpis["first_time_right_rate"] == 0.0
    assert bzj.kpis["sign_rate"] == 100.0 and bzj.kpis["callback_rate"] is None
    centre = rows["centre"]
    assert centre.counters["received"] == 2 and centre.counters["valid"] == 1
    assert centre.kpis["satisfaction_rate"] == 100.0
    total = queries.total_row(list(rows.values()))
    assert total.counters["received"] == 5
    # April is another period.
    april = queries.kpi_rows(DataScope(everything=True), queries.parse_period("2025-04"), unit="A-ZJ")
    assert april[0].counters["dispatched"] == 1


def test_ranking_within_a_level(history: dict[str, str]) -> None:
    ranked = queries.ranking(DataScope(everything=True), "county", MARCH)
    assert [(r.code, r.rank) for r in ranked[:2]] == [("B-ZJ", 1), ("A-ZJ", 2)]
    assert all(r.rank is None for r in ranked[2:])


def test_drill_lists_the_tickets_behind_numerator_and_denominator(org: Any, history: dict[str, str]) -> None:
    everyone = DataScope(everything=True)
    num = queries.drill(everyone, "sign_rate", MARCH, unit="A-ZJ")
    den = queries.drill(everyone, "sign_rate", MARCH, unit="A-ZJ", part="denominator")
    assert num.numbers == [history["t1"]] and sorted(den.numbers) == sorted([history["t1"], history["t2"]])
    for kpi in ("resolution_rate", "repeat_rate", "satisfaction_rate", "first_time_right_rate"):
        for row in queries.kpi_rows(everyone, MARCH):
            k = queries.KPIS[kpi]
            d = queries.drill(everyone, kpi, MARCH, unit=row.code or "centre")
            assert d.total == row.counters[k.numerator]
    zj_scope = DataScope.of(org.a_housing_handler)
    assert queries.drill(zj_scope, "volume", MARCH).total == 2
    with pytest.raises(Forbidden):
        queries.drill(DataScope.of(org.b_housing_handler), "volume", MARCH, unit="A-ZJ")
    assert [r.code for r in queries.kpi_rows(zj_scope, MARCH)] == ["A-ZJ"]


def test_rollups_equal_full_recomputation_and_rebuild(history: dict[str, str]) -> None:
    checked, diffs = rollups.check()
    assert checked == 6 and diffs == []
    before = rollups.stored_rollups()
    rollups.rebuild()
    assert rollups.stored_rollups() == before


def test_api_kpis_ranking_drill(org: Any, history: dict[str, str]) -> None:
    client = TestClient(router)
    r = client.get("/kpis?start=2025-03-01&end=2025-03-31&level=county", user=org.leader)
    assert r.status_code == 200
    codes = {row["unit"]: row for row in r.json()["rows"]}
    assert codes["A-ZJ"]["kpis"]["sign_rate"] == 50.0
    r = client.get("/kpis/ranking?level=county&period=2025-03", user=org.leader)
    assert r.json()["rows"][0]["unit"] == "B-ZJ"
    r = client.get("/kpis/drill?kpi=sign_rate&unit=A-ZJ&start=2025-03-01&end=2025-03-31", user=org.leader)
    assert r.json()["tickets"] == [history["t1"]]
    r = client.get("/kpis?period=2025-03", user=org.b_housing_handler)
    assert [row["unit"] for row in r.json()["rows"]] == ["B-ZJ"]


def test_subtree_rows_count_every_unit_below_once(org: Any, history: dict[str, str]) -> None:
    everyone = DataScope(everything=True)
    own = {r.code: r for r in queries.kpi_rows(everyone, MARCH) if r.code}
    whole = {r.code: r for r in queries.kpi_rows(everyone, MARCH, subtree=True)}
    for code, row in whole.items():
        below = [r for r in own.values() if r.path.startswith(row.path)]
        assert row.subtree
        assert row.counters == {k: sum(r.counters[k] for r in below) for k in row.counters}, code
    assert whole["A"].counters["dispatched"] == 2 and own["A"].counters["dispatched"] == 0
    assert whole["B"].counters["dispatched"] == 1
    # The total adds each ticket once, however many ancestors show it.
    units_only = queries.total_row([r for r in queries.kpi_rows(everyone, MARCH) if r.code])
    assert queries.total_row(list(whole.values())).counters == units_only.counters
    # A unit's user sees its own subtree; the drill-down lists the same tickets.
    mine = queries.kpi_rows(DataScope.of(org.a_county_handler), MARCH, unit="A", subtree=True)
    assert [r.counters for r in mine] == [whole["A"].counters]
    drill = queries.drill(everyone, "dispatched", MARCH, unit="A", subtree=True)
    assert sorted(drill.numbers) == sorted([history["t1"], history["t2"]])
    assert queries.drill(everyone, "dispatched", MARCH, unit="A").numbers == []
    # Rankings of the county level by whole county.
    ranked = queries.ranking(everyone, "county", MARCH, subtree=True)
    assert {r.code for r in ranked if r.rank} >= {"A", "B"}


def test_subtree_flag_through_the_api(org: Any, history: dict[str, str]) -> None:
    client = TestClient(router)
    res = client.get("/kpis?period=2025-03&unit=A&subtree=true", user=org.leader)
    assert res.status_code == 200
    assert res.json()["rows"][0]["subtree"] is True
    assert res.json()["rows"][0]["counters"]["dispatched"] == 2
