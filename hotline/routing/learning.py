"""Learning from dispatchers (历史改派经验).

Two kinds of lessons are written by ``learn_from``, a follower of every ticket change
that runs after the action committed (``tickets.followers``):

* an **override**: the dispatcher sent the ticket to another unit than the top
  suggestion — the chosen unit gets +1 for (topic, place), the suggested one −1;
* an **accepted return**: a unit returned the ticket (退单) and the centre re-dispatched
  it (``rule_return`` with decision ``redispatch``) — the returning unit gets −1, the new
  lead +1.

Lessons are summed per (topic, township) and (topic, county) and turned into a bounded
score adjustment (``adjustments``), so a few consistent corrections move a unit to the
top while one stray choice does not outweigh the catalogue for ever.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Sum

from hotline.db import write_transaction
from hotline.routing.cache import Cached
from hotline.routing.models import FeedbackKind, RoutingFeedback, SuggestionRecord
from hotline.tickets.followers import TicketChange

log = logging.getLogger(__name__)

MAX_ADJUST = 0.3
SCALE = 1.5  # net lessons at which the adjustment reaches ~76 % of MAX_ADJUST
COUNTY_WEIGHT = 0.5  # lessons learned elsewhere in the county count half


@dataclass
class Preferences:
    by_township: dict[tuple[str, int], dict[int, float]]
    by_county: dict[tuple[str, int], dict[int, float]]
    by_topic: dict[str, dict[int, float]]

    def adjustments(self, topic: str, township_id: int | None, county_id: int | None) -> dict[int, float]:
        """Unit id → score adjustment in [−MAX_ADJUST, MAX_ADJUST] for this matter and place."""
        net: dict[int, float] = {}
        if township_id is not None:
            for unit_id, w in self.by_township.get((topic, township_id), {}).items():
                net[unit_id] = net.get(unit_id, 0.0) + w
        if county_id is not None:
            for unit_id, w in self.by_county.get((topic, county_id), {}).items():
                net[unit_id] = net.get(unit_id, 0.0) + COUNTY_WEIGHT * w
        if township_id is None and county_id is None:
            for unit_id, w in self.by_topic.get(topic, {}).items():
                net[unit_id] = net.get(unit_id, 0.0) + COUNTY_WEIGHT * w
        return {u: MAX_ADJUST * math.tanh(w / SCALE) for u, w in net.items() if abs(w) > 1e-9}


def _build() -> Preferences:
    by_township: dict[tuple[str, int], dict[int, float]] = {}
    by_county: dict[tuple[str, int], dict[int, float]] = {}
    by_topic: dict[str, dict[int, float]] = {}
    rows = RoutingFeedback.objects.values("topic", "township_id", "county_id", "unit_id").annotate(
        w=Sum("weight")
    )
    for row in rows:
        topic, unit_id, w = row["topic"], row["unit_id"], float(row["w"] or 0.0)
        if row["township_id"] is not None:
            d = by_township.setdefault((topic, row["township_id"]), {})
            d[unit_id] = d.get(unit_id, 0.0) + w
        if row["county_id"] is not None:
            d = by_county.setdefault((topic, row["county_id"]), {})
            d[unit_id] = d.get(unit_id, 0.0) + w
        d = by_topic.setdefault(topic, {})
        d[unit_id] = d.get(unit_id, 0.0) + w
    return Preferences(by_township, by_county, by_topic)


def _stamp() -> object:
    return tuple(RoutingFeedback.objects.aggregate(n=Count("id"), m=Max("id")).values())


PREFERENCES: Cached[Preferences] = Cached(_build, _stamp, check_every=5.0, max_age=600.0)


def preferences() -> Preferences:
    return PREFERENCES.get()


# --- the receiver --------------------------------------------------------------------


def _unit_id(code: Any) -> int | None:
    from hotline.routing.index import unit_index

    info = unit_index().by_code.get(str(code or ""))
    if info is not None:
        return info.id
    from hotline.org.models import Unit

    return Unit.objects.filter(code=str(code or "")).values_list("id", flat=True).first()


def _lessons(ticket: Any, kind: str, good: int | None, bad: int | None) -> None:
    record = SuggestionRecord.objects.filter(ticket_id=ticket.pk).first()
    if record is not None and record.topic == ticket.topic:
        township_id, county_id = record.township_id, record.county_id
    else:
        from hotline.routing.suggest import resolve_for

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
    # engine would have said (a read-only suggestion, nothing stored).
    from hotline.routing.suggest import suggest

    top = suggest(ticket, record=False).lead
    return top.unit.id if top is not None else None


def learn_from(change: TicketChange) -> None:
    """Remember overrides and accepted returns. Runs after the action committed; a
    failure is logged by the followers' runner and never touches the dispatch."""
    if change.action not in ("dispatch", "rule_return"):
        return
    with write_transaction():
        _learn(change.ticket, change.action, change.event.payload or {}, change.actor)


def _learn(ticket: Any, action: str, payload: dict[str, Any], actor: Any) -> None:
    if action == "dispatch":
        if getattr(actor, "is_system", False):
            return  # our own auto-dispatch: nothing to learn
        chosen = _unit_id(payload.get("lead_unit"))
        suggested = _top_suggested(ticket)
        if chosen is not None and suggested is not None and chosen != suggested:
            _lessons(ticket, FeedbackKind.OVERRIDE, chosen, suggested)
    elif payload.get("decision") == "redispatch":
        chosen = _unit_id(payload.get("lead_unit"))
        returned = _unit_id(payload.get("returned_by")) if payload.get("returned_by") else None
        if chosen is not None and chosen != returned:
            _lessons(ticket, FeedbackKind.RETURN, chosen, returned)
