"""The trace of who looked a citizen up: every search by phone number or by name is an
audit event ("search_personal_data": who, from where, the term masked beside its keyed
hash, how many tickets were shown), searches of other fields are not; and a door of the
login or lookup limits that locks is one "lockout" event, not one per refused attempt."""

from __future__ import annotations

from datetime import datetime
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from hotline.audit.chain import verify
from hotline.audit.models import Event
from hotline.tickets.privacy import searches_of, term_digest
from tests.web.helpers import client_for, new_ticket

pytestmark = pytest.mark.django_db

CALLER = "13900007777"
START = datetime(2026, 3, 2, 14, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def searches() -> list[Event]:
    return list(Event.objects.filter(action="search_personal_data").order_by("seq"))


def chain_verifies() -> bool:
    out = StringIO()
    call_command("audit", "verify", stdout=out)  # raises CommandError on a broken chain
    return verify().ok and "条事件" in out.getvalue()


def test_a_search_by_ticket_number_or_text_is_no_personal_data_search(org: Any, api_as: Any) -> None:
    ticket = new_ticket(org.operator, phone=CALLER, citizen_name="张伟")
    page = client_for(org.operator).get("/search/", {"number": ticket.number})
    assert page.status_code == 200 and ticket.number in page.content.decode()
    assert api_as("operator").get("/search/tickets", text="路灯").status_code == 200
    assert searches() == []


def test_a_search_by_phone_on_the_page_records_one_event_with_the_number_masked(org: Any) -> None:
    ticket = new_ticket(org.operator, phone=CALLER)
    page = client_for(org.operator).get("/search/", {"phone": "+86 139-0000-7777"})
    assert page.status_code == 200 and ticket.number in page.content.decode()
    [event] = searches()
    assert event.ticket is None and event.actor == org.operator and event.actor_role == "operator"
    assert event.payload == {
        "source": "search_page",
        "kinds": ["phone"],
        "phone": "139****7777",
        "phone_hmac": term_digest("phone", CALLER),
        "found": 1,
        "more": False,
    }
    assert CALLER not in str(event.payload)  # the number itself is nowhere in the log
    # An investigator tells whether a number was searched, however it is written.
    assert list(searches_of("phone", "139 0000 7777")) == [event]
    assert not searches_of("phone", "13900001111").exists()
    assert chain_verifies()


def test_a_refused_search_shows_nothing_and_records_nothing(org: Any) -> None:
    response = client_for(org.operator).get("/search/", {"phone": "13900"})
    assert response.status_code == 400
    assert searches() == []


def test_a_search_by_name_through_the_api_records_the_name_masked(org: Any, api_as: Any) -> None:
    new_ticket(org.operator, citizen_name="张伟")
    new_ticket(org.operator, citizen_name="李明")
    body = api_as("dispatcher").get("/search/tickets", name="张伟", text="路灯").json()
    assert len(body["items"]) == 1
    [event] = searches()
    assert event.actor == org.dispatcher
    assert event.payload["source"] == "search_api" and event.payload["kinds"] == ["name"]
    assert event.payload["name"] == "张*" and event.payload["found"] == 1
    assert event.payload["name_hmac"] == term_digest("name", "张伟")
    assert "张伟" not in str(event.payload)
    assert list(searches_of("name", " 张伟 ")) == [event]
    assert chain_verifies()


def test_the_caller_panel_records_each_number_looked_up(org: Any) -> None:
    new_ticket(org.operator, phone=CALLER)
    operator = client_for(org.operator)
    assert operator.post("/intake/caller/", {"phone": "139"}).status_code == 200  # names no one
    assert searches() == []
    assert operator.post("/intake/caller/", {"phone": CALLER}).status_code == 200
    [event] = searches()
    assert event.actor == org.operator and event.ticket is None
    assert event.payload == {
        "source": "caller_panel",
        "kinds": ["phone"],
        "phone": "139****7777",
        "phone_hmac": term_digest("phone", CALLER),
        "found": 1,
        "more": False,
    }
    assert chain_verifies()


def test_the_screen_pop_panel_is_named_as_such(org: Any) -> None:
    operator = client_for(org.operator)
    opened = operator.get("/intake/", {"phone": CALLER, "call_id": "c-1"})
    assert opened.status_code == 200
    assert searches() == []  # the page only fills the field; its panel looks the number up
    # The panel the page loads at once (htmx names the page it is on).
    url = f"http://testserver/intake/?phone={CALLER}&call_id=c-1"
    response = operator.post("/intake/caller/", {"phone": CALLER}, HTTP_HX_CURRENT_URL=url)
    assert response.status_code == 200 and "该号码此前没有来电来信记录" in response.content.decode()
    # The operator types another number on the same page: the panel's own search.
    operator.post("/intake/caller/", {"phone": "13600000001"}, HTTP_HX_CURRENT_URL=url)
    assert [(e.payload["source"], e.payload["phone"], e.payload["found"]) for e in searches()] == [
        ("screen_pop", "139****7777", 0),
        ("caller_panel", "136****0001", 0),
    ]


def test_the_hash_is_keyed_and_a_rotated_key_still_finds_old_searches(org: Any, settings: Any) -> None:
    client_for(org.operator).get("/search/", {"phone": CALLER})
    [event] = searches()
    old_key = settings.SECRET_KEY
    assert term_digest("phone", CALLER, secret="another-installation-" * 3) != event.payload["phone_hmac"]
    settings.SECRET_KEY = "a-rotated-key-" * 5
    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert list(searches_of("phone", CALLER)) == [event]
