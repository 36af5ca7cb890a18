"""Dispatch and the units' first answer: 派单, 签收, 退单, 退单审核, 下派."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline.errors import Conflict, Forbidden, InvalidInput
from hotline.org.actor import Actor
from hotline.org.models import Level, Unit
from hotline.tickets import events
from hotline.tickets.actions.base import perform, require_unit_share
from hotline.tickets.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    State,
    Ticket,
    TicketType,
    Urgency,
)


def _unit(code: str, field: str, actor: Actor, *, check_scope: bool = True) -> Unit:
    code = (code or "").strip()
    if not code:
        raise InvalidInput(field, "请指定单位")
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise InvalidInput(field, f"单位「{code}」不存在")
    if not unit.active:
        raise InvalidInput(field, f"单位「{unit.name}」已停用,不能派单")
    if unit.level == Level.CENTRE:
        raise InvalidInput(field, "不能派单给热线中心本身")
    if check_scope and not actor.is_system and not actor.scope.covers_unit(unit):
        raise Forbidden(f"单位「{unit.name}」不在您的数据范围内")
    return unit


def _units(lead: str, assist: list[str] | None, actor: Actor) -> tuple[Unit, list[Unit]]:
    lead_unit = _unit(lead, "lead_unit", actor)
    assisting: list[Unit] = []
    for i, code in enumerate(assist or []):
        unit = _unit(code, f"assist_units.{i}", actor)
        if unit.pk == lead_unit.pk:
            raise InvalidInput(f"assist_units.{i}", "协办单位不能与主办单位相同")
        if any(u.pk == unit.pk for u in assisting):
            raise InvalidInput(f"assist_units.{i}", f"协办单位「{unit.name}」重复")
        assisting.append(unit)
    return lead_unit, assisting


def _assign(
    ticket: Ticket, unit: Unit, role: str, now: datetime, parent: Assignment | None = None
) -> Assignment:
    return Assignment.objects.create(
        ticket=ticket, unit=unit, unit_path=unit.path, role=role, assigned_at=now, parent=parent
    )


def _withdraw_active(ticket: Ticket) -> None:
    ticket.assignments.filter(active=True).update(active=False, status=AssignmentStatus.WITHDRAWN)


def _send(ticket: Ticket, lead: Unit, assisting: list[Unit], now: datetime) -> None:
    _assign(ticket, lead, AssignmentRole.LEAD, now)
    for unit in assisting:
        _assign(ticket, unit, AssignmentRole.ASSIST, now)
    ticket.lead_unit = lead
    ticket.state = State.DISPATCHED
    # The clock starts at dispatch, not at sign-on: units gain nothing by signing late.
    ticket.dispatched_at = now


def dispatch(
    actor: Actor,
    number: str,
    *,
    lead_unit: str,
    assist_units: list[str] | None = None,
    type: str = "",
    topic: str = "",
    urgency: str = "",
    note: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """派单: point-to-point to one lead unit at any level, with optional assisting units."""
    if type and type not in TicketType.values:
        raise InvalidInput("type", f"「{type}」不是有效的诉求类型")
    if urgency and urgency not in Urgency.values:
        raise InvalidInput("urgency", f"「{urgency}」不是有效的紧急程度")

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        lead, assisting = _units(lead_unit, assist_units, actor)
        decided: dict[str, str] = {}
        for name, value in (("type", type), ("topic", topic.strip()), ("urgency", urgency)):
            if value and getattr(ticket, name) != value:
                decided[name] = value
                setattr(ticket, name, value)
        _send(ticket, lead, assisting, now)
        return events.dispatched(
            lead_unit=lead.code,
            lead_unit_name=lead.name,
            assist_units=[u.code for u in assisting],
            decided=decided,
            note=note.strip(),
        )

    return perform("dispatch", number, actor, change, expected_version=expected_version)


def sign(actor: Actor, number: str, *, expected_version: int | None = None) -> Ticket:
    """签收: the unit takes the ticket on. Exactly one of two concurrent signs wins."""

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        share = require_unit_share(ticket, actor)
        if share.status != AssignmentStatus.PENDING:
            raise Conflict(f"「{share.unit.name}」已签收该工单", code="already_signed")
        if share.role == AssignmentRole.LEAD and ticket.state != State.DISPATCHED:
            raise Conflict("工单不在待签收状态", code="invalid_state")
        share.status = AssignmentStatus.SIGNED
        share.signed_at = now
        share.save(update_fields=["status", "signed_at"])
        if share.role == AssignmentRole.LEAD:
            ticket.state = State.HANDLING
        return events.signed(unit=share.unit.code, share=share.role)

    return perform("sign", number, actor, change, expected_version=expected_version)


def return_ticket(actor: Actor, number: str, *, reason: str, expected_version: int | None = None) -> Ticket:
    """退单: the unit says the ticket is not its matter, with a reason.

    A unit that received the ticket by sub-dispatch returns it to the unit above it,
    which handles it again; a unit dispatched by the centre returns it to the centre.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason", "请填写退单理由")

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        share = require_unit_share(ticket, actor)
        if share.status not in (AssignmentStatus.PENDING, AssignmentStatus.SIGNED):
            raise Conflict("该单位的承办任务已结束,不能退单", code="invalid_state")
        share.status = AssignmentStatus.RETURNED
        share.active = False
        share.save(update_fields=["status", "active"])
        back_to = ""
        if share.role == AssignmentRole.LEAD:
            parent = share.parent
            if parent is not None:
                parent.status = AssignmentStatus.SIGNED
                parent.active = True
                parent.save(update_fields=["status", "active"])
                ticket.lead_unit = parent.unit
                ticket.state = State.HANDLING
                back_to = parent.unit.code
            else:
                ticket.state = State.RETURNED
        return events.returned(reason=reason, unit=share.unit.code, share=share.role, back_to=back_to)

    return perform("return", number, actor, change, expected_version=expected_version)


