"""The citizen's rating and a supervisor's complaint are actions like any other: checked
by role, scope and state, recorded as one event, and refused without a trace."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.audit.models import Event
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.org.actor import Actor
from hotline.tickets.actions import complain, rate
from hotline.tickets.models import Ticket
from tests.tickets.test_lifecycle_api import new_ticket

pytestmark = pytest.mark.django_db


def _answered(api_as: Any) -> str:
    operator = api_as("operator")
    number = new_ticket(operator, text="请问社保卡丢了怎么补办?")["number"]
    operator.act(number, "answer", answer="携带身份证到任一社保经办网点即可补办。")
    return str(number)


def test_a_citizen_rates_their_own_handled_ticket_once_and_the_row_stays(org: Any, api_as: Any) -> None:
    number = _answered(api_as)
    before = Ticket.objects.get(number=number)
    rate(Actor.citizen(own_ticket=number), number, rating="dissatisfied", comment=" 太慢了 ")
    after = Ticket.objects.get(number=number)
    assert (after.version, after.updated_at) == (before.version, before.updated_at)
    event = Event.objects.get(ticket=after, action="citizen_rating")
    assert event.payload == {"rating": "dissatisfied", "comment": "太慢了"}
    with pytest.raises(Conflict) as again:
        rate(Actor.citizen(own_ticket=number), number, rating="satisfied")
    assert again.value.code == "already_rated"
    assert Event.objects.filter(action="citizen_rating").count() == 1


def test_rating_is_refused_before_handling_for_others_and_with_a_bad_value(org: Any, api_as: Any) -> None:
    number = str(new_ticket(api_as("operator"))["number"])
    with pytest.raises(Conflict) as early:
        rate(Actor.citizen(own_ticket=number), number, rating="satisfied")
    assert early.value.code == "invalid_state"
    done = _answered(api_as)
    with pytest.raises(NotFound):  # not their ticket: to them it is missing
        rate(Actor.citizen(own_ticket=number), done, rating="satisfied")
    with pytest.raises(InvalidInput):
        rate(Actor.citizen(own_ticket=done), done, rating="great")
    # Staff cannot rate in a citizen's name through the API.
    assert api_as("callback").act(done, "citizen_rating", rating="satisfied").status_code == 403
    assert not Event.objects.filter(action="citizen_rating").exists()


def test_a_supervisor_files_a_complaint_through_the_api(org: Any, api_as: Any) -> None:
    number = str(new_ticket(api_as("operator"))["number"])
    supervisor = api_as("supervisor")
    ok = supervisor.act(number, "unit_complaint", unit="A-ZJ", person="李四", content="推诿扯皮,三次未上门")
    assert ok.status_code == 200, ok.content
    event = Event.objects.get(action="unit_complaint")
    assert event.payload == {
        "unit": "A-ZJ",
        "unit_name": "滨江县住建局",
        "person": "李四",
        "content": "推诿扯皮,三次未上门",
    }
    assert supervisor.act(number, "unit_complaint", unit="NOPE", content="x").status_code == 422
    assert api_as("operator").act(number, "unit_complaint", unit="A-ZJ", content="x").status_code == 403


def test_a_county_supervisor_cannot_complain_about_a_unit_outside_the_county(org: Any) -> None:
    from tests.conftest import make_user

    county_supervisor = make_user("a_sup", "supervisor", org.county_a)
    actor = Actor.of(county_supervisor)
    with pytest.raises(InvalidInput) as outside:
        complain(actor, "whatever", unit="B-ZJ", content="投诉")
    assert outside.value.field == "unit"
    assert not Event.objects.filter(action="unit_complaint").exists()
