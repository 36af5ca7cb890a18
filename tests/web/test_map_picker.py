"""The map picker on the portal and the intake page (issue 14, item 2): the point marked
becomes the ticket's position; a half or out-of-range point is refused, nothing saved."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from hotline.tickets.models import Ticket
from tests.web.conftest import login, shot

REQUEST = {
    "text": "龙潭镇老街下水道堵塞,污水漫到路面,气味很大",
    "phone": "13755556666",
    "address": "龙潭镇老街",
}


@pytest.mark.django_db
def test_portal_point_becomes_the_position(client: Client, org: Any) -> None:
    page = client.get("/portal/").content.decode()
    assert 'name="lat"' in page and "在地图上标注位置" in page and "map-picker-data" in page
    assert client.post("/portal/", {**REQUEST, "lat": "27.61", "lng": "109.52"}).status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.lat, ticket.lng) == (27.61, 109.52)
    assert (ticket.contacts.get().lat, ticket.contacts.get().lng) == (27.61, 109.52)


@pytest.mark.django_db
@pytest.mark.parametrize("point", [{"lat": "27.6"}, {"lat": "95", "lng": "109"}, {"lat": "x", "lng": "1"}])
def test_a_bad_point_is_refused(client: Client, org: Any, point: dict[str, str]) -> None:
    response = client.post("/portal/", {**REQUEST, **point})
    assert response.status_code in (200, 422) and not Ticket.objects.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_operator_marks_the_place_on_the_map(page: Any, org: Any) -> None:
    login(page, "operator")
    page.goto(f"{page.base_url}/intake/")
    page.fill("#id_phone", "13911114444")
    page.click("text=在地图上标注位置(选填)")
    page.wait_for_function("() => window.hotlinePicker !== undefined")
    box = page.locator("#map-picker-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.input_value("input[name=lat]") and page.input_value("input[name=lng]")
    assert "已标注位置" in page.inner_text("[data-map-picker-status]")
    shot(page, "intake-map-picker")
    page.click("#id_text")
    page.keyboard.type("城关镇河西村的路灯坏了好几天了,晚上很黑")
    page.wait_for_selector("[data-testid=suggestions] .sg-topic")
    lat = float(page.input_value("input[name=lat]"))
    page.keyboard.press("Alt+1")
    page.wait_for_url(re.compile(r"/tickets/\d+/$"))
    assert Ticket.objects.get().lat == pytest.approx(lat, abs=1e-6)
