"""The followers of a ticket change: everything that happens because a ticket changed.

Every lifecycle action (``actions.base.perform``) and every new ticket
(``actions.intake.create_ticket``) ends, once its event is recorded, with one call to
``follow``. The followers are listed here, in the order they run, so a reader sees in one
place all that a change sets off:

1. **analytics rollups** — inside the action's transaction: the figures leaders see must
   commit and roll back with the trace they are counted from.
2. **notifications** (``sla.notify``) — after commit: telling the people who act next is
   a consequence of a change that happened, never part of one that was refused, and a
   gateway or inbox failure must not undo the action.
3. **routing learning** — after commit: a lesson from the dispatcher's choice is advice;
   it must never slow or fail a dispatch.
4. **110 outbox** (``channels.police``) — inside the action's transaction: a transfer to
   110 writes its hand-off, the end of a ticket 110 handed in (archived, rejected) its result,
   so a committed change always has its message and a rolled-back one none.
5. **110 delivery** — after commit: the message goes out at once; 110 unreachable, the
   worker retries it (``hotline worker``). 110's answer is new input, not part of the
   change: the link records it (``police_ack``) in a transaction of its own, after the
   change committed — the one follower that leads to an action, and never inside one.

After-commit followers run with ``transaction.on_commit(robust=True)``, once the SQLite
writers' queue is released (``db.after_writes``): an exception is logged and the next
follower still runs, and a slow gateway holds up no other writer. A follower never calls an action itself.

Bulk replays (demo history, imports of old tickets) call ``replaying`` to leave chosen
followers out for a block of code, or to defer one: it does not run per change, and its
``catch_up`` (e.g. a rebuild of the rollups) runs once when the block ends, also when
the block fails half-way, since what committed must be counted.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from django.db import transaction

from hotline.db import after_writes

if TYPE_CHECKING:
    from hotline.audit.models import Event
    from hotline.org.actor import Actor
    from hotline.tickets.models import Ticket


@dataclass(frozen=True)
class TicketChange:
    """One recorded change of a ticket, as every follower receives it."""

    ticket: Ticket  # saved, as it is after the change
    action: str  # "create" or a lifecycle action (``lifecycle.TRANSITIONS``)
    from_state: str
    event: Event  # the change's audit event (its payload says what changed)
    actor: Actor


@dataclass(frozen=True)
class Follower:
    name: str
    run: Callable[[TicketChange], None]
    when: Literal["in_transaction", "after_commit"]
    # What a deferred follower does once at the end of a replay, instead of per change.
    catch_up: Callable[[], object] | None = None


def _count_in_rollups(change: TicketChange) -> None:
    from hotline.analytics.rollups import count_change

    count_change(change)


def _rebuild_rollups() -> object:
    from hotline.analytics.rollups import rebuild

    return rebuild()


def _tell_next_actors(change: TicketChange) -> None:
    from hotline.sla.notify import tell_next_actors

    tell_next_actors(change)


def _learn_from_dispatch(change: TicketChange) -> None:
    from hotline.routing.learning import learn_from

    learn_from(change)


def _write_police_messages(change: TicketChange) -> None:
    from hotline.channels.police import write_messages

    write_messages(change)


def _send_police_messages(change: TicketChange) -> None:
    from hotline.channels.police import send_messages

    send_messages(change)


# The followers, in order. (The imports inside the small functions above keep the
# tickets app importable on its own: analytics, sla, routing and channels all import tickets.)
FOLLOWERS: tuple[Follower, ...] = (
    Follower("rollups", _count_in_rollups, "in_transaction", catch_up=_rebuild_rollups),
    Follower("notifications", _tell_next_actors, "after_commit"),
    Follower("learning", _learn_from_dispatch, "after_commit"),
    Follower("police_outbox", _write_police_messages, "in_transaction"),
    Follower("police_delivery", _send_police_messages, "after_commit"),
)
NAMES = frozenset(f.name for f in FOLLOWERS)

_left_out: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "followers_left_out", default=frozenset()
)


def left_out() -> frozenset[str]:
    """The followers the current replay leaves out or defers (``replaying``)."""
    return _left_out.get()


def follow(change: TicketChange) -> None:
    """Run the followers of ``change``. Call inside the action's transaction, right after
    its event is recorded."""
    left_out = _left_out.get()
    for follower in FOLLOWERS:
        if follower.name in left_out:
            continue
        if follower.when == "in_transaction":
            follower.run(change)
        else:
            transaction.on_commit(_bound(follower.run, change), robust=True)


def _bound(run: Callable[[TicketChange], None], change: TicketChange) -> Callable[[], None]:
    # Once committed, and once the SQLite writers' queue is free (``db.after_writes``).
    return lambda: after_writes(lambda: run(change))


@contextmanager
def replaying(*, skip: Iterable[str] = (), defer: Iterable[str] = ()) -> Iterator[None]:
    """Run a bulk replay without some followers (``skip``) or with some caught up once at
    the end (``defer``: the follower's ``catch_up`` runs when the block ends).

    Scoped to the calling context (thread or task), not the process: a replay in one
    thread never silences the followers of live actions in another."""
    skipped, deferred = frozenset(skip), frozenset(defer)
    unknown = (skipped | deferred) - NAMES
    if unknown:
        raise ValueError(f"unknown followers: {sorted(unknown)}")
    for follower in FOLLOWERS:
        if follower.name in deferred and follower.catch_up is None:
            raise ValueError(f"follower {follower.name} cannot be deferred: it has no catch-up")
    token = _left_out.set(_left_out.get() | skipped | deferred)
    try:
        yield
    finally:
        _left_out.reset(token)
        for follower in FOLLOWERS:
            if follower.name in deferred and follower.catch_up is not None:
                follower.catch_up()
