"""The fields of every lifecycle action, declared once.

An action function (``tickets.actions.ACTIONS[name]``) takes these as keyword arguments.
The API's request bodies (``schemas.ACTION_SCHEMAS``) and the forms on the ticket page
(``web.views.actions``) are both derived from this table. A new keyword argument is
declared here too: ``tests/tickets/test_action_fields.py`` fails when the two disagree.

Besides its fields, every body and form carries ``version``: the ticket version the
client saw (see ``schemas.ActionIn``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hotline.sla.deadlines import KIND_LABELS as DEADLINE_LABELS
from hotline.tickets import events
from hotline.tickets.models import ArchiveReason, Channel, RejectCategory, Satisfaction, TicketType, Urgency

Choices = tuple[tuple[str, str], ...]

# The widgets of the page form; each implies the value's type (see ``ActionField.type``):
# a unit is one unit code, units a list of them.
KINDS = ("text", "textarea", "select", "unit", "bool", "int", "units")

# ``default`` not given: the kind's own empty value (a given default may even be None).
_UNSET: Any = object()


@dataclass(frozen=True)
class ActionField:
    """One keyword argument of an action: its name, its zh-CN label on the form, the
    widget (``kind``) and, unless ``required``, the value it takes when not given."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    # Offered on the form; the action itself checks the value (the API does not).
    choices: Choices = ()
    help: str = ""
    # Not given: "" for text, [] for units, None for bool and int.
    default: Any = field(default=_UNSET, repr=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")
        if self.kind in ("select", "bool") and not self.choices:
            raise ValueError(f"{self.name}: a {self.kind} offers choices")
        if self.required and self.default is not _UNSET:
            raise ValueError(f"{self.name}: a required field has no default")

    @property
    def type(self) -> Any:
        """The Python type of the value (``None`` allowed when that is the default)."""
        base: Any = {"bool": bool, "int": int, "units": list[str]}.get(self.kind, str)
        return base | None if not self.required and self.empty() is None else base

    def empty(self) -> Any:
        """The value when the field is not given (a fresh list for ``units``)."""
        if self.required:
            raise ValueError(f"{self.name} is required")
        if self.default is not _UNSET:
            return self.default
        return {"units": [], "bool": None, "int": None}.get(self.kind, "")

    @property
    def initial(self) -> str:
        """What the page form shows before the user types: the default, as posted."""
        value = None if self.required else self.empty()
        if isinstance(value, bool):
            return "1" if value else "0"
        return value if isinstance(value, str) else ""


F = ActionField
YES_NO: Choices = (("1", "是"), ("0", "否"))
_ASSIST_HELP = "多个用逗号或空格分隔"
_ESCALATE = (
    F("deadline", "针对时限", "select", choices=(("", "(不限)"), *DEADLINE_LABELS.items())),
    F("note", "说明", "textarea"),
)

# Action name → its fields, in the order the form shows them.
ACTION_FIELDS: dict[str, tuple[ActionField, ...]] = {
    "answer": (F("answer", "答复内容", "textarea", True), F("article", "引用知识条目编号")),
    "reject": (
        F("category", "类别", "select", choices=tuple(RejectCategory.choices), default="other"),
        F("reason", "不予受理理由(将告知市民)", "textarea", True),
    ),
    "transfer_police": (F("reason", "转110原因", "textarea", True), F("police_ref", "110接警编号")),
    "merge": (F("into", "主工单编号", required=True),),
    # Recorded by the 110 link only (no role may): never a form, an API body for symmetry.
    "police_ack": (F("case_number", "110警情编号", required=True),),
    "police_result": (
        F("case_number", "110警情编号", required=True),
        F("result", "处置结果", "textarea", True),
        F("unit", "处置单位"),
        F("handled_at", "处置时间"),
    ),
    "add_contact": (
        F("text", "补充内容", "textarea", True),
        F("channel", "渠道", "select", choices=tuple(Channel.choices), default="phone"),
        F("citizen_name", "来电人"),
        F("phone", "联系电话"),
        F("address", "地址"),
    ),
    "dispatch": (
        F("lead_unit", "主办单位编码", "unit", True),
        F("assist_units", "协办单位编码", "units", help=_ASSIST_HELP),
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
            ((events.REDISPATCH, "同意退单并改派"), (events.OVERRULE, "驳回退单")),
        ),
        F("lead_unit", "改派主办单位编码", "unit"),
        F("assist_units", "改派协办单位编码", "units", help=_ASSIST_HELP),
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
    "release_assist": (
        F("unit", "解除协办的单位编码", "unit", True),
        F("reason", "解除理由", "textarea", True),
    ),
    "review": (
        F("passed", "审核结论", "bool", True, (("1", "通过"), ("0", "不通过"))),
        F("comment", "审核意见", "textarea"),
    ),
    "callback": (
        F("reached", "是否接通", "bool", choices=YES_NO, default=True),
        F("satisfaction", "满意度", "select", choices=(("", "(未接通时不填)"), *Satisfaction.choices)),
        F("resolved", "诉求是否解决", "bool", choices=YES_NO),
        F("note", "回访记录", "textarea"),
    ),
    "archive": (
        F("reason", "归档原因", "select", True, tuple(ArchiveReason.choices)),
        F("note", "说明", "textarea"),
    ),
    # Citizens rate on the portal (``web.views.portal``), which has its own form.
    "citizen_rating": (
        F("rating", "评价", "select", True, tuple(Satisfaction.choices)),
        F("comment", "评价内容", "textarea"),
    ),
    "unit_complaint": (
        F("unit", "被投诉单位编码", "unit", True),
        F("person", "被投诉人(可选)"),
        F("content", "投诉内容", "textarea", True),
    ),
}
