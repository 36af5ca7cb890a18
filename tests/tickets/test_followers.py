"""The followers of a ticket change: which run, when, and how a bulk replay defers them."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from hotline.analytics import rollups
from hotline.analytics.models import TicketFacts
from hotline.audit.models import Event
from hotline.errors import Forbidden
from hotline.org.actor import Actor
from hotline.sla.models import Notification
from hotline.tickets import actions, followers
from hotline.tickets.actions import NewContact, create_ticket
from hotline.tickets.followers import Follower, TicketChange

pytestmark = pytest.mark.django_db


def new(org: Any, text: str = "小区路灯不亮") -> str:
    ticket, _ = create_ticket(Actor.of(org.operator), NewContact(channel="phone", text=text))
    return ticket.number


def test_followers_are_listed_in_order_with_when_they_run() -> None:
    assert [(f.name, f.when) for f in followers.FOLLOWERS] == [
        ("rollups", "in_transaction"),
        ("notifications", "after_commit"),
        ("learning", "after_commit"),
        ("police_outbox", "in_transaction"),
        ("police_delivery", "after_commit"),
    ]


def test_after_commit_followers_wait_for_the_commit(org: Any, committed: Any) -> None:
    number = new(org)
    with committed():
        actions.dispatch(Actor.of(org.dispatcher), number, lead_unit="A-ZJ")
        # Until the commit nobody was told; the rollups were kept in the transaction.
        assert not Notification.objects.filter(ticket__number=number).exists()
        assert TicketFacts.objects.get(ticket__number=number).dispatched == 1
    assert Notification.objects.filter(user=org.a_housing_handler, ticket__number=number).exists()


def test_a_refused_action_sets_off_no_follower(org: Any, committed: Any) -> None:
    number = new(org)
    with committed() as callbacks, pytest.raises(Forbidden):
        actions.dispatch(Actor.of(org.operator), number, lead_unit="A-ZJ")  # not the dispatcher's
    assert callbacks == []
    assert TicketFacts.objects.get(ticket__number=number).dispatched == 0


def test_a_failing_after_commit_follower_leaves_the_action_and_the_others(
    org: Any, committed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []

    def broken(change: TicketChange) -> None:
        raise RuntimeError("an inbox outage")

    def witness(change: TicketChange) -> None:
        seen.append(change.action)

    # Two extra followers around the real ones: the runner's contract is under test.
    monkeypatch.setattr(
        followers,
        "FOLLOWERS",
        (
            Follower("broken", broken, "after_commit"),
            *followers.FOLLOWERS,
            Follower("witness", witness, "after_commit"),
        ),
    )
    with committed():
        number = new(org)
        ticket = actions.dispatch(Actor.of(org.dispatcher), number, lead_unit="A-ZJ")
    assert ticket.state == "dispatched"
    assert seen == ["create", "dispatch"]
    assert Notification.objects.filter(user=org.a_housing_handler, ticket__number=number).exists()


def test_replaying_defers_rollups_and_skips_notifications_then_catches_up(org: Any, committed: Any) -> None:
    with committed(), followers.replaying(skip=["notifications"], defer=["rollups"]):
        number = new(org)
        actions.dispatch(Actor.of(org.dispatcher), number, lead_unit="A-ZJ")
        assert not TicketFacts.objects.filter(ticket__number=number).exists()
    assert TicketFacts.objects.get(ticket__number=number).dispatched == 1  # rebuilt at the end
    assert not Notification.objects.exists()
    assert rollups.check()[1] == []


def test_replaying_catches_up_when_the_replay_fails_half_way(org: Any) -> None:
    with pytest.raises(RuntimeError), followers.replaying(defer=["rollups"]):
        number = new(org)
        raise RuntimeError("row 2 is broken")
    assert TicketFacts.objects.filter(ticket__number=number).exists()


def test_replaying_is_scoped_to_its_own_thread(org: Any) -> None:
    inside: list[frozenset[str]] = []

    def other_thread() -> None:
        inside.append(followers._left_out.get())

    with followers.replaying(skip=["notifications"]):
        assert followers._left_out.get() == {"notifications"}
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
    assert inside == [frozenset()]
    assert followers._left_out.get() == frozenset()


def test_replaying_refuses_unknown_or_undeferrable_followers() -> None:
    with pytest.raises(ValueError, match="unknown"), followers.replaying(skip=["rollup"]):
        pass
    with pytest.raises(ValueError, match="cannot be deferred"), followers.replaying(defer=["learning"]):
        pass


def test_merge_records_what_the_master_gained(org: Any) -> None:
    master, repeat = new(org), new(org, "小区路灯还是不亮")
    actions.merge(Actor.of(org.dispatcher), repeat, into=master)
    gained = Event.objects.get(ticket__number=master, action="merged_in")
    moved = Event.objects.get(ticket__number=repeat, action="merge").payload["contacts"]
    assert gained.payload == {"from": repeat, "contacts": moved}
    assert gained.from_state == gained.to_state == "accepted"
    assert TicketFacts.objects.get(ticket__number=master).repeat == 1
    assert rollups.check()[1] == []
