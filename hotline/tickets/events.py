"""The payload of every ticket event: one constructor per action, and the facts read back.

An action's ``change`` returns the payload that ``actions.base.perform`` records in the
audit chain (``Event.payload``, JSON). The constructors below are the only place that
builds those dicts, so the keys an event carries are written down once; each returns
exactly the dict the platform has always stored (same keys, same values, same order),
because recorded history is hashed and must keep reading the same.

Readers (analytics, deadlines, notifications, routing learning, the timeline) never
look into a payload to re-derive a fact: they ask the functions at the bottom, e.g.
``is_dispatch`` — "a ``rule_return`` whose decision is ``redispatch`` sends the ticket
to a unit, as a ``dispatch`` does" is decided there and nowhere else. The readers take
``(action, payload)`` so they work alike on an ``Event``, a ``TicketChange`` and the
rows the rollups read with ``values_list``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db.models import Q

from hotline.tickets.models import AssignmentRole, Satisfaction

Payload = dict[str, Any]

# The two decisions of 退单审核 (rule_return), as stored in its payload.
REDISPATCH = "redispatch"
OVERRULE = "overrule"
DECISIONS = (REDISPATCH, OVERRULE)

# The escalation steps, each recorded against the responsible unit.
ESCALATIONS = ("warn", "urge", "supervise")


# ---------------------------------------------------------------------------------------
# Intake: 受理, 即时答复, 不予受理, 转110, 合并


def created(*, channel: str, contact: int) -> Payload:
    """``create``: the channel and the first contact's id."""
    return {"channel": channel, "contact": contact}


def answered(*, answer: str, article: str) -> Payload:
    return {"answer": answer, "article": article}


def rejected(*, reason: str, category: str) -> Payload:
    return {"reason": reason, "category": category}


def transferred_to_police(*, reason: str, police_ref: str) -> Payload:
    return {"reason": reason, "police_ref": police_ref}


def police_acknowledged(*, police_ref: str) -> Payload:
    """``police_ack``: 110's case number for the hand-off."""
    return {"police_ref": police_ref}


def police_resulted(*, police_ref: str, result: str, unit: str, handled_at: str) -> Payload:
    """``police_result``: what 110 did, who did it and when (as 110 said it)."""
    return {"police_ref": police_ref, "result": result, "unit": unit, "handled_at": handled_at}


def assist_released(*, unit: str, unit_name: str, reason: str) -> Payload:
    """``release_assist``: the assisting unit the centre released, and why."""
    return {"unit": unit, "unit_name": unit_name, "reason": reason}


def contact_added(*, contact: int, channel: str) -> Payload:
    """``add_contact``: the id of the contact the ticket gained and its channel."""
    return {"contact": contact, "channel": channel}


def merged(*, into: str, contacts: list[int]) -> Payload:
    """``merge`` on the repeat: the master's number and the contacts copied onto it."""
    return {"into": into, "contacts": contacts}


def merged_in(*, repeat: str, contacts: list[int]) -> Payload:
    """``merged_in`` on the master: the repeat's number and the contacts it gained."""
    return {"from": repeat, "contacts": contacts}


def advice_skipped(*, advice: str, note: str, error: str) -> Payload:
    """``advice_skipped``: which advice (``auto_dispatch``) did not run, what the ticket
    says of it (zh-CN), and the error's type."""
    return {"advice": advice, "note": note, "error": error}


# ---------------------------------------------------------------------------------------
# Dispatch: 派单, 签收, 退单, 退单审核, 下派


def dispatched(
    *,
    lead_unit: str,
    lead_unit_name: str,
    assist_units: list[str],
    decided: dict[str, str] | None = None,
    note: str = "",
) -> Payload:
    """``dispatch``: the units, what the dispatcher decided differently from intake
    (type, topic, urgency) and a note; the last two only when there are any."""
    payload: Payload = {
        "lead_unit": lead_unit,
        "lead_unit_name": lead_unit_name,
        "assist_units": assist_units,
    }
    if decided:
        payload["decided"] = decided
    if note:
        payload["note"] = note
    return payload


def signed(*, unit: str, share: str) -> Payload:
    """``sign``: the unit and its share (``lead`` or ``assist``)."""
    return {"unit": unit, "share": share}


