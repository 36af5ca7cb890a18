"""One intake path: every channel goes through ``tickets.intake.take_in``, and advice
(triage, auto-dispatch) can never fail an intake — the ticket says when it was skipped.

Breaking triage or routing here means replacing their entry function with one that
raises: the behaviour under test is our guard around advice, not the advice itself.
"""

from __future__ import annotations

from typing import Any

import pytest

import hotline.routing.suggest
import hotline.triage
from hotline.audit.models import Event
from hotline.org.actor import Actor
from hotline.tickets.actions import NewContact
from hotline.tickets.actions.intake import TRIAGE_SKIPPED
from hotline.tickets.intake import AUTO_DISPATCH_SKIPPED, take_in
from hotline.tickets.models import Ticket
from tests.web.helpers import client_for

pytestmark = pytest.mark.django_db

TEXT = "城关镇幸福小区路灯坏了一个月,晚上出行很不安全,请尽快维修"


def _broken(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("advice engine down")


@pytest.fixture
def routing_down(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.HOTLINE_AUTO_DISPATCH_CONFIDENCE = 0.01  # every valid ticket is offered
    monkeypatch.setattr(hotline.routing.suggest, "suggest", _broken)


def test_a_routing_crash_after_commit_is_a_201_and_the_ticket_says_so(
    org: Any, api_as: Any, routing_down: None
) -> None:
    response = api_as("operator").post("/tickets", {"channel": "phone", "text": TEXT})
    assert response.status_code == 201
    number = response.json()["number"]
    ticket = Ticket.objects.get(number=number)
    assert ticket.state == "accepted"  # waits for a dispatcher
    skipped = Event.objects.get(ticket=ticket, action="advice_skipped")
    assert skipped.payload["advice"] == "auto_dispatch" and skipped.payload["note"] == AUTO_DISPATCH_SKIPPED
    page = client_for(org.dispatcher).get(f"/tickets/{number}/").content.decode()
    assert "智能建议未执行" in page


def test_a_routing_crash_does_not_break_the_operator_page_or_the_portal(org: Any, routing_down: None) -> None:
    response = client_for(org.operator).post(
        "/intake/", {"channel": "phone", "text": TEXT, "op": "create", "idempotency_key": "k-1"}
    )
    assert response.status_code == 302 and response.url.startswith("/tickets/")
    response = client_for(org.operator).post(
        "/portal/", {"text": TEXT, "phone": "13800001234", "citizen_name": "张三"}
    )
    assert response.status_code == 302 and response.url == "/portal/submitted/"
    assert Ticket.objects.filter(channel="web").count() == 1
    assert Event.objects.filter(action="advice_skipped").count() == Ticket.objects.count()


def test_a_triage_crash_creates_the_ticket_marked_for_a_person(
    org: Any, api_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hotline.triage, "analyse", _broken)
    response = api_as("operator").post("/tickets", {"channel": "phone", "text": TEXT})
    assert response.status_code == 201
    ticket = Ticket.objects.get(number=response.json()["number"])
    assert ticket.triage == {"skipped": TRIAGE_SKIPPED}
    assert ticket.state == "accepted"


def test_a_refused_first_step_leaves_no_ticket(org: Any) -> None:
    from hotline.errors import InvalidInput

    def refuse(ticket: Ticket) -> None:
        raise InvalidInput("answer", "答复内容不能为空")

    with pytest.raises(InvalidInput):
        take_in(Actor.of(org.operator), NewContact(channel="phone", text=TEXT), first_step=refuse)
    assert not Ticket.objects.exists() and not Event.objects.exists()


def test_every_channel_replays_an_idempotency_key_the_same_way(org: Any, api_as: Any) -> None:
    first = take_in(Actor.of(org.operator), NewContact(channel="phone", text=TEXT, idempotency_key="call-7"))
    again = api_as("operator").post(
        "/tickets", {"channel": "phone", "text": TEXT, "idempotency_key": "call-7"}
    )
    assert first.created and again.status_code == 200 and again.json()["number"] == first.ticket.number
    page = client_for(org.operator).post(
        "/intake/", {"channel": "phone", "text": TEXT, "op": "create", "idempotency_key": "call-7"}
    )
    assert page.url == f"/tickets/{first.ticket.number}/"
    assert Ticket.objects.count() == 1
