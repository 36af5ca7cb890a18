"""API: tickets, their events, lifecycle actions, and the citizens' public lookup.

Endpoints only translate HTTP to action and selector calls.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import ValidationError

from hotline.audit.receipts import receipt
from hotline.bounds import MAX_PAGE, parse_json
from hotline.errors import ActionError, NotFound
from hotline.openapi import one_of
from hotline.org.actor import ROLE_LABELS, Actor
from hotline.org.models import User
from hotline.org.throttle import client_address
from hotline.tickets import selectors
from hotline.tickets.actions import ACTIONS, NewContact
from hotline.tickets.actions.base import check_role
from hotline.tickets.intake import take_in
from hotline.tickets.lifecycle import STATE_LABELS, TRANSITIONS, action_label, allowed_actions
from hotline.tickets.models import State, Ticket
from hotline.tickets.privacy import mask_name, mask_phone, reveal
from hotline.tickets.schemas import (
    ACTION_SCHEMAS,
    EventOut,
    PublicTicketOut,
    TicketIn,
    TicketOut,
    TicketPage,
)
from hotline.tickets.timeline import public_events, public_timeline

router = Router(tags=["工单"])
public_router = Router(tags=["市民查询"])


class UnprocessableBody(ActionError):
    status = 422
    code = "invalid"


def _unit_ref(unit: Any) -> dict[str, str] | None:
    return {"code": unit.code, "name": unit.name, "level": unit.level} if unit is not None else None


def ticket_out(ticket: Ticket, *, unmasked: bool = False, fresh: bool = False) -> dict[str, Any]:
    """The API shape of a ticket. ``fresh``: just created, so it has no assignments yet."""
    assignments = [
        {
            "unit": _unit_ref(a.unit),
            "role": a.role,
            "status": a.status,
            "active": a.active,
            "assigned_at": a.assigned_at,
            "signed_at": a.signed_at,
            "reported_at": a.reported_at,
            "result": a.result,
        }
        for a in ([] if fresh else selectors.ticket_assignments(ticket))
    ]
    return {
        **{f: getattr(ticket, f) for f in _PLAIN_FIELDS},
        "state_label": STATE_LABELS.get(ticket.state, ticket.state),
        "place": _unit_ref(ticket.place),
        "lead_unit": _unit_ref(ticket.lead_unit),
        "assignments": assignments,
        "merged_into": ticket.merged_into.number if ticket.merged_into_id and ticket.merged_into else None,
        "citizen_name": ticket.citizen_name if unmasked else mask_name(ticket.citizen_name),
        "phone": ticket.phone if unmasked else mask_phone(ticket.phone),
        "allowed_actions": allowed_actions(ticket.state),
    }


# TicketOut fields copied as they are from the model.
_PLAIN_FIELDS = tuple(
    f
    for f in TicketOut.model_fields
    if f
    not in {
        "place",
        "lead_unit",
        "assignments",
        "merged_into",
        "citizen_name",
        "phone",
        "allowed_actions",
        "state_label",
    }
)


def _actor(request: HttpRequest) -> Actor:
    user: User = request.auth  # type: ignore[attr-defined]
    return Actor.of(user)


# NewContact's text fields, which say "not given" with "" where the API body says None.
_TEXT_FIELDS = frozenset(f.name for f in dataclasses.fields(NewContact) if f.default == "")


def _contact_of(body: TicketIn) -> NewContact:
    """The body's fields are NewContact's; a text field left out becomes ""."""
    fields: dict[str, Any] = {k: "" if v is None and k in _TEXT_FIELDS else v for k, v in body}
    return NewContact(**fields)


@router.post("/tickets", response={200: TicketOut, 201: TicketOut}, summary="受理新诉求")
def create(request: HttpRequest, body: TicketIn) -> Status[dict[str, Any]]:
    intake = take_in(_actor(request), _contact_of(body))
    # 201 for a new ticket; 200 when an idempotency key replays an earlier request.
    return Status(201 if intake.created else 200, ticket_out(intake.ticket, fresh=intake.created))


@router.get("/tickets", response=TicketPage, summary="工单列表(数据范围内)")
def list_tickets(
    request: HttpRequest,
    state: Annotated[str, one_of(["", *State.values], "状态(空:全部)")] = "",
    unit: str = "",
    q: str = "",
    page: int = Query(1, ge=1, le=MAX_PAGE),  # type: ignore[assignment]
) -> dict[str, Any]:
    result = selectors.list_tickets(_actor(request).scope, state=state, unit=unit, q=q, page=page)
    return {
        "items": [
            {
                "number": t.number,
                "title": t.title,
                "channel": t.channel,
                "type": t.type,
                "topic": t.topic,
                "urgency": t.urgency,
                "state": t.state,
                "state_label": STATE_LABELS.get(t.state, t.state),
                "lead_unit": _unit_ref(t.lead_unit),
                "created_at": t.created_at,
                "version": t.version,
            }
            for t in result.items
        ],
        "page": result.page,
        "page_size": result.page_size,
        "total": result.total,
    }


@router.get("/tickets/{number}", response=TicketOut, summary="工单详情")
def detail(request: HttpRequest, number: str, unmask: bool = False) -> dict[str, Any]:
    actor = _actor(request)
    ticket = selectors.get_ticket(actor.scope, number)
    if unmask:
        reveal(actor, ticket, purpose="api")
    return ticket_out(ticket, unmasked=unmask)


@router.get("/tickets/{number}/events", response=list[EventOut], summary="工单全程留痕")
def events(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    ticket = selectors.get_ticket(_actor(request).scope, number)
    return [
        {
            "seq": e.seq,
            "action": e.action,
            "label": action_label(e.action),
            "actor": e.actor.username if e.actor else None,
            "actor_role": ROLE_LABELS.get(e.actor_role, e.actor_role),
            "actor_unit": e.actor_unit.name if e.actor_unit else None,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "payload": e.payload,
            "created_at": e.created_at,
            "hash": e.hash,
        }
        for e in selectors.ticket_events(ticket)
    ]


@router.post(
    "/tickets/{number}/actions/{action}",
    response=TicketOut,
    summary="执行工单动作",
    description="动作及其字段:"
    + "; ".join(
        f"{name}({TRANSITIONS[name].label}): {', '.join(schema.model_fields) or '无'}"
        for name, schema in ACTION_SCHEMAS.items()
    ),
    openapi_extra={
        "requestBody": {
            # The body of the action the path names: one of these (each says its action).
            "content": {
                "application/json": {
                    "schema": {"anyOf": [schema.model_json_schema() for schema in ACTION_SCHEMAS.values()]}
                }
            },
            "required": False,
        }
    },
)
def act(
    request: HttpRequest,
    number: str,
    action: Annotated[str, one_of(ACTIONS)],
) -> dict[str, Any]:
    if action not in ACTIONS:
        raise NotFound(f"未知动作「{action}」", allowed=sorted(ACTIONS))
    actor = _actor(request)
    # Who and which ticket before what: outside the caller's scope the ticket is missing
    # (the same 404, whatever the body), and a role that may not act hears so before its
    # body is judged. ``perform`` checks both again under the row lock.
    selectors.check_in_scope(actor.scope, number)
    check_role(action, actor)
    body = _json_body(request)
    try:
        fields = ACTION_SCHEMAS[action].model_validate(body).model_dump()
    except ValidationError as exc:
        raise UnprocessableBody(
            "字段校验失败",
            detail=[
                {"loc": ["body", *map(str, e["loc"])], "msg": e["msg"], "type": e["type"]}
                for e in exc.errors()
            ],
        ) from exc
    version = fields.pop("version")
    # Assignments are never deleted, so a ticket stays in the scope of whoever acted on it.
    ticket = ACTIONS[action](actor, number, expected_version=version, **fields)
    return ticket_out(ticket)


def _json_body(request: HttpRequest) -> dict[str, Any]:
    """The action's body, read here (after the scope and the role) as the API's parser
    reads every other body: text cleaned, depth bounded."""
    if not request.body:
        return {}
    try:
        body = parse_json(request.body)
    except ValueError as exc:
        raise UnprocessableBody(
            "请求体不是有效的 JSON,或嵌套过深",
            detail=[{"loc": ["body"], "msg": "invalid JSON", "type": "json_invalid"}],
        ) from exc
    if not isinstance(body, dict):
        raise UnprocessableBody(
            "请求体须为 JSON 对象", detail=[{"loc": ["body"], "msg": "expected object", "type": "dict_type"}]
        )
    return body


@public_router.get(
    "/public/tickets/{number}",
    response=PublicTicketOut,
    auth=None,
    summary="市民查询办理进度",
    description="凭工单编号和查询码(query_code)查询;也可凭手机号后四位(phone_last4),"
    "但每张工单每天只能试错几次。同一客户端地址查询失败次数过多时暂时拒绝(429,Retry-After 头给出秒数)。",
)
def public_lookup(
    request: HttpRequest, number: str, query_code: str = "", phone_last4: str = ""
) -> dict[str, Any]:
    ticket = selectors.public_ticket(
        number, address=client_address(request), query_code=query_code, phone_last4=phone_last4
    )
    shown = list(public_events(ticket))
    return {
        "number": ticket.number,
        "title": ticket.title,
        "state": ticket.state,
        "state_label": STATE_LABELS.get(ticket.state, ticket.state),
        "created_at": ticket.created_at,
        "handling_unit": ticket.lead_unit.name if ticket.lead_unit else None,
        "merged_into": ticket.merged_into.number if ticket.merged_into else None,
        "timeline": public_timeline(ticket, shown),
        "receipt": receipt(shown),
    }
