"""The machinery every lifecycle action shares: who acts, lock, check, change, record.

``perform`` is the only place that saves a ticket after it exists. It takes the row
lock, refuses what the actor's role, data scope or the ticket's state do not allow,
runs the action's change, bumps the version and appends the action's one event — all
in one transaction, so a refusal leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hotline import clock
from hotline.audit import chain
from hotline.audit.models import Event
from hotline.db import write_transaction
from hotline.org.models import Role, Unit, User
from hotline.org.scope import DataScope
from hotline.sla import clock as sla_clock
from hotline.tickets.errors import Conflict, Forbidden, NotFound
from hotline.tickets.lifecycle import TRANSITIONS, allowed_actions, check_target
from hotline.tickets.models import Assignment, State, Ticket
from hotline.tickets.signals import ticket_changed

SYSTEM_ROLE = "system"
CITIZEN_ROLE = "citizen"
ROLE_LABELS = dict(Role.choices) | {SYSTEM_ROLE: "系统", CITIZEN_ROLE: "市民"}
STATE_LABELS = dict(State.choices)


@dataclass(frozen=True)
class Actor:
    """Who performs an action: a user, the platform itself (sweep), or a citizen."""

    user: User | None
    role: str
    unit: Unit | None
    scope: DataScope = field(compare=False)

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user=user, role=user.role, unit=user.unit, scope=DataScope.of(user))

    @classmethod
    def system(cls) -> Actor:
        return cls(user=None, role=SYSTEM_ROLE, unit=None, scope=DataScope(everything=True))

    @classmethod
    def citizen(cls) -> Actor:
        return cls(
            user=None, role=CITIZEN_ROLE, unit=None, scope=DataScope(everything=False, unit_path="\x00")
        )

    @property
    def is_system(self) -> bool:
        return self.role == SYSTEM_ROLE

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


def ticket_visible(ticket: Ticket, scope: DataScope) -> bool:
    """Whether a ticket lies in a scope: some unit that holds or held it is in the scope."""
    if scope.everything:
        return True
    return Assignment.objects.filter(ticket=ticket, unit_path__startswith=scope.unit_path).exists()


def record(
    *,
    action: str,
    ticket: Ticket | None,
    actor: Actor,
    from_state: str = "",
    to_state: str = "",
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Event:
    """Append the event of an act; for ticket lifecycle acts, tell the receivers."""
    event = chain.append(
        action=action,
        ticket=ticket,
        actor=actor.user,
        actor_role=actor.role,
        actor_unit=actor.unit,
        from_state=from_state,
        to_state=to_state,
        payload=payload,
        at=at,
    )
    if ticket is not None and (action in TRANSITIONS or action == "create"):
        ticket_changed.send(
            sender=Ticket, ticket=ticket, action=action, from_state=from_state, event=event, actor=actor
        )
    return event


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
        if ticket is None:
            raise NotFound(f"工单 {number} 不存在")
        if not actor.is_system:
            if actor.role not in transition.roles:
                raise Forbidden(f"角色「{actor.role_label}」无权执行「{transition.label}」")
            if not ticket_visible(ticket, actor.scope):
                raise Forbidden(f"工单 {number} 不在您的数据范围内")
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
        from_state = ticket.state
        payload = change(ticket, actor, now) or {}
        check_target(action, ticket.state, from_state)
        sla_clock.on_action(ticket, action, from_state, now, payload)
        ticket.version += 1
        ticket.updated_at = now
        ticket.save()
        record(
            action=action,
            ticket=ticket,
            actor=actor,
            from_state=from_state,
            to_state=ticket.state,
            payload=payload,
            at=now,
        )
    return ticket


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
