"""The dispatch queue's adapter to the routing engine (``hotline.routing.suggest``).

The queue shows a suggestion per ticket; if the engine fails for one ticket the queue
still renders (that ticket simply has no suggestion) — routing is advice, never a gate.
Suggestions shown in lists are not recorded (no ``record_suggestion``): routing's
learning judges a dispatch against a fresh read-only suggestion when none was stored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from hotline.org.scope import DataScope
from hotline.routing.suggest import suggest
from hotline.tickets.models import Ticket

log = logging.getLogger(__name__)


@dataclass
class UnitChoice:
    code: str
    name: str
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)


@dataclass
class Advice:
    leads: list[UnitChoice] = field(default_factory=list)
    assists: list[UnitChoice] = field(default_factory=list)
    confidence: float = 0.0
    notes: list[str] = field(default_factory=list)
    available: bool = True

    @property
    def lead(self) -> UnitChoice | None:
        return self.leads[0] if self.leads else None

    @property
    def confidence_pct(self) -> int:
        return round(self.confidence * 100)


def _choice(candidate: Any) -> UnitChoice:
    reasons = [str(r.get("text", "")) for r in candidate.reasons if isinstance(r, dict) and r.get("text")]
    return UnitChoice(
        code=candidate.unit.code, name=candidate.unit.name, score=float(candidate.score), reasons=reasons
    )


def advise(ticket: Ticket, scope: DataScope) -> Advice:
    """Ranked lead and assisting units for ``ticket``, limited to the dispatcher's scope."""
    try:
        s = suggest(ticket, scope=scope)
    except Exception:  # advice must never break the queue
        log.exception("routing suggestion failed for %s", ticket.number)
        return Advice(available=False, notes=["智能派单建议暂不可用"])
    return Advice(
        leads=[_choice(c) for c in s.leads],
        assists=[_choice(c) for c in s.assists],
        confidence=float(s.confidence),
        notes=list(s.notes),
    )
