"""From intake (with the real triage engine) to an automatic dispatch."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.org.actor import Actor
from hotline.routing.auto import maybe_auto_dispatch
from hotline.routing.suggest import suggest
from hotline.tickets.actions import NewContact, create_ticket

pytestmark = pytest.mark.django_db


def test_a_ticket_from_intake_is_routed_to_its_place(rorg: Any, settings: Any) -> None:
    ticket, _ = create_ticket(
        Actor.of(rorg.operator),
        NewContact(channel="phone", text="城关镇河西村路口的路灯坏了一个多月,晚上很黑", phone="13812345678"),
    )
    s = suggest(ticket)

    assert s.lead is not None
    assert s.place.township is not None and s.place.township.code == "A-CG"
    assert s.lead.unit.code in {"A-ZJ", "A-CGJ", "A-CG"}
    settings.HOTLINE_AUTO_DISPATCH_CONFIDENCE = 0.01
    done = maybe_auto_dispatch(ticket)
    assert done is not None and done.state == "dispatched" and done.lead_unit.code == s.lead.unit.code  # type: ignore[union-attr]
