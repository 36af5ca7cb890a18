"""追加来电来信: a citizen back about an open ticket adds a contact to it — one recorded
event, the handler told, the repeat counted — and is refused on a closed ticket."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.analytics.models import TicketFacts
from hotline.audit.chain import verify
from hotline.audit.models import Event
from hotline.errors import Conflict, InvalidInput, NotFound
from hotline.org.actor import Actor
from hotline.sla.models import Notification
from hotline.tickets import commitment
from hotline.tickets.actions import NewContact, add_contact, add_contact_from
from hotline.tickets.models import Contact, Ticket
from hotline.tickets.timeline import public_timeline
from tests.tickets.test_lifecycle_api import new_ticket

pytestmark = pytest.mark.django_db


def test_an_operator_adds_the_citizens_second_call_to_the_open_ticket(
    org: Any, api_as: Any, committed: Any
) -> None:
    operator = api_as("operator")
    number = new_ticket(operator)["number"]
    api_as("dispatcher").act(number, "dispatch", lead_unit="A-CG")
    before = Ticket.objects.get(number=number)
    with committed():
        answer = operator.act(
            number, "add_contact", text="路灯还是不亮,昨晚有老人摔倒了", phone="13812345678"
        )
    assert answer.status_code == 200, answer.content
    ticket = Ticket.objects.get(number=number)
    assert ticket.state == before.state and ticket.version == before.version + 1
    texts = list(ticket.contacts.order_by("id").values_list("text", flat=True))
    assert texts[-1] == "路灯还是不亮,昨晚有老人摔倒了" and len(texts) == 2
    event = Event.objects.get(ticket=ticket, action="add_contact")
    assert event.payload == {"contact": ticket.contacts.order_by("id").last().pk, "channel": "phone"}
    # The unit that holds it hears of it; the citizen's timeline says it in plain words.
    assert Notification.objects.filter(ticket=ticket, kind="contact_added", user=org.a_town_handler).exists()
    assert "已收到您的补充诉求,并入本工单办理" in [step["message"] for step in public_timeline(ticket)]
    # The repeat figure counts the ticket, and the trace still commits to the rows.
    assert TicketFacts.objects.get(ticket_id=ticket.pk).repeat == 1
    assert verify().ok and commitment.check().ok


def test_a_channel_adds_a_message_with_its_own_time(org: Any, api_as: Any) -> None:
    number = new_ticket(api_as("operator"))["number"]
    first = Ticket.objects.get(number=number).contacts.get()
    sent = first.received_at.replace(microsecond=0)
    contact = NewContact(channel="sms", text="补充:路口东侧第二根灯杆", phone="13812345678", received_at=sent)
    add_contact_from(Actor.system(), number, contact)
    added = Contact.objects.filter(ticket__number=number).order_by("id").last()
    assert (added.channel, added.received_at, added.created_by) == ("sms", sent, None)


def test_refusals_leave_nothing(org: Any, api_as: Any) -> None:
    operator = api_as("operator")
    number = new_ticket(operator)["number"]
    operator.act(number, "reject", reason="非政务服务事项", category="other")
    with pytest.raises(Conflict) as closed:
        add_contact(Actor.of(org.operator), number, text="我再说一遍")
    assert closed.value.code == "invalid_state"
    open_number = new_ticket(operator)["number"]
    api_as("dispatcher").act(open_number, "dispatch", lead_unit="A-CG")
    contacts = Contact.objects.count()
    with pytest.raises(InvalidInput):
        add_contact(Actor.of(org.operator), open_number, text="   ")
    with pytest.raises(InvalidInput):
        add_contact(Actor.of(org.operator), open_number, text="补充", channel="pigeon")
    # A citizen adds only to their own ticket; to them another is missing.
    with pytest.raises(NotFound):
        add_contact(Actor.citizen(own_ticket=number), open_number, text="补充")
    # A handler who holds it does not take the citizen's calls.
    assert api_as("a_cg").act(open_number, "add_contact", text="补充").status_code == 403
    assert Contact.objects.count() == contacts
    assert not Event.objects.filter(action="add_contact").exists()


def test_a_citizen_adds_to_their_own_ticket(org: Any, api_as: Any) -> None:
    number = new_ticket(api_as("operator"))["number"]
    add_contact(Actor.citizen(own_ticket=number), number, text="补充照片说明:灯杆编号 HX-07", channel="web")
    assert Ticket.objects.get(number=number).contacts.count() == 2
