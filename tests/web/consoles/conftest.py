"""Console fixtures: the shared ``org`` with the duty catalogue, and tickets made by actions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from hotline.cache import reset_all
from hotline.org.actor import Actor
from hotline.org.models import User
from hotline.routing.catalogue import seed_duty_catalogue
from hotline.tickets import actions
from hotline.tickets.actions import NewContact
from hotline.tickets.models import Ticket
from tests.conftest import Org

STREETLIGHT = "城关镇河西村路口的路灯坏了一个多月,晚上很黑,请尽快维修"


@pytest.fixture(autouse=True)
def _fresh_routing_caches() -> Iterator[None]:
    reset_all()
    yield
    reset_all()


@pytest.fixture
def corg(org: Org) -> Org:
    seed_duty_catalogue()
    return org


def actor(org: Org, username: str) -> Actor:
    return Actor.of(User.objects.select_related("unit").get(username=username))


def new_ticket(org: Org, text: str = STREETLIGHT, **fields: Any) -> Ticket:
    contact = NewContact(channel="phone", text=text, phone="13812345678", citizen_name="张三", **fields)
    ticket, _ = actions.create_ticket(actor(org, "operator"), contact)
    return ticket


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def act(org: Org, username: str, action: str, ticket: Ticket, **kwargs: Any) -> Ticket:
    return actions.ACTIONS[action](actor(org, username), ticket.number, **kwargs)


def client_for(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


@pytest.fixture
def as_user(corg: Org) -> Any:
    return client_for


@pytest.fixture(autouse=True)
def _long_sessions(settings: Any) -> None:
    # Tests travel weeks ahead to make deadlines pass; the login must survive the trip.
    settings.SESSION_COOKIE_AGE = 10**8
