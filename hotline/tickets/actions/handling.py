"""Handling: extension and suspension (asked by the unit, decided by the centre),
urging and supervision, the result report and its review.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline.errors import Conflict, Forbidden, InvalidInput
from hotline.org.actor import Actor
from hotline.org.models import Role
from hotline.sla import deadlines
from hotline.tickets import events
from hotline.tickets.actions.base import perform, require_unit_share
from hotline.tickets.models import Assignment, AssignmentRole, AssignmentStatus, State, Ticket


def _required(text: str, field: str, message: str) -> str:
    """``text`` stripped; a 400 on ``field`` saying ``message`` when nothing is left."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(field, message)
    return text


def _require_reason(reason: str, what: str) -> str:
    return _required(reason, "reason", f"请填写{what}理由")


def _signed_share(ticket: Ticket, actor: Actor, refusal: str, *, lead_only: bool = False) -> Assignment:
    """The actor's unit's share once signed for: a unit acts only on what it took on."""
    share = require_unit_share(ticket, actor, lead_only=lead_only)
    if share.status != AssignmentStatus.SIGNED:
        raise Conflict(refusal, code="not_signed")
    return share


def _signed_lead(ticket: Ticket, actor: Actor) -> None:
    _signed_share(ticket, actor, "主办单位尚未签收", lead_only=True)


def _check_days(days: object, limit: int, field: str = "days") -> int:
    if not isinstance(days, int) or isinstance(days, bool) or days < 1 or days > limit:
        raise InvalidInput(field, f"延期天数须在 1 到 {limit} 个工作日之间")
    return days


def request_extension(
    actor: Actor, number: str, *, days: int, reason: str, expected_version: int | None = None
) -> Ticket:
    """申请延期: asked by the lead unit before the deadline, within the policy's maximum."""
    reason = _require_reason(reason, "延期")
    _check_days(days, 366)

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        _signed_lead(ticket, actor)
        _check_days(days, deadlines.max_extension_days(ticket))
        if ticket.pending_request:
            raise Conflict("已有待审批的申请", code="request_pending", pending=ticket.pending_request)
        if ticket.resolve_deadline is not None and now > ticket.resolve_deadline:
            raise Conflict("已超过办结时限,不能再申请延期", code="deadline_passed")
        ticket.pending_request = {"kind": "extension", "days": days, "reason": reason, "at": now.isoformat()}
        return events.extension_requested(days=days, reason=reason)

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
    """延期审批: approving moves the resolution deadline by working days; refusing leaves it."""

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        pending = ticket.pending_request or {}
        if pending.get("kind") != "extension":
            raise Conflict("没有待审批的延期申请", code="no_request")
        granted = pending["days"] if days is None else days
        if approve:
            _check_days(granted, deadlines.max_extension_days(ticket))
        ticket.pending_request = {}
        return events.extension_decided(approve=bool(approve), note=note.strip(), days=granted)

    return perform("decide_extension", number, actor, change, expected_version=expected_version)


def _freeze(ticket: Ticket, now: datetime) -> None:
    ticket.state = State.SUSPENDED
    ticket.suspended_at = now


def suspend(actor: Actor, number: str, *, reason: str, expected_version: int | None = None) -> Ticket:
    """挂起: a handler asks (the centre approves); a dispatcher suspends directly.
    While suspended the deadline clock is frozen."""
    reason = _require_reason(reason, "挂起")

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        if ticket.pending_request:
            raise Conflict("已有待审批的申请", code="request_pending", pending=ticket.pending_request)
        if actor.role == Role.DISPATCHER:
            _freeze(ticket, now)
            return events.suspended(reason=reason, direct=True)
        _signed_lead(ticket, actor)
        ticket.pending_request = {"kind": "suspension", "reason": reason, "at": now.isoformat()}
        return events.suspended(reason=reason, direct=False)

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
        return events.suspension_decided(approve=bool(approve), reason=reason, note=note.strip())

    return perform("decide_suspension", number, actor, change, expected_version=expected_version)


def resume(actor: Actor, number: str, *, note: str = "", expected_version: int | None = None) -> Ticket:
    """恢复办理: the clock runs again; open deadlines move by the frozen working time."""

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        if actor.role == Role.HANDLER:
            _signed_lead(ticket, actor)
        suspended_from = ticket.suspended_at or now
        ticket.state = State.HANDLING
        ticket.suspended_at = None
        return events.resumed(suspended_from=suspended_from, now=now, note=note.strip())

    return perform("resume", number, actor, change, expected_version=expected_version)


