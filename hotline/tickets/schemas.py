"""API shapes for tickets. Field names are part of the public contract."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, Field, create_model

from hotline.audit.schemas import ReceiptOut
from hotline.openapi import one_of
from hotline.org.models import Level
from hotline.tickets.action_fields import ACTION_FIELDS, ActionField
from hotline.tickets.lifecycle import RECORDED_LABELS, TRANSITIONS
from hotline.tickets.models import AssignmentRole, AssignmentStatus, Channel, State


class TicketIn(Schema):
    model_config = ConfigDict(extra="forbid")

    channel: Annotated[str, one_of(Channel.values, "渠道")]
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
    level: Annotated[str, one_of(Level.values)]


class AssignmentOut(Schema):
    unit: UnitRef
    role: Annotated[str, one_of(AssignmentRole.values, "主办 lead / 协办 assist")]
    status: Annotated[str, one_of(AssignmentStatus.values)]
    active: bool
    assigned_at: datetime
    signed_at: datetime | None
    reported_at: datetime | None
    result: str


class TicketOut(Schema):
    number: str
    title: str
    text: str
    channel: Annotated[str, one_of(Channel.values)]
    type: str
    topic: str
    urgency: str
    emotion: str
    state: Annotated[str, one_of(State.values)]
    state_label: str
    place: UnitRef | None
    address: str
    lat: float | None
    lng: float | None
    citizen_name: str
    phone: str
    query_code: str  # 查询码: what staff read out to the citizen for the public lookup
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
    allowed_actions: list[Annotated[str, one_of(TRANSITIONS)]]


class TicketSummary(Schema):
    number: str
    title: str
    channel: Annotated[str, one_of(Channel.values)]
    type: str
    topic: str
    urgency: str
    state: Annotated[str, one_of(State.values)]
    state_label: str
    lead_unit: UnitRef | None
    created_at: datetime
    version: int


class TicketPage(Schema):
    items: list[TicketSummary]
    page: int
    page_size: int
    total: int


# What a ticket's event records: an action, or a fact (its creation, a look at the
# citizen's data, a repeat merged in, advice skipped).
EVENT_ACTIONS = [*RECORDED_LABELS, *TRANSITIONS]
STATE_OR_NONE = ["", *State.values]  # "": before the ticket existed, or not a state change


class EventOut(Schema):
    seq: int
    action: Annotated[str, one_of(EVENT_ACTIONS)]
    label: str
    actor: str | None
    actor_role: str
    actor_unit: str | None
    from_state: Annotated[str, one_of(STATE_OR_NONE)]
    to_state: Annotated[str, one_of(STATE_OR_NONE)]
    payload: dict[str, Any]
    created_at: datetime
    hash: str


class PublicStep(Schema):
    time: str
    action: Annotated[str, one_of(["create", *TRANSITIONS])]
    label: str
    message: str


class PublicTicketOut(Schema):
    number: str
    title: str
    state: Annotated[str, one_of(State.values)]
    state_label: str
    created_at: datetime
    handling_unit: str | None
    merged_into: str | None
    timeline: list[PublicStep]
    # Inclusion proofs of the timeline's events against the latest signed tree head.
    receipt: ReceiptOut


# ---- action bodies ---------------------------------------------------------------


class ActionIn(Schema):
    model_config = ConfigDict(extra="forbid")
    # The ticket version the client saw; a different current version means the form is stale.
    version: int | None = None


def _description(field: ActionField) -> str:
    values = [value for value, _ in field.choices if value and field.kind == "select"]
    return f"{field.label}:{' / '.join(values)}" if values else field.label


def _body(action: str, fields: tuple[ActionField, ...]) -> type[ActionIn]:
    """The request body of one action, from its declared fields: each required, or
    taking the value the action takes when it is not given."""
    definitions: dict[str, Any] = {
        f.name: (
            f.type,
            Field(description=_description(f))
            if f.required
            else Field(f.empty(), description=_description(f)),
        )
        for f in fields
    }
    name = "".join(part.capitalize() for part in action.split("_")) + "In"
    return create_model(name, __base__=ActionIn, **definitions)


# Action name → its request body (the fields are declared in ``action_fields``).
ACTION_SCHEMAS: dict[str, type[ActionIn]] = {
    name: _body(name, fields) for name, fields in ACTION_FIELDS.items()
}