def rule_return(
    actor: Actor,
    number: str,
    *,
    decision: str,
    lead_unit: str = "",
    assist_units: list[str] | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """退单审核: the centre re-dispatches the returned ticket, or overrules the return
    and sends it back to the unit that returned it."""
    if decision not in events.DECISIONS:
        raise InvalidInput("decision", "decision 须为 redispatch(改派)或 overrule(驳回退单)")
    if decision == events.OVERRULE and not (reason or "").strip():
        raise InvalidInput("reason", "驳回退单须填写理由")

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        returned = (
            ticket.assignments.filter(role=AssignmentRole.LEAD, status=AssignmentStatus.RETURNED)
            .order_by("-id")
            .first()
        )
        if decision == events.REDISPATCH:
            lead, assisting = _units(lead_unit, assist_units, actor)
            _withdraw_active(ticket)
            _send(ticket, lead, assisting, now)
            return events.return_redispatched(
                lead_unit=lead.code,
                lead_unit_name=lead.name,
                assist_units=[u.code for u in assisting],
                returned_by=returned.unit.code if returned is not None else "",
            )
        if returned is None:
            raise Conflict("找不到被退回的承办记录", code="invalid_state")
        returned.active = True
        had_signed = returned.signed_at is not None
        returned.status = AssignmentStatus.SIGNED if had_signed else AssignmentStatus.PENDING
        returned.save(update_fields=["active", "status"])
        ticket.lead_unit = returned.unit
        ticket.state = State.HANDLING if had_signed else State.DISPATCHED
        return events.return_overruled(reason=reason.strip(), unit=returned.unit.code)

    return perform("rule_return", number, actor, change, expected_version=expected_version)


def subdispatch(
    actor: Actor, number: str, *, unit: str, note: str = "", expected_version: int | None = None
) -> Ticket:
    """下派: a unit passes the ticket to a unit below it (e.g. county → township)."""

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        share = require_unit_share(ticket, actor, lead_only=True)
        # "Below the current unit" is the rule here, and it implies the actor's scope.
        target = _unit(unit, "unit", actor, check_scope=False)
        if not target.is_below(share.unit):
            raise InvalidInput("unit", f"「{target.name}」不是「{share.unit.name}」的下级单位")
        share.status = AssignmentStatus.PASSED_DOWN
        share.active = False
        share.save(update_fields=["status", "active"])
        _assign(ticket, target, AssignmentRole.LEAD, now, parent=share)
        ticket.lead_unit = target
        ticket.state = State.DISPATCHED
        return events.subdispatched(
            from_unit=share.unit.code, unit=target.code, unit_name=target.name, note=note.strip()
        )

    return perform("subdispatch", number, actor, change, expected_version=expected_version)