def returned(*, reason: str, unit: str, share: str, back_to: str = "") -> Payload:
    """``return``: ``back_to`` is the unit above when a sub-dispatched lead returns it."""
    payload: Payload = {"reason": reason, "unit": unit, "share": share}
    if back_to:
        payload["back_to"] = back_to
    return payload


def return_redispatched(
    *, lead_unit: str, lead_unit_name: str, assist_units: list[str], returned_by: str = ""
) -> Payload:
    """``rule_return`` accepting the return: the ticket is sent to new units."""
    payload = dispatched(lead_unit=lead_unit, lead_unit_name=lead_unit_name, assist_units=assist_units)
    payload["decision"] = REDISPATCH
    if returned_by:
        payload["returned_by"] = returned_by
    return payload


def return_overruled(*, reason: str, unit: str) -> Payload:
    """``rule_return`` refusing the return: the unit that returned it handles it again."""
    return {"decision": OVERRULE, "reason": reason, "unit": unit}


def subdispatched(*, from_unit: str, unit: str, unit_name: str, note: str = "") -> Payload:
    payload: Payload = {"from_unit": from_unit, "unit": unit, "unit_name": unit_name}
    if note:
        payload["note"] = note
    return payload


# ---------------------------------------------------------------------------------------
# Handling: 延期, 挂起, 恢复, 预警/催办/督办, 阶段反馈, 办结反馈, 审核


def extension_requested(*, days: int, reason: str) -> Payload:
    return {"days": days, "reason": reason}


def extension_decided(*, approve: bool, note: str, days: int | None = None) -> Payload:
    """``decide_extension``: ``days`` granted, only when approved. The deadlines add
    ``resolve_deadline`` (``set_resolve_deadline``) when they move it."""
    payload: Payload = {"approve": approve, "note": note}
    if approve:
        payload["days"] = days
    return payload


def set_resolve_deadline(payload: Payload, deadline: datetime) -> None:
    """Record on a ``decide_extension`` payload the resolution deadline it moved to."""
    payload["resolve_deadline"] = deadline.isoformat()


def suspended(*, reason: str, direct: bool) -> Payload:
    """``suspend``: done at once by a dispatcher (``direct``), or asked by a handler."""
    return {"reason": reason, "direct": True} if direct else {"reason": reason, "requested": True}


def suspension_decided(*, approve: bool, reason: str, note: str) -> Payload:
    return {"approve": approve, "reason": reason, "note": note}


def resumed(*, suspended_from: datetime, now: datetime, note: str) -> Payload:
    """``resume``: when the clock stopped and for how long (whole seconds)."""
    return {
        "suspended_from": suspended_from.isoformat(),
        "frozen_seconds": int((now - suspended_from).total_seconds()),
        "note": note,
    }


def escalated(*, note: str, unit: str, count: int | None = None, deadline: str = "") -> Payload:
    """``warn``, ``urge``, ``supervise``: the responsible unit, the step's running count
    (urge and supervise only) and the deadline kind it is about, if any."""
    payload: Payload = {"note": note, "unit": unit}
    if count is not None:
        payload["count"] = count
    if deadline:
        payload["deadline"] = deadline
    return payload


def progressed(*, note: str, unit: str, share: str) -> Payload:
    """``progress`` (阶段反馈)."""
    return {"note": note, "unit": unit, "share": share}


def reported(*, share: str, unit: str, result: str) -> Payload:
    return {"share": share, "unit": unit, "result": result}


def reviewed(*, passed: bool, comment: str) -> Payload:
    return {"passed": passed, "comment": comment}


# ---------------------------------------------------------------------------------------
# Closing and feedback: 回访, 归档, 市民评价, 督办投诉


def called_back(
    *,
    reached: bool,
    note: str,
    satisfaction: str = "",
    resolved: bool = False,
    rehandle: int | None = None,
) -> Payload:
    """``callback``: an unreached call records only that; a reached one the citizen's
    satisfaction and whether it was resolved, and ``rehandle`` (the ticket's 重办 count)
    when the citizen was dissatisfied."""
    payload: Payload = {"reached": reached, "note": note}
    if not reached:
        return payload
    payload.update(satisfaction=satisfaction, resolved=resolved)
    if rehandle is not None:
        payload["rehandle"] = rehandle
    return payload


