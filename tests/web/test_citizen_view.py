"""The citizen's view (issue 14, item 6): the tracking page shows each step's time, the
unit and the handling result in plain Chinese; a repeat submission from the same phone
about the same matter is offered the open ticket first."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from hotline.audit.models import Event
from hotline.org.actor import Actor
from hotline.tickets.actions import callback, report, review
from hotline.tickets.models import Contact, Ticket
from tests.web.helpers import new_ticket, signed

pytestmark = pytest.mark.django_db

SEWER = "石门县龙潭镇老街下水道堵塞,污水漫到路面,气味很大"
REQUEST = {"text": SEWER, "address": "龙潭镇老街", "phone": "13712345678", "citizen_name": "王五"}


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    cache.clear()


def _track(client: Client, ticket: Ticket) -> str:
    response = client.post("/portal/track/", {"number": ticket.number, "query_code": ticket.query_code})
    assert response.status_code == 200
    return response.content.decode()


def test_tracking_shows_times_units_and_the_handling_result(client: Client, org: Any) -> None:
    ticket = signed(org)
    result = "已更换路灯灯泡,恢复夜间照明"
    report(Actor.of(org.a_housing_handler), ticket.number, result=result)
    html = _track(client, ticket)
    # The unit's report is shown with its result while the centre reviews it …
    assert f"办理结果:{result}" in html
    assert "滨江县住建局" in html and "12345热线中心" in html
    # … and as the outcome once the review passed.
    review(Actor.of(org.reviewer), ticket.number, passed=True)
    callback(Actor.of(org.callback), ticket.number, reached=True, satisfaction="satisfied", resolved=True)
    html = _track(client, ticket)
    assert re.search(r'class="alert alert-success track-result".*?' + re.escape(result), html, re.S)
    shown = re.sub(r"<[^>]+>", "", html)  # what the citizen reads (the form's values aside)
    assert "您的评价:满意" in shown and "satisfied" not in shown
    # Every step's time stands on its own: a date, a space, the time (not "2026-12-0304:23").
    times = re.findall(r"<time datetime=\"[^\"]+\">([^<]+)</time>", html)
    steps = Event.objects.filter(
        ticket=ticket, action__in=["create", "dispatch", "sign", "report", "callback"]
    )
    assert len(times) == steps.count()
    first = timezone.localtime(steps.order_by("seq").first().created_at)  # type: ignore[union-attr]
    assert times[0] == first.strftime("%Y-%m-%d %H:%M")
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", t) for t in times)


def test_the_result_is_not_shown_as_the_outcome_before_review(client: Client, org: Any) -> None:
    ticket = signed(org)
    report(Actor.of(org.a_housing_handler), ticket.number, result="已处理")
    assert "track-result" not in _track(client, ticket)


def test_a_repeat_is_offered_the_open_ticket_and_added_to_it(client: Client, org: Any) -> None:
    earlier = new_ticket(org.operator, text=SEWER, phone=REQUEST["phone"])
    response = client.post("/portal/", {**REQUEST, "text": SEWER + ",已经三天了"})
    html = response.content.decode()
    assert response.status_code == 200 and "您已反映过类似的诉求" in html
    # The offer names the ticket by its last digits only: a phone number typed by anyone
    # must not reveal the number, nor what was said.
    assert f"尾号 {earlier.number[-4:]}" in html and earlier.number not in html
    assert Ticket.objects.count() == 1
    point = {"lat": "29.1", "lng": "110.4"}  # marked on the map picker
    response = client.post("/portal/", {**REQUEST, **point, "text": SEWER + ",已经三天了", "repeat": "add"})
    assert response.status_code == 302
    assert Ticket.objects.count() == 1
    added = Contact.objects.filter(ticket=earlier).order_by("id").last()
    assert added is not None and added.text.endswith("已经三天了") and added.channel == "web"
    assert (added.lat, added.lng) == (29.1, 110.4)
    assert Event.objects.filter(ticket=earlier, action="add_contact", actor_role="citizen").count() == 1
    assert f"尾号 {earlier.number[-4:]}" in client.get("/portal/submitted/").content.decode()
    # A third identical submission a while later is offered the same ticket again.
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        html = client.post("/portal/", REQUEST).content.decode()
    assert "您已反映过类似的诉求" in html and Ticket.objects.count() == 1


def test_the_same_phone_written_otherwise_is_the_same_citizen(client: Client, org: Any) -> None:
    new_ticket(org.operator, text=SEWER, phone=REQUEST["phone"])
    html = client.post("/portal/", {**REQUEST, "phone": "+86 137-1234-5678"}).content.decode()
    assert "您已反映过类似的诉求" in html and Ticket.objects.count() == 1


def test_a_repeat_may_be_submitted_anew(client: Client, org: Any) -> None:
    earlier = new_ticket(org.operator, text=SEWER, phone=REQUEST["phone"])
    response = client.post("/portal/", {**REQUEST, "repeat": "new"})
    assert response.status_code == 302
    assert Ticket.objects.exclude(pk=earlier.pk).get().text == SEWER
    assert not Event.objects.filter(action="add_contact").exists()


def test_other_matters_and_other_phones_are_not_offered(client: Client, org: Any) -> None:
    new_ticket(org.operator, text=SEWER, phone=REQUEST["phone"])
    other_matter = {**REQUEST, "text": "城关镇中学门口早晚上学时段交通拥堵,希望安排交警疏导"}
    assert client.post("/portal/", other_matter).status_code == 302
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert client.post("/portal/", {**REQUEST, "phone": "13700000000"}).status_code == 302
    assert Ticket.objects.count() == 3
