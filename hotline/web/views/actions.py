"""Action forms rendered generically from the transition table.

Every lifecycle action has a form on the ticket page built from its declared fields
(``hotline.tickets.action_fields.ACTION_FIELDS``: names, labels, widgets, choices); the
form posts to ``/tickets/<number>/act/<action>/`` (``web:ticket_act``), which calls
``ACTIONS[action](Actor.of(user), number, expected_version=<version>, **fields)``.

Other pages (the role consoles) may post to the same endpoint. Every form also carries
``version`` — the ticket version the user saw, required — and may carry ``next`` — a
local URL to return to on success. Booleans accept 1/0, true/false, on/off, 是/否; unit
lists (``units``) are comma- or space-separated codes, or repeated fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from hotline.errors import InvalidInput
from hotline.org.actor import CITIZEN_ROLE
from hotline.org.models import User
from hotline.tickets.action_fields import ACTION_FIELDS, ActionField
from hotline.tickets.lifecycle import TRANSITIONS, allowed_actions
from hotline.tickets.models import Ticket

_TRUE = {"1", "true", "on", "yes", "是"}
_FALSE = {"0", "false", "off", "no", "否"}
_SPLIT = re.compile(r"[\s,,、;;]+")


def parse_fields(action: str, data: QueryDict) -> dict[str, Any]:
    """The keyword arguments of ``ACTIONS[action]`` from a posted form, every declared
    field given (a blank one takes its default); raises ``InvalidInput`` (zh-CN message,
    field name) for missing or malformed values."""
    kwargs: dict[str, Any] = {}
    for spec in ACTION_FIELDS.get(action, ()):
        if spec.kind == "units":
            kwargs[spec.name] = [c for raw in data.getlist(spec.name) for c in _SPLIT.split(raw) if c]
            continue
        raw = (data.get(spec.name) or "").strip()
        if raw:
            kwargs[spec.name] = _value(spec, raw)
        elif spec.required:
            raise InvalidInput(spec.name, f"请填写「{spec.label}」")
        else:
            kwargs[spec.name] = spec.empty()
    return kwargs


def _value(spec: ActionField, raw: str) -> Any:
    if spec.kind == "bool":
        if raw.lower() not in _TRUE | _FALSE:
            raise InvalidInput(spec.name, f"「{spec.label}」须为是或否")
        return raw.lower() in _TRUE
    if spec.kind == "int":
        if not re.fullmatch(r"-?\d{1,6}", raw):
            raise InvalidInput(spec.name, f"「{spec.label}」须为整数")
        return int(raw)
    if spec.kind == "select" and raw not in {v for v, _ in spec.choices}:
        raise InvalidInput(spec.name, f"「{spec.label}」的取值无效")
    return raw


def parse_version(data: QueryDict) -> int:
    raw = (data.get("version") or "").strip()
    if not raw.isdigit():
        raise InvalidInput("version", "表单缺少工单版本号,请刷新页面后再操作")
    return int(raw)


@dataclass
class ActionForm:
    name: str
    label: str
    fields: list[dict[str, Any]]
    open: bool = False
    error: str = ""


def forms_for(
    ticket: Ticket,
    user: User,
    *,
    failed: str = "",
    data: QueryDict | None = None,
    error: InvalidInput | str = "",
) -> list[ActionForm]:
    """The action forms this user may try on this ticket in its current state.

    Role and state come from the transition table; whether the user's unit holds the
    ticket is left to the action, which refuses with a clear message."""
    forms = []
    for name in allowed_actions(ticket.state):
        transition = TRANSITIONS[name]
        if transition.roles == {CITIZEN_ROLE}:
            continue  # the citizen's own (the rating): on the portal, never in their name here
        if not transition.roles:
            continue  # the platform's own (what 110 says): recorded by the 110 link only
        if not (user.is_superuser or user.role in transition.roles):
            continue
        values = data if (data is not None and name == failed) else None
        bad_field = error.field if isinstance(error, InvalidInput) and name == failed else ""
        fields = [
            {
                "spec": spec,
                "id": f"f-{name}-{spec.name}",
                "value": values.get(spec.name, "") if values is not None else spec.initial,
                "invalid": spec.name == bad_field,
            }
            for spec in ACTION_FIELDS.get(name, ())
        ]
        message = error.message if isinstance(error, InvalidInput) else error
        forms.append(
            ActionForm(
                name=name,
                label=transition.label,
                fields=fields,
                open=name == failed,
                error=message if name == failed else "",
            )
        )
    return forms
