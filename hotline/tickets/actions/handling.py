"""Handling: extension and suspension (asked by the unit, decided by the centre),
urging and supervision, the result report and its review.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hotline.org.models import Role
from hotline.tickets.actions.base import Actor, perform, require_unit_share
from hotline.tickets.errors import Conflict, Forbidden, InvalidInput
from hotline.tickets.models import AssignmentRole, AssignmentStatus, State, Ticket

MAX_EXTENSION_DAYS = 30
DEADLINE_FIELDS = ("sign_deadline", "feedback_deadline", "resolve_deadline", "callback_deadline")


def _require_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason", f"请填写{what}理由")
    return reason


def _signed_lead(ticket: Ticket, actor: Actor) -> None:
    share = require_unit_share(ticket, actor, lead_only=True)
    if share.status != AssignmentStatus.SIGNED:
        raise Conflict("主办单位尚未签收", code="not_signed")


def _refresh_next_due(ticket: Ticket) -> None:
    due = [d for d in (getattr(ticket, f) for f in DEADLINE_FIELDS) if d is not None]
    ticket.next_due_at = min(due) if due and ticket.state not in (State.SUSPENDED,) else None


def request_extension(
    actor: Actor, number: str, *, days: int, reason: str, expected_version: int | None = None
) -> Ticket:
    """申请延期: asked by the lead unit before the deadline; the centre decides."""
    reason = _require_reason(reason, "延期")
    if not isinstance(days, int) or days < 1 or days > MAX_EXTENSION_DAYS:
        raise InvalidInput("days", f"延期天数须在 1 到 {MAX_EXTENSION_DAYS} 之间")

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        _signed_lead(ticket, actor)
        if ticket.pending_request:
            raise Conflict("已有待审批的申请", code="request_pending", pending=ticket.pending_request)
        if ticket.resolve_deadline is not None and now > ticket.resolve_deadline:
            raise Conflict("已超过办结时限,不能再申请延期", code="deadline_passed")
        ticket.pending_request = {"kind": "extension", "days": days, "reason": reason, "at": now.isoformat()}
        return {"days": days, "reason": reason}

    return perform("request_extension", number, actor, change, expected_version=expected_version)


def decide_extension(
    actor: Actor,
    number: str,
    *,
    approve: bool,
    note: str = "",
    days: int | None = None,
    expected_version: int | None = None,
) -> Ticket:
    """延期审批: approving moves the resolution deadline; refusing leaves it."""

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        pending = ticket.pending_request or {}
        if pending.get("kind") != "extension":
            raise Conflict("没有待审批的延期申请", code="no_request")
        granted = pending["days"] if days is None else days
        if approve and (not isinstance(granted, int) or granted < 1 or granted > MAX_EXTENSION_DAYS):
            raise InvalidInput("days", f"批准的延期天数须在 1 到 {MAX_EXTENSION_DAYS} 之间")
        ticket.pending_request = {}
        payload: dict[str, Any] = {"approve": bool(approve), "note": note.strip()}
        if approve:
            payload["days"] = granted
            if ticket.resolve_deadline is not None:
                ticket.resolve_deadline = ticket.resolve_deadline + timedelta(days=granted)
                payload["resolve_deadline"] = ticket.resolve_deadline.isoformat()
                _refresh_next_due(ticket)
        return payload

    return perform("decide_extension", number, actor, change, expected_version=expected_version)


def _freeze(ticket: Ticket, now: datetime) -> None:
    ticket.state = State.SUSPENDED
    ticket.suspended_at = now
    _refresh_next_due(ticket)


def suspend(actor: Actor, number: str, *, reason: str, expected_version: int | None = None) -> Ticket:
    """挂起: a handler asks (the centre approves); a dispatcher suspends directly.
    While suspended the deadline clock is frozen."""
    reason = _require_reason(reason, "挂起")

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        if ticket.pending_request:
            raise Conflict("已有待审批的申请", code="request_pending", pending=ticket.pending_request)
        if actor.role == Role.DISPATCHER:
            _freeze(ticket, now)
            return {"reason": reason, "direct": True}
        _signed_lead(ticket, actor)
        ticket.pending_request = {"kind": "suspension", "reason": reason, "at": now.isoformat()}
        return {"reason": reason, "requested": True}

    return perform("suspend", number, actor, change, expected_version=expected_version)


def decide_suspension(
    actor: Actor, number: str, *, approve: bool, note: str = "", expected_version: int | None = None
) -> Ticket:
    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        if (ticket.pending_request or {}).get("kind") != "suspension":
            raise Conflict("没有待审批的挂起申请", code="no_request")
        reason = ticket.pending_request.get("reason", "")
        ticket.pending_request = {}
        if approve:
            _freeze(ticket, now)
        return {"approve": bool(approve), "reason": reason, "note": note.strip()}

    return perform("decide_suspension", number, actor, change, expected_version=expected_version)


def resume(actor: Actor, number: str, *, note: str = "", expected_version: int | None = None) -> Ticket:
    """恢复办理: the clock runs again; every open deadline moves by the frozen time."""

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        if actor.role == Role.HANDLER:
            _signed_lead(ticket, actor)
        frozen = now - ticket.suspended_at if ticket.suspended_at else timedelta(0)
        for field in DEADLINE_FIELDS:
            value = getattr(ticket, field)
            if value is not None:
                setattr(ticket, field, value + frozen)
        ticket.state = State.HANDLING
        ticket.suspended_at = None
        _refresh_next_due(ticket)
        return {"frozen_seconds": int(frozen.total_seconds()), "note": note.strip()}

    return perform("resume", number, actor, change, expected_version=expected_version)


def _escalate(level: str, actor: Actor, number: str, note: str, expected_version: int | None) -> Ticket:
    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        if level == "urge":
            ticket.urge_count += 1
            count = ticket.urge_count
        else:
            ticket.supervise_count += 1
            count = ticket.supervise_count
        unit = ticket.lead_unit
        return {"note": note.strip(), "count": count, "unit": unit.code if unit else ""}

    return perform(level, number, actor, change, expected_version=expected_version)


def urge(actor: Actor, number: str, *, note: str = "", expected_version: int | None = None) -> Ticket:
    """催办: an escalation level, not a state; recorded against the responsible unit."""
    return _escalate("urge", actor, number, note, expected_version)


def supervise(actor: Actor, number: str, *, note: str = "", expected_version: int | None = None) -> Ticket:
    """督办: formal supervision, the level above 催办."""
    return _escalate("supervise", actor, number, note, expected_version)


def report(actor: Actor, number: str, *, result: str, expected_version: int | None = None) -> Ticket:
    """办结反馈: an assisting unit reports its part; the lead unit's report closes handling."""
    result = (result or "").strip()
    if not result:
        raise InvalidInput("result", "请填写办理结果")

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        share = require_unit_share(ticket, actor)
        if share.status != AssignmentStatus.SIGNED:
            raise Conflict("须先签收才能反馈办理结果", code="not_signed")
        share.status = AssignmentStatus.REPORTED
        share.reported_at = now
        share.result = result
        share.save(update_fields=["status", "reported_at", "result"])
        if share.role == AssignmentRole.LEAD:
            if ticket.pending_request:
                ticket.pending_request = {}
            ticket.state = State.REPORTED
            ticket.result = result
            ticket.closed_at = now
        return {"share": share.role, "unit": share.unit.code, "result": result}

    return perform("report", number, actor, change, expected_version=expected_version)


def review(
    actor: Actor, number: str, *, passed: bool, comment: str = "", expected_version: int | None = None
) -> Ticket:
    """审核: the centre checks the reported result; a failed review sends it back."""
    if not passed and not (comment or "").strip():
        raise InvalidInput("comment", "审核不通过须填写意见")

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        if passed:
            ticket.state = State.AWAITING_CALLBACK
        else:
            _reopen_lead(ticket)
        return {"passed": bool(passed), "comment": comment.strip()}

    return perform("review", number, actor, change, expected_version=expected_version)


def _reopen_lead(ticket: Ticket) -> None:
    """Back to the lead unit's handling (failed review, dissatisfied callback)."""
    lead = ticket.assignments.filter(active=True, role=AssignmentRole.LEAD).order_by("-id").first()
    if lead is None:
        raise Forbidden("该工单没有主办单位,不能退回办理")
    lead.status = AssignmentStatus.SIGNED
    lead.reported_at = None
    lead.save(update_fields=["status", "reported_at"])
    ticket.state = State.HANDLING
    ticket.closed_at = None