def _escalate(
    step: str, actor: Actor, number: str, note: str, deadline: str, expected_version: int | None
) -> Ticket:
    if deadline and deadline not in deadlines.KINDS:
        raise InvalidInput("deadline", f"时限类别须为:{', '.join(deadlines.KINDS)}")

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        if step == "urge":
            ticket.urge_count += 1
        elif step == "supervise":
            ticket.supervise_count += 1
        unit = ticket.lead_unit
        count = {"warn": None, "urge": ticket.urge_count, "supervise": ticket.supervise_count}[step]
        return events.escalated(
            note=note.strip(), unit=unit.code if unit else "", count=count, deadline=deadline
        )

    return perform(step, number, actor, change, expected_version=expected_version)


def warn(
    actor: Actor, number: str, *, note: str = "", deadline: str = "", expected_version: int | None = None
) -> Ticket:
    """临期预警: a deadline is near; the responsible unit is told."""
    return _escalate("warn", actor, number, note, deadline, expected_version)


def urge(
    actor: Actor, number: str, *, note: str = "", deadline: str = "", expected_version: int | None = None
) -> Ticket:
    """催办: an escalation level, not a state; recorded against the responsible unit."""
    return _escalate("urge", actor, number, note, deadline, expected_version)


def supervise(
    actor: Actor, number: str, *, note: str = "", deadline: str = "", expected_version: int | None = None
) -> Ticket:
    """督办: formal supervision, the level above 催办."""
    return _escalate("supervise", actor, number, note, deadline, expected_version)


def progress(actor: Actor, number: str, *, note: str, expected_version: int | None = None) -> Ticket:
    """阶段反馈: the unit tells how handling goes; the first one meets the first-feedback limit."""
    note = _required(note, "note", "请填写反馈内容")

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        share = _signed_share(ticket, actor, "须先签收才能反馈")
        return events.progressed(note=note, unit=share.unit.code, share=share.role)

    return perform("progress", number, actor, change, expected_version=expected_version)


def report(actor: Actor, number: str, *, result: str, expected_version: int | None = None) -> Ticket:
    """办结反馈: an assisting unit reports its part; the lead unit's report closes handling."""
    result = _required(result, "result", "请填写办理结果")

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        share = _signed_share(ticket, actor, "须先签收才能反馈办理结果")
        share.status = AssignmentStatus.REPORTED
        share.reported_at = now
        share.result = result
        share.save(update_fields=["status", "reported_at", "result"])
        if share.role == AssignmentRole.LEAD:
            _no_assist_left_behind(ticket)
            if ticket.pending_request:
                ticket.pending_request = {}
            ticket.state = State.REPORTED
            ticket.result = result
            ticket.closed_at = now
        return events.reported(share=share.role, unit=share.unit.code, result=result)

    return perform("report", number, actor, change, expected_version=expected_version)


def _no_assist_left_behind(ticket: Ticket) -> None:
    """Co-handling closes with every assisting unit: the lead's report may not close the
    handling while one has not even signed (it has signed or reported, or the centre
    released it: ``release_assist``)."""
    waiting = [
        a.unit.name
        for a in ticket.assignments.filter(
            active=True, role=AssignmentRole.ASSIST, status=AssignmentStatus.PENDING
        ).select_related("unit")
    ]
    if waiting:
        raise Conflict(
            f"协办单位「{'、'.join(waiting)}」尚未签收或反馈,不能办结;请督促其签收反馈,或请中心解除其协办",
            code="assist_pending",
            units=waiting,
        )


def release_assist(
    actor: Actor, number: str, *, unit: str, reason: str, expected_version: int | None = None
) -> Ticket:
    """解除协办: the centre releases an assisting unit that has not signed, so that the
    lead's report can close the handling; the unit's share ends (withdrawn), recorded."""
    unit = (unit or "").strip()
    if not unit:
        raise InvalidInput("unit", "请填写要解除协办的单位编码")
    reason = _require_reason(reason, "解除协办")

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        share = (
            ticket.assignments.filter(active=True, role=AssignmentRole.ASSIST, unit__code=unit)
            .select_related("unit")
            .first()
        )
        if share is None:
            raise Conflict(f"单位 {unit} 不是该工单在办的协办单位", code="not_assisting")
        if share.status != AssignmentStatus.PENDING:
            raise Conflict(f"「{share.unit.name}」已签收或已反馈,无需解除", code="assist_active")
        share.active = False
        share.status = AssignmentStatus.WITHDRAWN
        share.save(update_fields=["active", "status"])
        return events.assist_released(unit=share.unit.code, unit_name=share.unit.name, reason=reason)

    return perform("release_assist", number, actor, change, expected_version=expected_version)


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
        return events.reviewed(passed=bool(passed), comment=comment.strip())

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
