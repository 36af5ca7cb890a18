"""The hash chain detects altered, removed and reordered events; the CLI says which."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.audit.chain import verify
from hotline.audit.models import Event
from hotline.org.actor import Actor
from hotline.tickets.actions import NewContact, create_ticket, dispatch, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(org: Any) -> list[Event]:
    for i in range(3):
        ticket, _ = create_ticket(
            Actor.of(org.operator), NewContact(channel="phone", text=f"第{i}件 路面坑洼")
        )
        dispatch(Actor.of(org.dispatcher), ticket.number, lead_unit="A-ZJ")
        sign(Actor.of(org.a_housing_handler), ticket.number)
    events = list(Event.objects.order_by("seq"))
    assert len(events) == 9
    return events


def run_verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


def test_intact_chain_verifies(history: list[Event]) -> None:
    assert verify().ok and verify().checked == 9
    assert "9 条事件" in run_verify()


def test_altered_payload_is_named(history: list[Event]) -> None:
    Event.objects.filter(seq=4).update(payload={"lead_unit": "B-ZJ"})
    result = verify()
    assert not result.ok and result.bad_seq == 4
    with pytest.raises(CommandError, match="#4"):
        run_verify()


def test_altered_actor_or_time_is_detected(history: list[Event]) -> None:
    from datetime import timedelta

    e = history[5]
    Event.objects.filter(pk=e.pk).update(created_at=e.created_at - timedelta(hours=1))
    assert verify().bad_seq == 6


def test_events_appended_during_the_walk_are_not_taken_for_a_cut(history: list[Event], org: Any) -> None:
    # The platform goes on working while the chain is verified: the walk checks the
    # chain up to its head as it stood at the start, and a live append is no alarm.
    def append_one(checked: int) -> None:
        if checked == 9:
            create_ticket(Actor.of(org.operator), NewContact(channel="phone", text="核验期间新来电"))

    result = verify(progress=append_one)
    assert result.ok and result.checked == 9
    assert verify().ok and verify().checked == 10


def test_an_event_written_past_the_head_is_detected(history: list[Event]) -> None:
    last = history[-1]
    Event.objects.create(
        seq=10,
        action=last.action,
        actor=last.actor,
        payload={},
        created_at=last.created_at,
        prev_hash=last.hash,
        hash="0" * 64,
    )
    result = verify()
    assert not result.ok and result.bad_seq == 10


def test_removed_event_is_detected(history: list[Event]) -> None:
    Event.objects.filter(seq=5).delete()
    result = verify()
    assert not result.ok and result.bad_seq == 5


def test_removed_last_event_is_detected(history: list[Event]) -> None:
    Event.objects.filter(seq=9).delete()
    result = verify()
    assert not result.ok and result.bad_seq == 9


def test_reordered_events_are_detected(history: list[Event]) -> None:
    a, b = history[2], history[3]
    # Swap the two events' positions in the chain (sequence numbers).
    Event.objects.filter(pk=a.pk).update(seq=-1)
    Event.objects.filter(pk=b.pk).update(seq=a.seq)
    Event.objects.filter(pk=a.pk).update(seq=b.seq)
    result = verify()
    assert not result.ok and result.bad_seq == 3


def test_rehashed_forgery_still_breaks_the_next_link(history: list[Event]) -> None:
    from hotline.audit.chain import event_hash

    forged = Event.objects.get(seq=4)
    forged.payload = {"lead_unit": "B-ZJ"}
    forged.hash = event_hash(forged, forged.prev_hash)
    forged.save()
    result = verify()
    assert not result.ok and result.bad_seq == 5


def test_cli_exit_code(history: list[Event], tmp_path: Any) -> None:
    """The real command exits non-zero on a broken chain."""
    Event.objects.filter(seq=2).update(action="answer")
    with pytest.raises(CommandError) as info:
        run_verify()
    assert "#2" in str(info.value)
