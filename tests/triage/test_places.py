"""Place recognition (issue 14, item 2): the most specific place first, each place once,
villages and communities recognised, institutions kept as landmarks, positions."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.org.actor import Actor
from hotline.org.models import Level, UnitKind
from hotline.tickets.actions import NewContact, create_ticket
from hotline.triage import analyse
from tests.conftest import make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(org: Any) -> Any:
    """石门县 (county_b) with 鹤阳镇: its government, the county bureaus' stations that
    serve it (卫生院, 派出所, 供电所), the village 长院村 with a grid and a clinic, and
    a namesake 长院村 in 滨江县."""
    b = org.county_b
    org.b_town.lat, org.b_town.lng = 27.3, 109.2
    org.b_town.save()
    town = make_unit(
        "石门县鹤阳镇人民政府", Level.TOWNSHIP, UnitKind.GOVERNMENT, b, area="鹤阳镇", lat=27.4, lng=109.4
    )
    wjj = make_unit("石门县卫生健康局", Level.COUNTY, UnitKind.FUNCTIONAL, b, area="石门县")
    gaj = make_unit("石门县公安局", Level.COUNTY, UnitKind.FUNCTIONAL, b, area="石门县")
    clinic = make_unit("鹤阳镇卫生院", Level.TOWNSHIP, UnitKind.EXECUTING, wjj, area="鹤阳镇")
    police = make_unit("石门县公安局鹤阳镇派出所", Level.TOWNSHIP, UnitKind.EXECUTING, gaj, area="鹤阳镇")
    for i in range(6):  # more units serving the town than the old 20-place cap could hold
        make_unit(f"鹤阳镇办公室{i}", Level.TOWNSHIP, UnitKind.EXECUTING, town, area="鹤阳镇")
    village = make_unit(
        "鹤阳镇长院村村民委员会",
        Level.VILLAGE,
        UnitKind.GOVERNMENT,
        town,
        area="长院村",
        lat=27.41,
        lng=109.42,
    )
    make_unit("长院村第1网格", Level.VILLAGE, UnitKind.EXECUTING, village, area="长院村")
    post = make_unit("长院村卫生室", Level.VILLAGE, UnitKind.EXECUTING, clinic, area="长院村")
    namesake = make_unit(
        "城关镇长院村村民委员会", Level.VILLAGE, UnitKind.GOVERNMENT, org.a_town, area="长院村"
    )
    org.county_b.lat, org.county_b.lng = 27.5, 109.5
    org.county_b.save()
    return {
        "town": town,
        "clinic": clinic,
        "police": police,
        "village": village,
        "post": post,
        "namesake": namesake,
    }


def places_of(text: str, address: str = "") -> list[dict[str, Any]]:
    return analyse("", text, address=address).places


def test_most_specific_first_each_place_once_village_recognised(county: Any) -> None:
    text = "石门县鹤阳镇长院村的路灯坏了,石门县鹤阳镇政府说归供电所管,鹤阳镇一直没人修"
    places = places_of(text)
    names = [p["name"] for p in places]
    assert names == ["长院村", "鹤阳镇", "石门县"]
    assert [p["unit_id"] for p in places] == [county["village"].id, county["town"].id, county_b_id(county)]
    assert places[0]["kind"] == "village" and places[0]["within"] == "鹤阳镇"


def county_b_id(county: Any) -> int:
    return county["town"].parent_id


def test_institution_is_a_landmark_not_the_place(county: Any) -> None:
    r = analyse("", "在鹤阳镇卫生院看病时手机被偷了,鹤阳派出所不立案")
    assert [p["name"] for p in r.places] == ["鹤阳镇"]
    assert r.places[0]["unit_id"] == county["town"].id  # the township, not the clinic
    assert r.places[0]["via"] == "鹤阳镇卫生院"
    marks = {m["name"]: m for m in r.landmarks}
    assert set(marks) == {"鹤阳镇卫生院", "石门县公安局鹤阳镇派出所"}
    assert marks["石门县公安局鹤阳镇派出所"]["matched"] == "鹤阳派出所"
    assert all(m["unit_id"] == county["town"].id for m in marks.values())
    assert all(p["unit_id"] != county["clinic"].id for p in r.places)


def test_a_village_institution_points_to_its_village(county: Any) -> None:
    r = analyse("", "长院村卫生室的医生经常不在,老人看病要跑到鹤阳镇")
    assert r.places[0]["name"] == "长院村" and r.places[0]["unit_id"] == county["village"].id
    assert [m["name"] for m in r.landmarks] == ["长院村卫生室"]


def test_namesakes_told_apart_by_the_other_names(county: Any) -> None:
    (village, *_rest) = places_of("鹤阳镇长院村有人乱倒垃圾")
    assert village["unit_id"] == county["village"].id and not village["ambiguous"]
    other = places_of("滨江县城关镇长院村有人乱倒垃圾")[0]
    assert other["unit_id"] == county["namesake"].id
    # Named alone, a village name of two places is both, marked ambiguous.
    alone = [p for p in places_of("长院村有人乱倒垃圾") if p["name"] == "长院村"]
    assert {p["unit_id"] for p in alone} == {county["village"].id, county["namesake"].id}
    assert all(p["ambiguous"] for p in alone)


def test_the_ticket_saves_the_place_and_a_position(county: Any, org: Any) -> None:
    operator = Actor.of(org.operator)
    ticket, _ = create_ticket(
        operator,
        NewContact(channel="phone", text="鹤阳镇卫生院门口长院村的村民乱停车", phone="13900001111"),
    )
    assert ticket.place_id == county["village"].id
    assert (ticket.lat, ticket.lng) == (27.41, 109.42)  # from its place
    # The address's place decides the position, before the place of the text.
    ticket, _ = create_ticket(
        operator,
        NewContact(
            channel="phone", text="长院村的路灯坏了", address="石门县鹤阳镇政府旁", phone="13900001112"
        ),
    )
    assert ticket.place_id == county["village"].id and (ticket.lat, ticket.lng) == (27.4, 109.4)
    # The citizen's own point comes first.
    ticket, _ = create_ticket(
        operator,
        NewContact(channel="web", text="长院村的路灯坏了", lat=27.0, lng=109.0, phone="13900001113"),
    )
    assert (ticket.lat, ticket.lng) == (27.0, 109.0)


def test_a_unit_without_coordinates_takes_its_ancestors(county: Any) -> None:
    (clinic,) = analyse("", "鹤阳镇卫生院").landmarks
    # The clinic has no coordinates, nor has its bureau: the county's.
    assert (clinic["lat"], clinic["lng"]) == (27.5, 109.5)


def test_the_suggestion_panel_shows_each_place_once_and_the_landmark(county: Any, org: Any) -> None:
    from tests.web.helpers import client_for

    text = "鹤阳镇卫生院门口,鹤阳镇长院村的村民乱停车,鹤阳镇鹤阳镇鹤阳镇"
    body = client_for(org.operator).post("/intake/suggest/", {"text": text}).content.decode()
    places = body[body.index('class="sg-places"') : body.index("</dd>", body.index('class="sg-places"'))]
    assert places.count(">鹤阳镇<") == 1 and places.count(">长院村<") == 1
    assert places.index("长院村") < places.index("鹤阳镇")  # the most specific first
    marks = body[body.index('class="sg-landmarks"') :]
    assert "鹤阳镇卫生院" in marks[: marks.index("</dd>")] and "鹤阳镇卫生院" not in places
