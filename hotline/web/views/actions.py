"""Action forms rendered generically from the transition table.

Every lifecycle action has a form on the ticket page built from ``ACTION_FIELDS``; the
form posts to ``/tickets/<number>/act/<action>/`` (``web:ticket_act``), which calls
``ACTIONS[action](Actor.of(user), number, expected_version=<version>, **fields)``.

Other pages (the role consoles) may post to the same endpoint. Form fields per action
(every form also carries ``version`` — the ticket version the user saw, required — and
may carry ``next`` — a local URL to return to on success):

==================  ===============================================================
answer              answer (text, required), article (knowledge article id)
reject              category (out_of_scope/harassment/nonsense/test_or_silent/
                    unreasonable/other), reason (required)
transfer_police     reason (required), police_ref
merge               into (master ticket number, required)
dispatch            lead_unit (unit code, required), assist_units (codes, comma- or
                    space-separated, or repeated fields), type, topic, urgency, note
sign                —
return              reason (required)
rule_return         decision (redispatch/overrule, required), lead_unit, assist_units,
                    reason
subdispatch         unit (unit code, required), note
request_extension   days (int, required), reason (required)
decide_extension    approve (1/0, required), days (int), note
suspend             reason (required)
decide_suspension   approve (1/0, required), note
resume              note
warn/urge/supervise deadline (sign/feedback/resolve/callback or empty), note
progress            note (required)
report              result (required)
review              passed (1/0, required), comment
callback            reached (1/0, default 1), satisfaction (satisfied/
                    basically_satisfied/dissatisfied), resolved (1/0), note
archive             reason (unreachable/declined/no_callback_needed, required), note
unit_complaint      unit (unit code, required), person, content (required)
citizen_rating      — (the citizen rates on the portal, not on the ticket page)
==================  ===============================================================

Booleans accept 1/0, true/false, on/off, 是/否.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from hotline.errors import InvalidInput
from hotline.org.models import User
from hotline.tickets.actions.closing import ARCHIVE_REASONS, SATISFACTION
from hotline.tickets.actions.intake import REJECT_CATEGORIES
from hotline.tickets.lifecycle import TRANSITIONS, allowed_actions
from hotline.tickets.models import Ticket, TicketType, Urgency

Choices = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str = "text"  # text | textarea | select | bool | int | unit | units
    required: bool = False
    choices: Choices = ()
    initial: str = ""
    help: str = ""


F = FieldSpec
YES_NO: Choices = (("1", "是"), ("0", "否"))
DEADLINES: Choices = (
    ("", "(不限)"),
    ("sign", "签收"),
    ("feedback", "首次反馈"),
    ("resolve", "办结"),
    ("callback", "回访"),
)
_ESCALATE = (F("deadline", "针对时限", "select", choices=DEADLINES), F("note", "说明", "textarea"))

ACTION_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "answer": (F("answer", "答复内容", "textarea", True), F("article", "引用知识条目编号")),
    "reject": (
        F("category", "类别", "select", False, tuple(REJECT_CATEGORIES.items()), initial="other"),
        F("reason", "不予受理理由(将告知市民)", "textarea", True),
    ),
    "transfer_police": (F("reason", "转110原因", "textarea", True), F("police_ref", "110接警编号")),
    "merge": (F("into", "主工单编号", required=True),),
    "dispatch": (
        F("lead_unit", "主办单位编码", "unit", True),
        F("assist_units", "协办单位编码", "units", help="多个用逗号或空格分隔"),
        F("type", "诉求类型", "select", choices=(("", "(不变)"), *TicketType.choices)),
        F("topic", "诉求分类"),
        F("urgency", "紧急程度", "select", choices=(("", "(不变)"), *Urgency.choices)),
        F("note", "派单说明", "textarea"),
    ),
    "sign": (),
    "return": (F("reason", "退单理由", "textarea", True),),
    "rule_return": (
        F(
            "decision",
            "审核决定",
            "select",
            True,
            (("redispatch", "同意退单并改派"), ("overrule", "驳回退单")),
        ),
        F("lead_unit", "改派主办单位编码", "unit"),
        F("assist_units", "改派协办单位编码", "units", help="多个用逗号或空格分隔"),
        F("reason", "说明", "textarea"),
    ),
    "subdispatch": (F("unit", "下派单位编码", "unit", True), F("note", "说明", "textarea")),
    "request_extension": (
        F("days", "延期天数(工作日)", "int", True),
        F("reason", "延期理由", "textarea", True),
    ),
    "decide_extension": (
        F("approve", "是否批准", "bool", True, YES_NO),
        F("days", "批准天数", "int", help="留空则按申请天数"),
        F("note", "意见", "textarea"),
    ),
    "suspend": (F("reason", "挂起理由", "textarea", True),),
    "decide_suspension": (F("approve", "是否批准", "bool", True, YES_NO), F("note", "意见", "textarea")),
    "resume": (F("note", "说明", "textarea"),),
    "warn": _ESCALATE,
    "urge": _ESCALATE,
    "supervise": _ESCALATE,
    "progress": (F("note", "阶段进展", "textarea", True),),
    "report": (F("result", "办理结果", "textarea", True),),
    "review": (
        F("passed", "审核结论", "bool", True, (("1", "通过"), ("0", "不通过"))),
        F("comment", "审核意见", "textarea"),
    ),
    "callback": (
        F("reached", "是否接通", "bool", False, YES_NO, initial="1"),
        F("satisfaction", "满意度", "select", choices=(("", "(未接通时不填)"), *SATISFACTION.items())),
        F("resolved", "诉求是否解决", "bool", False, YES_NO),
        F("note", "回访记录", "textarea"),
    ),
    "archive": (
        F("reason", "归档原因", "select", True, tuple(ARCHIVE_REASONS.items())),
        F("note", "说明", "textarea"),
    ),
    "unit_complaint": (
        F("unit", "被投诉单位编码", "unit", True),
        F("person", "被投诉人(可选)"),
        F("content", "投诉内容", "textarea", True),
    ),
}

_TRUE = {"1", "true", "on", "yes", "是"}
_FALSE = {"0", "false", "off", "no", "否"}
_SPLIT = re.compile(r"[\s,,、;;]+")


def parse_fields(action: str, data: QueryDict) -> dict[str, Any]:
    """The keyword arguments of ``ACTIONS[action]`` from a posted form; raises
    ``InvalidInput`` (zh-CN message, field name) for missing or malformed values."""
    kwargs: dict[str, Any] = {}
    for spec in ACTION_FIELDS.get(action, ()):
        if spec.kind == "units":
            codes = [c for raw in data.getlist(spec.name) for c in _SPLIT.split(raw) if c]
            if codes or spec.required:
                kwargs[spec.name] = codes
            continue
        raw = (data.get(spec.name) or "").strip()
        if not raw:
            if spec.required:
                raise InvalidInput(spec.name, f"请填写「{spec.label}」")
            if spec.kind == "bool" and spec.initial:
                kwargs[spec.name] = spec.initial in _TRUE
            elif spec.initial:
                kwargs[spec.name] = spec.initial
            elif spec.kind in ("text", "textarea", "select", "unit"):
                kwargs[spec.name] = ""
            continue
        if spec.kind == "bool":
            if raw.lower() not in _TRUE | _FALSE:
                raise InvalidInput(spec.name, f"「{spec.label}」须为是或否")
            kwargs[spec.name] = raw.lower() in _TRUE
        elif spec.kind == "int":
            if not re.fullmatch(r"-?\d{1,6}", raw):
                raise InvalidInput(spec.name, f"「{spec.label}」须为整数")
            kwargs[spec.name] = int(raw)
        elif spec.kind == "select" and spec.choices and raw not in {v for v, _ in spec.choices}:
            raise InvalidInput(spec.name, f"「{spec.label}」的取值无效")
        else:
            kwargs[spec.name] = raw
    return kwargs


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
