"""Phone fields open the number pad on a phone (issue 14, item 5): type tel, numeric
digits for the ticket number and the last four digits, on every page that asks."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from tests.web.helpers import client_for, signed

pytestmark = pytest.mark.django_db


def _input(html: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert found, f"no input {name}"
    return found.group(0)


def test_phone_fields_are_tel(client: Client, org: Any) -> None:
    assert 'type="tel"' in _input(client.get("/portal/").content.decode(), "phone")
    track = client.get("/portal/track/").content.decode()
    assert 'inputmode="numeric"' in _input(track, "number")
    assert 'inputmode="numeric"' in _input(track, "phone_last4")
    assert 'type="tel"' in _input(client_for(org.operator).get("/intake/").content.decode(), "phone")
    assert 'type="tel"' in _input(client_for(org.dispatcher).get("/search/").content.decode(), "phone")
    ticket = signed(org)
    page = client_for(org.operator).get(f"/tickets/{ticket.number}/").content.decode()
    assert 'type="tel"' in _input(page, "phone")  # 追加来电来信
