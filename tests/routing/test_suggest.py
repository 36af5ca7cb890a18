"""Ranking with reasons, territory, capacity tie-break, assisting units, refusals."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hotline.org.models import Level, UnitKind
from hotline.org.scope import DataScope
from hotline.routing.models import SuggestionRecord
from hotline.routing.suggest import record_suggestion, suggest
from tests.conftest import make_unit
from tests.routing.conftest import NOW, PROPERTY, make_ticket, triage

pytestmark = pytest.mark.django_db


def codes(cands: list[Any]) -> list[str]:
    return [c.unit.code for c in cands]


def test_property_complaint_goes_to_the_county_housing_bureau_of_the_place(rorg: Any) -> None:
    ticket = make_ticket(
        text="城关镇幸福小区物业不作为,电梯坏了没人修", topic=PROPERTY, type="投诉类", triage=triage()
    )
    s = suggest(ticket)
    assert not SuggestionRecord.objects.exists()  # a pure read
    record_suggestion(ticket, s)
    assert codes(s.leads)[:2] == ["A-ZJ", "A-CG"]
    kinds = {r["kind"] for r in s.lead.reasons}  # type: ignore[union-attr]
    assert {"duty", "place", "load"} <= kinds
    assert any("物业管理" in r["text"] for r in s.lead.reasons)  # type: ignore[union-attr]
    assert s.place.township.code == "A-CG" and s.place.county.code == "A"  # type: ignore[union-attr]
    assert 0.5 < s.confidence <= 1
    # Never the centre, a disabled unit, or another county's bureau.
    assert not {"CENTRE", "A-OLD", "B-ZJ"} & set(codes(s.leads) + codes(s.assists))
    record = SuggestionRecord.objects.get(ticket=ticket)
    assert record.lead_unit_id_suggested == rorg.a_housing.pk and record.township_id == rorg.a_town.pk


def test_unknown_place_goes_to_the_prefecture_department_with_lower_confidence(rorg: Any) -> None:
    known = suggest({"text": "城关镇小区物业问题", "topic": PROPERTY})
    unknown = suggest({"text": "小区物业问题", "topic": PROPERTY})
    assert unknown.lead.unit.code == "P-ZJ"  # type: ignore[union-attr]
    assert any("未识别属地" in r["text"] for r in unknown.lead.reasons)  # type: ignore[union-attr]
    assert unknown.confidence < known.confidence


def test_cross_county_matter_is_lifted_to_the_prefecture(rorg: Any) -> None:
    s = suggest({"text": "滨江县城关镇和石门县龙潭镇之间的河道污染", "topic": "环境保护 / 环境污染 / 水污染"})
    assert s.lead.unit.code == "P-HB"  # type: ignore[union-attr]
    assert any("跨县" in r["text"] for r in s.lead.reasons)  # type: ignore[union-attr]


def test_capacity_breaks_ties_between_equally_competent_units(rorg: Any) -> None:
    twin = make_unit(
        "滨江县住房和城乡建设局房产服务中心", Level.COUNTY, UnitKind.FUNCTIONAL, rorg.county_a, code="A-ZJ2"
    )
    fields = {"text": "城关镇小区物业问题", "topic": PROPERTY}
    before = suggest(fields)
    top, other = before.leads[0].unit.code, before.leads[1].unit.code
    assert {top, other} == {"A-ZJ", "A-ZJ2"}
    assert before.leads[0].score == pytest.approx(before.leads[1].score)
    busy = rorg.a_housing if top == "A-ZJ" else twin
    for i in range(6):  # open work and missed deadlines for the unit that was on top
        make_ticket(state="handling", lead_unit=busy, resolve_deadline=NOW - timedelta(days=i + 1))
    after = suggest(fields)
    assert after.leads[0].unit.code == other
    load = [r for r in after.leads[1].reasons if r["kind"] == "load"][0]
    assert "在办工单6件" in load["text"] and load["delta"] < 0


def test_multi_unit_matter_gets_an_assisting_unit(rorg: Any) -> None:
    s = suggest({"text": "城关镇幸福小区物业不管,楼下餐馆油烟直排熏得没法开窗", "topic": PROPERTY})
    assert s.lead.unit.code == "A-ZJ"  # type: ignore[union-attr]
    assert codes(s.assists) == ["A-HB"]
    assert any("油烟" in r["text"] for r in s.assists[0].reasons)


def test_assist_rule_from_the_catalogue(rorg: Any) -> None:
    s = suggest({"text": "城关镇工地夜间施工吵得睡不着", "topic": "城乡建设 / 建筑施工"})
    assert s.lead.unit.code == "A-ZJ" and "A-HB" in codes(s.assists)  # type: ignore[union-attr]


def test_scope_limits_candidates(rorg: Any) -> None:
    fields = {"text": "城关镇小区物业问题", "topic": PROPERTY}
    county_b = DataScope(everything=False, unit_path=rorg.county_b.path)
    assert suggest(fields, scope=county_b).leads == []
    county_a = DataScope(everything=False, unit_path=rorg.county_a.path)
    assert suggest(fields, scope=county_a).lead.unit.code == "A-ZJ"  # type: ignore[union-attr]


def test_inactive_units_are_never_suggested(rorg: Any) -> None:
    rorg.a_housing.active = False
    rorg.a_housing.save()
    s = suggest({"text": "城关镇小区物业问题", "topic": PROPERTY})
    assert "A-ZJ" not in codes(s.leads)


def test_no_topic_uses_keywords_and_no_rule_falls_back_to_the_township(rorg: Any) -> None:
    s = suggest({"text": "城关镇菜市场门口占道经营严重"})
    assert s.lead.unit.code == "A-CGJ"  # type: ignore[union-attr]
    s = suggest({"text": "龙潭镇有件事想反映", "topic": "其他 / 其他"})
    assert s.lead.unit.code == "B-LT" and "职责清单无匹配" in s.notes  # type: ignore[union-attr]


def test_words_of_the_request_support_a_candidate_the_topic_named(rorg: Any) -> None:
    make_unit("滨江县供电局", Level.COUNTY, UnitKind.FUNCTIONAL, rorg.county_a, code="A-GD")
    topic = "城乡建设 / 市政设施 / 供电与燃气"
    outage = suggest({"text": "城关镇停电两天了", "topic": topic})
    assert outage.lead.unit.code == "A-GD"  # type: ignore[union-attr]
    assert any("停电" in r["text"] for r in outage.lead.reasons)  # type: ignore[union-attr]
    gas = suggest({"text": "城关镇燃气管道老化", "topic": topic})
    assert gas.lead.unit.code == "A-ZJ"  # type: ignore[union-attr]
