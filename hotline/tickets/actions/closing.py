"""Closing the loop: 回访 (callback) and 归档 (archive)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline.errors import InvalidInput
from hotline.org.actor import Actor
from hotline.tickets import events
from hotline.tickets.actions.base import perform
from hotline.tickets.actions.handling import _reopen_lead
from hotline.tickets.models import ArchiveReason, Satisfaction, State, Ticket

SATISFACTION = dict(Satisfaction.choices)


def callback(
    actor: Actor,
    number: str,
    *,
    reached: bool = True,
    satisfaction: str = "",
    resolved: bool | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """回访: satisfied → archived; dissatisfied → 重办 (back to the lead unit's handling,
    or back to dispatch when the centre answered it itself); not reached → one attempt."""
    if reached:
        if satisfaction not in SATISFACTION:
            raise InvalidInput("satisfaction", f"满意度须为:{', '.join(SATISFACTION)}")
        if resolved is None:
            raise InvalidInput("resolved", "请填写诉求是否解决")

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        said = (note or "").strip()
        if not reached:
            return events.called_back(reached=False, note=said)
        ticket.satisfaction = satisfaction
        ticket.resolved = bool(resolved)
        rehandle = None
        if satisfaction == "dissatisfied":
            ticket.rehandle_count += 1
            rehandle = ticket.rehandle_count
            if ticket.lead_unit_id:
                _reopen_lead(ticket)
            else:
                ticket.state = State.ACCEPTED
                ticket.closed_at = None
        else:
            ticket.state = State.ARCHIVED
        return events.called_back(
            reached=True, note=said, satisfaction=satisfaction, resolved=bool(resolved), rehandle=rehandle
        )

    return perform("callback", number, actor, change, expected_version=expected_version)


def archive(
    actor: Actor, number: str, *, reason: str, note: str = "", expected_version: int | None = None
) -> Ticket:
    """归档 without a satisfied callback: the citizen could not be reached or declined."""
    if reason not in ArchiveReason.values:
        raise InvalidInput("reason", f"归档原因须为:{', '.join(ArchiveReason.values)}")

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        ticket.state = State.ARCHIVED
        return events.archived(reason=reason, note=(note or "").strip())

    return perform("archive", number, actor, change, expected_version=expected_version)
