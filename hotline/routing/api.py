"""API: dispatch suggestions for a ticket, within the caller's data scope.

Mounted under /api/v1 (``api.add_router("/", hotline.routing.api.router)``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from hotline.org.models import User
from hotline.org.scope import DataScope
from hotline.routing.auto import auto_dispatch_threshold, eligible
from hotline.routing.suggest import record_suggestion, suggest
from hotline.tickets.schemas import UnitRef
from hotline.tickets.selectors import get_ticket

router = Router(tags=["智能派单"])


class Reason(Schema):
    kind: str
    text: str
    delta: float | None = None


class CandidateOut(Schema):
    unit: UnitRef
    score: float
    reasons: list[Reason]


class PlaceOut(Schema):
    village: UnitRef | None
    township: UnitRef | None
    county: UnitRef | None
    cross_county: bool
    certainty: float
    source: str
    reasons: list[str]


class SuggestionOut(Schema):
    number: str
    topic: str
    lead: CandidateOut | None
    leads: list[CandidateOut]
    assists: list[CandidateOut]
    confidence: float
    place: PlaceOut
    notes: list[str]
    auto_dispatch_threshold: float | None
    auto_dispatch_eligible: bool


@router.get("/tickets/{number}/suggestions", response=SuggestionOut, summary="派单建议(主办、协办及理由)")
def suggestions(request: HttpRequest, number: str) -> dict[str, Any]:
    user: User = request.auth  # type: ignore[attr-defined]
    scope = DataScope.of(user)
    ticket = get_ticket(scope, number)  # 404 outside the caller's scope
    result = suggest(ticket, scope=scope)
    if scope.everything:  # what a dispatcher was shown: a later choice of another unit is an override
        record_suggestion(ticket, result)
    return {
        "number": ticket.number,
        **result.to_dict(),
        "auto_dispatch_threshold": auto_dispatch_threshold(),
        "auto_dispatch_eligible": not eligible(ticket),
    }
