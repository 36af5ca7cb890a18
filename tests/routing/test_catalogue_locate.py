"""The duty catalogue (seeding, duties-derived rules) and place resolution."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hotline.routing.catalogue import catalogue, read_default, seed_duty_catalogue
from hotline.routing.locate import resolve_place
from hotline.routing.models import Boundary, DutyRule, RuleSource

pytestmark = pytest.mark.django_db


def test_seed_loads_the_default_catalogue_once_and_keeps_admin_edits(org: Any) -> None:
    counts = seed_duty_catalogue()
    default_rows = read_default()
    assert counts["default_created"] == len(default_rows) >= 80
    topics = {r["topic"].split(" / ")[0] for r in default_rows if r["topic"]}
    for expected in (
        "城乡建设",
        "环境保护",
        "交通运输",
        "劳动和社会保障",
        "教育文体",
        "卫生计生",
        "商贸旅游",
        "公安",
        "市场监管",
        "农业农村",
        "水利",
        "民政",
        "应急",
        "城市管理",
    ):
        assert expected in topics
    rule = DutyRule.objects.get(topic="城乡建设 / 物业管理", level="county", source=RuleSource.DEFAULT)
    rule.priority = 55
    rule.save()
    again = seed_duty_catalogue()
    assert again["default_created"] == 0 and again["total"] == counts["total"]
    rule.refresh_from_db()
    assert rule.priority == 55
    compiled = {r.id: r for r in catalogue().rules}
    assert compiled[rule.pk].priority == 55  # the cache saw the edit


def test_rules_are_derived_from_units_duties(org: Any) -> None:
    org.b_town.duties = "负责本镇村务管理、土地承包纠纷调处"
    org.b_town.save()
    seed_duty_catalogue()
    derived = DutyRule.objects.filter(source=RuleSource.DUTIES, unit=org.b_town)
    assert {r.topic for r in derived} >= {"农村农业 / 村务管理", "农村农业 / 土地承包"}
    org.b_town.duties = "负责本镇村务管理"
    org.b_town.save()
    seed_duty_catalogue()
    assert {r.topic for r in DutyRule.objects.filter(source=RuleSource.DUTIES)} == {"农村农业 / 村务管理"}


def test_place_from_address_names_township_and_county(org: Any) -> None:
    res = resolve_place(address="石门县龙潭镇解放路12号")
    assert res.township.id == org.b_town.pk  # type: ignore[union-attr]
    assert res.county.id == org.county_b.pk  # type: ignore[union-attr]
    assert res.source == "address" and "龙潭" in res.reasons[0]


def test_place_from_text_village_walks_up(org: Any) -> None:
    res = resolve_place(text="河西村路口路灯坏了")
    assert res.village.id == org.a_village.pk  # type: ignore[union-attr]
    assert res.township.id == org.a_town.pk  # type: ignore[union-attr]
    assert res.county.id == org.county_a.pk  # type: ignore[union-attr]
    assert not res.cross_county


def test_place_from_triage_and_explicit_place(org: Any) -> None:
    res = resolve_place(triage_places=[{"name": "龙潭镇", "unit_id": org.b_town.pk}], text="河西村")
    assert res.township.id == org.b_town.pk and res.source == "triage"  # type: ignore[union-attr]
    res = resolve_place(place_id=org.a_town.pk, text="龙潭镇")
    assert res.township.id == org.a_town.pk and res.certainty == 1.0  # type: ignore[union-attr]


def test_place_from_coordinates_in_a_boundary(org: Any) -> None:
    square = {
        "type": "Polygon",
        "coordinates": [[[110.0, 30.0], [110.1, 30.0], [110.1, 30.1], [110.0, 30.1], [110.0, 30.0]]],
    }
    Boundary.objects.create(unit=org.b_town, geojson=json.dumps({"type": "Feature", "geometry": square}))
    res = resolve_place(lat=30.05, lng=110.05)
    assert res.township.id == org.b_town.pk and res.source == "coordinates"  # type: ignore[union-attr]
    assert res.county.id == org.county_b.pk  # type: ignore[union-attr]
    outside = resolve_place(lat=31.0, lng=110.05)
    assert not outside.known and outside.reasons == ["未识别到属地"]


def test_cross_county_request(org: Any) -> None:
    res = resolve_place(text="从滨江县城关镇到石门县龙潭镇的道路")
    assert res.cross_county
    assert {org.county_a.pk, org.county_b.pk} == res.counties


def test_a_name_shared_by_two_counties(org: Any) -> None:
    from hotline.org.models import Level, UnitKind
    from tests.conftest import make_unit

    twin = make_unit(
        "石门县城关镇", Level.TOWNSHIP, UnitKind.GOVERNMENT, org.county_b, code="B-CG", area="城关镇"
    )
    vague = resolve_place(text="城关镇的路灯不亮")
    assert not vague.cross_county and vague.certainty < 0.7  # ambiguous, and no 跨县 evidence
    named = resolve_place(address="石门县城关镇人民路")
    assert named.township.id == twin.pk and not named.cross_county  # type: ignore[union-attr]


def test_place_next_to_the_point_without_a_boundary(org: Any) -> None:
    from hotline.routing import locate

    org.b_town.lat, org.b_town.lng = 27.40, 109.40
    org.b_town.save()
    locate.SPOTS.invalidate()
    res = resolve_place(lat=27.41, lng=109.41)  # about 1.5 km away
    assert res.township.id == org.b_town.pk and res.source == "nearby"  # type: ignore[union-attr]
    assert res.county.id == org.county_b.pk and "约 1.5 公里" in res.reasons[0]  # type: ignore[union-attr]
    # A place named in the request comes before the point's neighbour.
    named = resolve_place(lat=27.41, lng=109.41, text="城关镇的路灯坏了")
    assert named.township.id == org.a_town.pk  # type: ignore[union-attr]
    # Too far from any place: unknown.
    assert not resolve_place(lat=27.6, lng=109.4).known