def archived(*, reason: str, note: str) -> Payload:
    return {"reason": reason, "note": note}


def rated(*, rating: str, comment: str) -> Payload:
    """``citizen_rating``."""
    return {"rating": rating, "comment": comment}


def complained(*, unit: str, unit_name: str, person: str, content: str) -> Payload:
    """``unit_complaint``."""
    return {"unit": unit, "unit_name": unit_name, "person": person, "content": content}


# ---------------------------------------------------------------------------------------
# Facts read back from an event. ``payload`` may come from any version of the platform's
# history: a missing key reads as the fact being absent, never as an error.


def is_dispatch(action: str, payload: Mapping[str, Any]) -> bool:
    """Whether the event sent the ticket to units from the centre: a dispatch, or a
    ruled return that re-dispatched it (a sub-dispatch is a unit's, not the centre's)."""
    return action == "dispatch" or (action == "rule_return" and payload.get("decision") == REDISPATCH)


def is_overruled_return(action: str, payload: Mapping[str, Any]) -> bool:
    """Whether the event refused a unit's return (the unit handles the ticket again)."""
    return action == "rule_return" and payload.get("decision") != REDISPATCH


def dispatched_lead(action: str, payload: Mapping[str, Any]) -> str | None:
    """The code of the lead unit the centre chose, for a dispatch (``is_dispatch``)."""
    return (payload.get("lead_unit") or None) if is_dispatch(action, payload) else None


def dispatched_lead_name(action: str, payload: Mapping[str, Any]) -> str | None:
    """The name of the lead unit the centre chose, for a dispatch (``is_dispatch``)."""
    return (payload.get("lead_unit_name") or None) if is_dispatch(action, payload) else None


def is_assist_return(action: str, payload: Mapping[str, Any]) -> bool:
    """Whether a unit returned its assisting share (the lead keeps the ticket)."""
    return action == "return" and payload.get("share") == AssignmentRole.ASSIST


# ``is_assist_return`` as a filter on the audit events, for counting in SQL.
ASSIST_RETURNS = Q(action="return", payload__share=AssignmentRole.ASSIST.value)


def returned_by(action: str, payload: Mapping[str, Any]) -> str | None:
    """The code of the unit whose return a re-dispatch accepted, when recorded."""
    return (payload.get("returned_by") or None) if action == "rule_return" else None


def review_passed(action: str, payload: Mapping[str, Any]) -> bool:
    return action == "review" and bool(payload.get("passed"))


def reported_by_lead(action: str, payload: Mapping[str, Any]) -> bool:
    """Whether a report came from the lead unit (it closes handling; an assist's does not)."""
    return action == "report" and payload.get("share") == AssignmentRole.LEAD


def callback_reached(action: str, payload: Mapping[str, Any]) -> bool:
    """Whether a callback reached the citizen (history from before ``reached`` was
    recorded only has reached ones)."""
    return action == "callback" and bool(payload.get("reached", True))


def callback_dissatisfied(action: str, payload: Mapping[str, Any]) -> bool:
    """Whether a callback found the citizen dissatisfied (the ticket is handled again)."""
    return action == "callback" and payload.get("satisfaction") == Satisfaction.DISSATISFIED


def suspended_from(action: str, payload: Mapping[str, Any]) -> datetime | None:
    """When the clock a ``resume`` restarted had stopped."""
    value = payload.get("suspended_from") if action == "resume" else None
    return datetime.fromisoformat(value) if value else None


def extension_granted(action: str, payload: Mapping[str, Any]) -> int | None:
    """The working days an approved extension granted; None for anything else."""
    if action != "decide_extension" or not payload.get("approve"):
        return None
    days: int = payload["days"]
    return days


def escalated_deadline(action: str, payload: Mapping[str, Any]) -> str:
    """The deadline kind a warn, urge or supervise was about ("" when none)."""
    return str(payload.get("deadline") or "") if action in ESCALATIONS else ""


def stated_reason(action: str, payload: Mapping[str, Any]) -> str:
    """The reason the centre gave for 转110 or 不予受理 (what the next party is told), or ""."""
    if action in ("transfer_police", "reject"):
        return str(payload.get("reason") or "")
    return ""
