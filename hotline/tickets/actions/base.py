"""The machinery every lifecycle action shares: lock, check, change, record, follow.

``perform`` is the only place that saves a ticket after it exists. It takes the row
lock, refuses what the actor's role, data scope or the ticket's state do not allow,
runs the action's change, bumps the version (a remark such as a rating leaves the
row as it is), appends the action's one event and runs
the followers of the change (``tickets.followers``) — all in one transaction, so a
refusal leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from hotline import clock
from hotline.audit.models import Event
from hotline.audit.record import record
from hotline.db import write_transaction
from hotline.errors import Conflict, Forbidden
from hotline.org.actor import Actor
from hotline.org.scope import DataScope
from hotline.sla import deadlines
from hotline.tickets import commitment
from hotline.tickets.commitment import state_digest
from hotline.tickets.followers import TicketChange, follow
from hotline.tickets.lifecycle import STATE_LABELS, TRANSITIONS, allowed_actions, check_target
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.selectors import missing_ticket


def ticket_visible(ticket: Ticket, scope: DataScope) -> bool:
    """Whether a ticket lies in a scope: some unit that holds or held it is in the scope."""
    if scope.everything:
        return True
    return Assignment.objects.filter(ticket=ticket, unit_path__startswith=scope.unit_path).exists()


def may_see(ticket: Ticket, actor: Actor) -> bool:
    """Whether ``actor`` may act on ``ticket`` at all: the platform itself, a user whose
    scope holds it, a citizen whose own ticket it is."""
    return actor.is_system or ticket_visible(ticket, actor.scope) or actor.own_ticket == ticket.number


def check_role(action: str, actor: Actor) -> None:
    """403 for a role ``action`` does not allow. Ask it only of a ticket the actor may
    see (``may_see``): asked first, it would tell that a ticket outside the scope exists."""
    transition = TRANSITIONS[action]
    if not actor.is_system and actor.role not in transition.roles:
        raise Forbidden(f"角色「{actor.role_label}」无权执行「{transition.label}」")


Change = Callable[[Ticket, Actor, datetime], dict[str, Any] | None]


def perform(
    action: str,
    number: str,
    actor: Actor,
    change: Change,
    *,
    expected_version: int | None = None,
) -> Ticket:
    """Run one lifecycle action on the ticket ``number`` and record its event.

    ``change`` receives the row-locked ticket and mutates it (and its assignments);
    it returns the event payload. It may raise any ``ActionError`` to refuse.
    """
    transition = TRANSITIONS[action]
    with write_transaction():
        ticket = Ticket.objects.select_for_update().filter(number=number).first()
        # The scope before the role: outside it the ticket is missing, whoever asks.
        if ticket is None or not may_see(ticket, actor):
            raise missing_ticket(number)
        check_role(action, actor)
        if ticket.state not in transition.sources:
            raise Conflict(
                f"工单当前状态为「{STATE_LABELS.get(ticket.state, ticket.state)}」,不能执行「{transition.label}」",
                code="invalid_state",
                state=ticket.state,
                allowed_actions=allowed_actions(ticket.state),
            )
        if expected_version is not None and expected_version != ticket.version:
            raise Conflict("工单已被他人更新,请刷新后再操作", code="stale", version=ticket.version)
        now = clock.now()
        _record_drift(ticket, actor, now)
        from_state = ticket.state
        payload = change(ticket, actor, now) or {}
        check_target(action, ticket.state, from_state)
        if not transition.remark:
            deadlines.on_action(ticket, action, from_state, now, payload)
            ticket.version += 1
            ticket.updated_at = now
            ticket.save()
        _record_and_follow(ticket, action, actor, from_state, payload, now)
    return ticket


def _record_drift(ticket: Ticket, actor: Actor, now: datetime) -> None:
    """Record, before the change seals them, rows of ``ticket`` that were changed since
    its last event without an action (``tickets.commitment.drift``). The action goes
    on: the citizen's matter must not stall, and the trace now says what was found."""
    found = commitment.drift(ticket)
    if found is not None:
        record(
            action=commitment.STATE_DRIFT,
            ticket=ticket,
            actor=actor,
            from_state=ticket.state,
            to_state=ticket.state,
            payload={"since": found.seq, "parts": list(found.parts)},
            at=now,
        )


def _record_and_follow(
    ticket: Ticket, action: str, actor: Actor, from_state: str, payload: dict[str, Any], now: datetime
) -> Event:
    """Append the change's event to the audit chain, with its commitment to the state the
    change leaves behind (``tickets.commitment``), then run the change's followers."""
    event = record(
        action=action,
        ticket=ticket,
        actor=actor,
        from_state=from_state,
        to_state=ticket.state,
        payload=payload,
        at=now,
        state_digest=state_digest(ticket),
    )
    follow(TicketChange(ticket=ticket, action=action, from_state=from_state, event=event, actor=actor))
    return event


def record_on(ticket: Ticket, action: str, actor: Actor, payload: dict[str, Any]) -> Event:
    """Record a fact about ``ticket`` that another action caused and that leaves its
    state as it is (e.g. ``merged_in``: a repeat's contacts joined it), and run its
    followers. Precondition: inside that action's transaction, ``ticket`` row-locked."""
    now = clock.now()
    ticket.version += 1
    ticket.updated_at = now
    ticket.save(update_fields=["version", "updated_at"])
    return _record_and_follow(ticket, action, actor, ticket.state, payload, now)


def require_unit_share(ticket: Ticket, actor: Actor, *, lead_only: bool = False) -> Assignment:
    """The actor's unit's active share in the ticket, or a 403 saying why not."""
    if actor.unit is None:
        raise Forbidden("您未隶属任何单位,不能办理工单")
    shares = list(ticket.assignments.filter(active=True, unit=actor.unit).order_by("id"))
    if lead_only:
        shares = [a for a in shares if a.role == "lead"]
    if not shares:
        raise Forbidden(f"「{actor.unit.name}」不是该工单的{'主办' if lead_only else '承办'}单位")
    # A unit holding the ticket as lead and assist at once acts as lead.
    shares.sort(key=lambda a: a.role != "lead")
    return shares[0]
