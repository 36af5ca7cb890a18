"""The one way a citizen's request enters the platform, whatever the channel.

The API, the operator's intake page and the citizens' portal call ``take_in``; so will
every channel adapter (Open311, SMS, WeChat, 110). It

1. creates the ticket (``actions.create_ticket``: validation, triage as advice, the
   number, the ticket, its first contact, its event and followers) — and, in the same
   transaction, the caller's ``first_step`` when it has one (the operator's on-the-spot
   decision, the portal's photo), so a refused decision leaves no ticket behind. With
   it goes routing's suggestion, made before the write (a pure read) and recorded in
   the same transaction;
2. then, once that has committed, offers the ticket to routing's auto-dispatch (advice)
   on that suggestion.

Advice never fails an intake: a triage failure leaves a ticket without suggestions that
says so (``triage["skipped"]``), and an auto-dispatch failure is logged and recorded on
the ticket as an ``advice_skipped`` event, so the dispatcher sees why it waits for them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from hotline.db import write_transaction
from hotline.org.actor import Actor
from hotline.routing.auto import advise, maybe_auto_dispatch
from hotline.routing.models import SuggestionRecord
from hotline.routing.suggest import Suggestion, first_record, record_first_suggestion
from hotline.tickets import events
from hotline.tickets.actions import NewContact, create_ticket
from hotline.tickets.actions.base import record_on
from hotline.tickets.models import Ticket

log = logging.getLogger(__name__)

AUTO_DISPATCH_SKIPPED = "自动派单未执行(智能派单出错),请人工派单"


@dataclass(frozen=True)
class Intake:
    ticket: Ticket
    created: bool  # False: an idempotency key replayed an earlier request


def take_in(
    actor: Actor,
    contact: NewContact,
    *,
    first_step: Callable[[Ticket], Ticket | None] | None = None,
) -> Intake:
    """Accept ``contact`` as a new ticket (or return the one its idempotency key made).

    ``first_step`` runs on the new ticket inside the creation's transaction; it may raise
    an ``ActionError`` to refuse, and then nothing is created. After commit, a new ticket
    is offered to auto-dispatch."""
    advice = _RoutingAdvice()
    if first_step is None:
        # No outer transaction: on PostgreSQL creation holds the day's number counter for
        # one statement only, so concurrent intakes do not queue behind each other.
        ticket, created = create_ticket(actor, contact, advise=advice.read)
    else:
        with write_transaction():
            ticket, created = create_ticket(actor, contact, advise=advice.read)
            if created:
                ticket = first_step(ticket) or ticket
    if created:
        # A ticket the first step already decided (answered, rejected …) is no longer
        # eligible: auto-dispatch takes only accepted tickets.
        ticket = _offer_to_auto_dispatch(ticket, advice)
    return Intake(ticket=ticket, created=created)


@dataclass
class _RoutingAdvice:
    """Routing's suggestion for a new ticket: made before the ticket is written (a pure
    read, outside the writers' queue), recorded in the ticket's own transaction, and
    the one auto-dispatch then decides on. A failure is kept to be said on the ticket."""

    suggestion: Suggestion | None = None
    record: SuggestionRecord | None = None
    failure: Exception | None = None

    def read(self, ticket: Ticket) -> Callable[[Ticket], None] | None:
        try:
            self.suggestion = advise(ticket)
            self.record = first_record(self.suggestion) if self.suggestion is not None else None
        except Exception as exc:  # advice: the ticket is accepted whatever routing does
            log.exception("routing advice for a new ticket failed; it waits for a dispatcher")
            self.suggestion, self.failure = None, exc
        return self._store if self.record is not None else None

    def _store(self, ticket: Ticket) -> None:
        # Everything that could fail was done in ``read``: what is left is one insert of
        # values already built, which fails only if the transaction itself does.
        assert self.record is not None
        record_first_suggestion(ticket, self.record)


def _offer_to_auto_dispatch(ticket: Ticket, advice: _RoutingAdvice) -> Ticket:
    if advice.failure is not None:  # already logged where it happened
        return _advice_skipped(ticket, advice.failure)
    if advice.suggestion is None:
        return ticket
    try:
        return maybe_auto_dispatch(ticket, advice.suggestion) or ticket
    except Exception as exc:  # advice: the ticket is accepted whatever routing does
        log.exception("auto-dispatch of %s failed; it waits for a dispatcher", ticket.number)
        return _advice_skipped(ticket, exc)


def _advice_skipped(ticket: Ticket, exc: Exception) -> Ticket:
    """Say on the ticket that auto-dispatch did not run, so the dispatcher knows why."""
    with write_transaction():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        record_on(
            locked,
            "advice_skipped",
            Actor.system(),
            events.advice_skipped(
                advice="auto_dispatch", note=AUTO_DISPATCH_SKIPPED, error=type(exc).__name__
            ),
        )
    return locked
