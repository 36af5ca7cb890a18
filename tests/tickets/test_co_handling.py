"""Co-handling closes properly: the lead's report cannot close the handling while an
assisting unit has not even signed, unless the centre releases that unit (recorded)."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.audit.chain import verify
from hotline.audit.models import Event
from hotline.errors import Conflict
from hotline.org.actor import Actor
from hotline.tickets import commitment
from hotline.tickets.actions import dispatch, release_assist, report, sign
from hotline.tickets.models import Assignment, AssignmentStatus, State, Ticket
from tests.web.helpers import new_ticket

pytestmark = pytest.mark.django_db


def _co_handled(org: Any) -> Ticket:
    ticket = new_ticket(org.operator)
    dispatch(Actor.of(org.dispatcher), ticket.number, lead_unit="A-ZJ", assist_units=["A-CG"])
    return sign(Actor.of(org.a_housing_handler), ticket.number)


def test_the_lead_cannot_close_while_an_assisting_unit_has_not_signed(org: Any) -> None:
    ticket = _co_handled(org)
    with pytest.raises(Conflict) as refused:
        report(Actor.of(org.a_housing_handler), ticket.number, result="已修复")
    assert refused.value.code == "assist_pending" and "尚未签收或反馈" in refused.value.message
    after = Ticket.objects.get(pk=ticket.pk)
    assert (after.state, after.version) == (State.HANDLING, ticket.version)
    assert not Event.objects.filter(ticket=ticket, action="report").exists()


def test_the_centre_releases_the_assisting_unit_and_the_lead_closes(org: Any, api_as: Any) -> None:
    ticket = _co_handled(org)
    # Only the centre's dispatcher releases; the lead unit cannot drop its partner.
    assert api_as("a_zj").act(ticket.number, "release_assist", unit="A-CG", reason="x").status_code == 403
    answer = api_as("dispatcher").act(ticket.number, "release_assist", unit="A-CG", reason="协办单位无此职责")
    assert answer.status_code == 200, answer.content
    share = Assignment.objects.get(ticket=ticket, unit__code="A-CG")
    assert (share.active, share.status) == (False, AssignmentStatus.WITHDRAWN)
    event = Event.objects.get(ticket=ticket, action="release_assist")
    assert event.payload["unit"] == "A-CG" and event.payload["reason"] == "协办单位无此职责"
    done = report(Actor.of(org.a_housing_handler), ticket.number, result="已修复")
    assert done.state == State.REPORTED
    assert verify().ok and commitment.check().ok


def test_a_signed_assisting_unit_does_not_hold_the_lead_back_and_is_not_released(org: Any) -> None:
    ticket = _co_handled(org)
    sign(Actor.of(org.a_town_handler), ticket.number)
    with pytest.raises(Conflict) as refused:
        release_assist(Actor.of(org.dispatcher), ticket.number, unit="A-CG", reason="不需要了")
    assert refused.value.code == "assist_active"
    with pytest.raises(Conflict) as unknown:
        release_assist(Actor.of(org.dispatcher), ticket.number, unit="B-ZJ", reason="不需要了")
    assert unknown.value.code == "not_assisting"
    assert report(Actor.of(org.a_housing_handler), ticket.number, result="已修复").state == State.REPORTED
