"""API shapes for tickets. Field names are part of the public contract."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import ConfigDict, Field


class TicketIn(Schema):
    model_config = ConfigDict(extra="forbid")

    channel: str = Field(description="渠道:phone/web/app/sms/wechat/email/police/api")
    text: str = Field(description="诉求内容")
    title: str | None = None
    citizen_name: str | None = None
    phone: str | None = None
    address: str | None = None
    lat: float | None = None
    lng: float | None = None
    idempotency_key: str | None = None
    # Operator's decisions, if made at intake; otherwise triage's suggestions are used.
    type: str | None = None
    topic: str | None = None
    urgency: str | None = None
    emotion: str | None = None


class UnitRef(Schema):
    code: str
    name: str
    level: str


class AssignmentOut(Schema):
    unit: UnitRef
    role: str
    status: str
    active: bool
    assigned_at: datetime
    signed_at: datetime | None
    reported_at: datetime | None
    result: str


class TicketOut(Schema):
    number: str
    title: str
    text: str
    channel: str
    type: str
    topic: str
    urgency: str
    emotion: str
    state: str
    state_label: str
    place: UnitRef | None
    address: str
    lat: float | None
    lng: float | None
    citizen_name: str
    phone: str
    lead_unit: UnitRef | None
    assignments: list[AssignmentOut]
    merged_into: str | None
    result: str
    satisfaction: str
    resolved: bool | None
    rehandle_count: int
    urge_count: int
    supervise_count: int
    pending_request: dict[str, Any]
    dispatched_at: datetime | None
    sign_deadline: datetime | None
    feedback_deadline: datetime | None
    resolve_deadline: datetime | None
    callback_deadline: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    triage: dict[str, Any]
    allowed_actions: list[str]


class TicketSummary(Schema):
    number: str
    title: str
    channel: str
    type: str
    topic: str
    urgency: str
    state: str
    state_label: str
    lead_unit: UnitRef | None
    created_at: datetime
    version: int


class TicketPage(Schema):
    items: list[TicketSummary]
    page: int
    page_size: int
    total: int


class EventOut(Schema):
    seq: int
    action: str
    label: str
    actor: str | None
    actor_role: str
    actor_unit: str | None
    from_state: str
    to_state: str
    payload: dict[str, Any]
    created_at: datetime
    hash: str


class PublicStep(Schema):
    time: str
    action: str
    label: str
    message: str


class PublicTicketOut(Schema):
    number: str
    title: str
    state: str
    state_label: str
    created_at: datetime
    handling_unit: str | None
    merged_into: str | None
    timeline: list[PublicStep]


# ---- action bodies ---------------------------------------------------------------


class ActionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    # The ticket version the client saw; a different current version means the form is stale.
    version: int | None = None


class AnswerIn(ActionIn):
    answer: str
    article: str = ""


class RejectIn(ActionIn):
    reason: str
    category: str = "other"


class TransferPoliceIn(ActionIn):
    reason: str
    police_ref: str = ""


class MergeIn(ActionIn):
    into: str


class DispatchIn(ActionIn):
    lead_unit: str
    assist_units: list[str] = Field(default_factory=list)
    type: str = ""
    topic: str = ""
    urgency: str = ""
    note: str = ""


class EmptyIn(ActionIn):
    pass


class ReasonIn(ActionIn):
    reason: str


class RuleReturnIn(ActionIn):
    decision: str = Field(description="redispatch(改派)或 overrule(驳回退单)")
    lead_unit: str = ""
    assist_units: list[str] = Field(default_factory=list)
    reason: str = ""


class SubdispatchIn(ActionIn):
    unit: str
    note: str = ""


class RequestExtensionIn(ActionIn):
    days: int
    reason: str


class DecideExtensionIn(ActionIn):
    approve: bool
    note: str = ""
    days: int | None = None


class DecideIn(ActionIn):
    approve: bool
    note: str = ""


class NoteIn(ActionIn):
    note: str = ""


class EscalateIn(ActionIn):
    note: str = ""
    deadline: str = Field("", description="sign / feedback / resolve / callback(可选,所针对的时限)")


class ProgressIn(ActionIn):
    note: str


class ReportIn(ActionIn):
    result: str


class ReviewIn(ActionIn):
    passed: bool
    comment: str = ""


class CallbackIn(ActionIn):
    reached: bool = True
    satisfaction: str = Field("", description="satisfied / basically_satisfied / dissatisfied")
    resolved: bool | None = None
    note: str = ""


class ArchiveIn(ActionIn):
    reason: str = Field(description="unreachable / declined / no_callback_needed")
    note: str = ""


class RatingIn(ActionIn):
    rating: str = Field(description="satisfied / basically_satisfied / dissatisfied")
    comment: str = ""


class ComplaintIn(ActionIn):
    unit: str = Field(description="被投诉单位编码(数据范围内)")
    content: str = Field(description="投诉内容,不超过 2000 字")
    person: str = Field("", description="被投诉人姓名(可选)")


ACTION_SCHEMAS: dict[str, type[ActionIn]] = {
    "answer": AnswerIn,
    "reject": RejectIn,
    "transfer_police": TransferPoliceIn,
    "merge": MergeIn,
    "dispatch": DispatchIn,
    "sign": EmptyIn,
    "return": ReasonIn,
    "rule_return": RuleReturnIn,
    "subdispatch": SubdispatchIn,
    "request_extension": RequestExtensionIn,
    "decide_extension": DecideExtensionIn,
    "suspend": ReasonIn,
    "decide_suspension": DecideIn,
    "resume": NoteIn,
    "warn": EscalateIn,
    "urge": EscalateIn,
    "supervise": EscalateIn,
    "progress": ProgressIn,
    "report": ReportIn,
    "review": ReviewIn,
    "callback": CallbackIn,
    "archive": ArchiveIn,
    "citizen_rating": RatingIn,
    "unit_complaint": ComplaintIn,
}
