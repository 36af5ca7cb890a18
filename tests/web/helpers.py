"""Shared helpers of the page tests: tickets in given states, logged-in clients."""

from __future__ import annotations

from typing import Any

from django.test import Client

from hotline.org.actor import Actor
from hotline.tickets.actions import NewContact, create_ticket, dispatch, sign
from hotline.tickets.models import Ticket


def new_ticket(user: Any, text: str = "城关镇河西村路灯坏了一个星期,晚上出行很不方便", **kw: Any) -> Ticket:
    contact = NewContact(
        channel=kw.pop("channel", "phone"),
        text=text,
        phone=kw.pop("phone", "13800001234"),
        citizen_name=kw.pop("citizen_name", "张三丰"),
        **kw,
    )
    ticket, _ = create_ticket(Actor.of(user), contact)
    return ticket


def dispatched(org: Any, lead: str = "A-ZJ", **kw: Any) -> Ticket:
    ticket = new_ticket(org.operator, **kw)
    return dispatch(Actor.of(org.dispatcher), ticket.number, lead_unit=lead)


def signed(org: Any) -> Ticket:
    ticket = dispatched(org)
    return sign(Actor.of(org.a_housing_handler), ticket.number)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client
