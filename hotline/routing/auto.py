"""Auto-dispatch (智能派单): above a confidence threshold the platform dispatches itself.

The threshold comes from ``settings.HOTLINE_AUTO_DISPATCH_CONFIDENCE`` if set, else the
environment variable ``HOTLINE_AUTO_DISPATCH_CONFIDENCE``; default 0.85. ``0``, ``off``
or an empty value switch auto-dispatch off: every ticket then waits for a dispatcher.
"""

from __future__ import annotations

import logging
import os

from django.conf import settings

from hotline.errors import ActionError
from hotline.org.actor import Actor
from hotline.routing import suggest as suggesting
from hotline.tickets.actions.dispatch import dispatch
from hotline.tickets.models import State, Ticket, TicketType

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.85


def auto_dispatch_threshold() -> float | None:
    """The confidence at or above which tickets are dispatched automatically; None: off."""
    raw = getattr(settings, "HOTLINE_AUTO_DISPATCH_CONFIDENCE", None)
    if raw is None:
        raw = os.environ.get("HOTLINE_AUTO_DISPATCH_CONFIDENCE", str(DEFAULT_THRESHOLD))
    text = str(raw).strip().lower()
    if text in ("", "off", "false", "no", "none"):
        return None
    try:
        value = float(text)
    except ValueError:
        log.warning("HOTLINE_AUTO_DISPATCH_CONFIDENCE=%r is not a number; auto-dispatch off", raw)
        return None
    return value if value > 0 else None


def eligible(ticket: Ticket) -> str:
    """Why the ticket may not be auto-dispatched ("" when it may)."""
    triage = ticket.triage if isinstance(ticket.triage, dict) else {}
    if ticket.state != State.ACCEPTED:
        return "工单不在已受理状态"
    if not triage:
        return "无智能分析结果"
    if triage.get("valid") is not True:
        return "智能分析未确认为有效诉求"
    if triage.get("police") or ticket.type == TicketType.POLICE or triage.get("type") == TicketType.POLICE:
        return "警务类诉求须转110"
    return ""


def advise(ticket: Ticket) -> suggesting.Suggestion | None:
    """The suggestion auto-dispatch decides on, for a ticket saved or about to be: None
    when auto-dispatch is off or the ticket is not eligible. A pure read."""
    if auto_dispatch_threshold() is None or eligible(ticket):
        return None
    return suggesting.suggest(ticket)


def maybe_auto_dispatch(ticket: Ticket, advice: suggesting.Suggestion | None = None) -> Ticket | None:
    """Dispatch ``ticket`` as the platform itself if the suggestion is confident enough.

    Returns the dispatched ticket, or None when it stays for a dispatcher (threshold
    off or not reached, ticket not eligible, or the dispatch was refused). Call it after
    the ticket's creation has committed, with the ticket as it was written (it is not
    read back) and, when intake already made and recorded it, ``advise``'s suggestion;
    without one, the suggestion is made and recorded here. It never raises for a refusal.
    """
    threshold = auto_dispatch_threshold()
    if threshold is None:
        return None
    result = advice
    if result is None:
        result = advise(ticket)
        if result is None:
            return None
        suggesting.record_suggestion(ticket, result)  # remembered as any shown suggestion: learning reads it
    if result.lead is None or result.confidence < threshold:
        return None
    note = (
        f"智能派单(置信度{result.confidence:.2f}):"
        + ";".join(r["text"] for r in result.lead.reasons if r["kind"] in ("duty", "place", "learned"))[:300]
    )
    try:
        return dispatch(
            Actor.system(),
            ticket.number,
            lead_unit=result.lead.unit.code,
            assist_units=[c.unit.code for c in result.assists],
            note=note,
            expected_version=ticket.version,
        )
    except ActionError as exc:  # e.g. a dispatcher acted first: theirs stands
        log.info("auto-dispatch of %s refused: %s", ticket.number, exc.message)
        return None
