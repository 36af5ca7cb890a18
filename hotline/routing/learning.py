"""Learning from dispatchers (历史改派经验).

Two kinds of lessons are written by ``learn_from``, a follower of every ticket change
that runs after the action committed (``tickets.followers``):

* an **override**: the dispatcher sent the ticket to another unit than the top
  suggestion — the chosen unit gets +1 for (topic, place), the suggested one −1;
* an **accepted return**: a unit returned the ticket (退单) and the centre re-dispatched
  it (``rule_return`` with decision ``redispatch``) — the returning unit gets −1, the new
  lead +1.

Lessons are summed per (topic, township) and (topic, county) and turned into a bounded
score adjustment by ``routing.preferences``, so a few consistent corrections move a unit
to the top while one stray choice does not outweigh the catalogue for ever.

The "top suggestion" is the one recorded when the ticket was shown or auto-dispatched
(``SuggestionRecord``), else what ``suggest`` says now (a pure read).
"""

from __future__ import annotations

import logging
from typing import Any

from hotline.db import write_transaction
from hotline.org.models import Unit
from hotline.routing.index import unit_index
from hotline.routing.models import FeedbackKind, RoutingFeedback, SuggestionRecord
from hotline.routing.preferences import PREFERENCES
from hotline.routing.suggest import resolve_for, suggest
from hotline.tickets import events
from hotline.tickets.followers import TicketChange

log = logging.getLogger(__name__)


def _unit_id(code: Any) -> int | None:
    info = unit_index().by_code.get(str(code or ""))
    if info is not None:
        return info.id
    return Unit.objects.filter(code=str(code or "")).values_list("id", flat=True).first()


def _lessons(ticket: Any, kind: str, good: int | None, bad: int | None) -> None:
    record = SuggestionRecord.objects.filter(ticket_id=ticket.pk).first()
    if record is not None and record.topic == ticket.topic:
        township_id, county_id = record.township_id, record.county_id
    else:
        place = resolve_for(ticket)
        township_id = place.township.id if place.township else None
        county_id = place.county.id if place.county else None
    rows = [
        RoutingFeedback(
            ticket_id=ticket.pk,
            kind=kind,
            topic=ticket.topic or "",
            township_id=township_id,
            county_id=county_id,
            unit_id=unit_id,
            weight=weight,
        )
        for unit_id, weight in ((good, 1.0), (bad, -1.0))
        if unit_id is not None
    ]
    if rows:
        RoutingFeedback.objects.bulk_create(rows)
        PREFERENCES.invalidate()


def _top_suggested(ticket: Any) -> int | None:
    record = SuggestionRecord.objects.filter(ticket_id=ticket.pk).first()
    if record is not None:
        return record.lead_unit_id_suggested
    # Nobody asked for a suggestion before dispatching: judge against what the
    # engine would have said.
    top = suggest(ticket).lead
    return top.unit.id if top is not None else None


def learn_from(change: TicketChange) -> None:
    """Remember overrides and accepted returns. Runs after the action committed; a
    failure is logged by the followers' runner and never touches the dispatch."""
    payload = change.event.payload or {}
    if not events.is_dispatch(change.action, payload):
        return  # only the centre's choice of a lead unit teaches anything
    with write_transaction():
        _learn(change.ticket, change.action, payload, change.actor)


def _learn(ticket: Any, action: str, payload: dict[str, Any], actor: Any) -> None:
    if action == "dispatch":
        if getattr(actor, "is_system", False):
            return  # our own auto-dispatch: nothing to learn
        chosen = _unit_id(events.dispatched_lead(action, payload))
        suggested = _top_suggested(ticket)
        if chosen is not None and suggested is not None and chosen != suggested:
            _lessons(ticket, FeedbackKind.OVERRIDE, chosen, suggested)
    else:  # a re-dispatch: the centre accepted a unit's return
        chosen = _unit_id(events.dispatched_lead(action, payload))
        returned_by = events.returned_by(action, payload)
        returned = _unit_id(returned_by) if returned_by else None
        if chosen is not None and chosen != returned:
            _lessons(ticket, FeedbackKind.RETURN, chosen, returned)
