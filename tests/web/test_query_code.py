"""The query code (查询码) where people meet it: the portal's confirmation, the track and
rating forms, the SMS to the citizen, the operator's intake message and the ticket page;
and the portal's lookup limits, which hold across clients because they live in the
database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from hotline.audit.chain import verify
from hotline.audit.models import Event
from hotline.org.actor import Actor
from hotline.tickets.actions import answer
from hotline.tickets.models import Ticket
from tests.peers import json_peer
from tests.web.helpers import client_for, new_ticket

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
REQUEST = {"text": "石门县龙潭镇老街下水道堵塞,污水漫到路面", "phone": "13712345678", "address": "龙潭镇老街"}


def test_the_portal_confirmation_shows_the_number_and_the_query_code(org: Any) -> None:
    client = Client()
    assert client.post("/portal/", REQUEST).status_code == 302
    ticket = Ticket.objects.get()
    html = client.get("/portal/submitted/").content.decode()
    assert ticket.number in html and f'id="query-code">{ticket.query_code}<' in html


def test_track_and_rate_with_the_query_code(org: Any) -> None:
    ticket = new_ticket(org.operator, phone="13712345678")
    client = Client()
    html = client.post(
        "/portal/track/", {"number": ticket.number, "query_code": ticket.query_code}
    ).content.decode()
    assert "您的诉求已受理" in html
    answer(Actor.of(org.operator), ticket.number, answer="已答复")
    html = client.post(
        "/portal/track/", {"number": ticket.number, "query_code": ticket.query_code}
    ).content.decode()
    # The rating form carries the proof the citizen gave, not the phone's digits.
    assert f'name="query_code" value="{ticket.query_code}"' in html
    assert 'name="phone_last4" value=""' in html
    rated = client.post(
        "/portal/rate/", {"number": ticket.number, "query_code": ticket.query_code, "rating": "satisfied"}
    )
    assert rated.status_code == 200 and "感谢您的评价" in rated.content.decode()
    assert Event.objects.filter(ticket=ticket, action="citizen_rating").count() == 1


def test_track_needs_a_code_or_the_digits(org: Any) -> None:
    ticket = new_ticket(org.operator)
    response = Client().post("/portal/track/", {"number": ticket.number})
    assert response.status_code == 422 and "请填写查询码,或手机号后四位" in response.content.decode()


def test_the_portal_stops_digit_guesses_at_a_ticket_across_clients(org: Any) -> None:
    ticket = new_ticket(org.operator, phone="13712345678")
    with time_machine.travel(START, tick=False):
        statuses = [
            # A fresh client and address each time: nothing a process or a session remembers.
            Client(REMOTE_ADDR=f"198.51.100.{i + 1}")
            .post("/portal/track/", {"number": ticket.number, "phone_last4": f"{i:04d}"})
            .status_code
            for i in range(8)
        ]
        assert statuses == [404] * 5 + [429] * 3
        locked = Client().post("/portal/track/", {"number": ticket.number, "phone_last4": "5678"})
        assert locked.status_code == 429
        assert "请于 3月3日 09:30 后再试,或凭查询码查询" in locked.content.decode()
        by_code = Client().post("/portal/track/", {"number": ticket.number, "query_code": ticket.query_code})
        assert by_code.status_code == 200
    # The lock is one "lockout" event, naming the ticket and the address that locked it.
    [lockout] = Event.objects.filter(action="lockout")
    assert lockout.ticket is None and lockout.actor_role == "system"
    assert datetime.fromisoformat(lockout.payload.pop("until")) == START + timedelta(days=1)
    assert lockout.payload == {
        "limit": "lookup_ticket",
        "subject": ticket.number,
        "address": "198.51.100.5",
        "via": "lookup",
    }
    assert verify().ok


def test_the_operator_hears_the_query_code_at_once_and_finds_it_on_the_ticket_page(org: Any) -> None:
    client = client_for(org.operator)
    call = {"channel": "phone", "phone": "13900002222", "text": "我的社保卡丢了,想问一下怎么补办"}
    response = client.post(
        "/intake/", {**call, "op": "create", "idempotency_key": uuid.uuid4().hex}, follow=True
    )
    ticket = Ticket.objects.get()
    html = response.content.decode()
    assert f"已受理,工单编号 {ticket.number},查询码 {ticket.query_code}" in html
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert (
        f'<dd class="query-code" title="市民凭工单编号和查询码查询办理进度">{ticket.query_code}</dd>' in page
    )


@pytest.fixture
def sms_gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    with json_peer() as peer:
        monkeypatch.setenv("HOTLINE_NOTIFY", f"webhook:{peer.base_url}/sms")
        yield peer.received


def test_the_citizen_gets_the_number_and_query_code_by_sms(
    org: Any, committed: Any, sms_gateway: list[dict[str, Any]]
) -> None:
    with committed():
        assert Client().post("/portal/", {**REQUEST, "phone": "+86 137-1234-5678"}).status_code == 302
    ticket = Ticket.objects.get()
    [sms] = sms_gateway
    assert (
        sms["kind"] == "citizen_receipt" and sms["phone"] == "13712345678" and sms["ticket"] == ticket.number
    )
    assert f"工单编号 {ticket.number},查询码 {ticket.query_code}" in sms["body"]


def test_a_landline_gets_no_sms(org: Any, committed: Any, sms_gateway: list[dict[str, Any]]) -> None:
    with committed():
        new_ticket(org.operator, phone="0571-88001234")
    assert sms_gateway == []
