"""How a ticket's recorded history reads to people: labels, states and payloads in Chinese."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from hotline.audit.models import Event
from hotline.org.actor import ROLE_LABELS
from hotline.org.models import Unit
from hotline.sla.deadlines import KIND_LABELS
from hotline.tickets import events
from hotline.tickets.lifecycle import STATE_LABELS, action_label
from hotline.tickets.models import ArchiveReason, AssignmentRole, Channel, RejectCategory, Satisfaction

# Payload key → label, in display order. Keys not listed are internal bookkeeping.
PAYLOAD_LABELS: dict[str, str] = {
    "channel": "渠道",
    "answer": "答复内容",
    "article": "引用知识条目",
    "category": "类别",
    "reason": "理由",
    "police_ref": "110接警编号",
    "into": "合并至",
    "lead_unit_name": "主办单位",
    "lead_unit": "主办单位",
    "assist_units": "协办单位",
    "from_unit": "下派单位",
    "back_to": "退回至",
    "returned_by": "退单单位",
    "decided": "派单员调整",
    "decision": "决定",
    "unit_name": "单位",
    "unit": "单位",
    "share": "承办角色",
    "days": "天数",
    "approve": "审批结果",
    "requested": "申请待审批",
    "direct": "直接挂起",
    "deadline": "针对时限",
    "count": "次数",
    "frozen_seconds": "挂起时长",
    "result": "办理结果",
    "passed": "审核结论",
    "comment": "意见",
    "reached": "是否接通",
    "satisfaction": "满意度",
    "rating": "评价",
    "resolved": "是否解决",
    "rehandle": "重办次数",
    "note": "说明",
    "purpose": "用途",
}
_VALUE_MAPS: dict[str, dict[str, str]] = {
    "channel": dict(Channel.choices),
    "category": dict(RejectCategory.choices),
    "reason": dict(ArchiveReason.choices),
    "satisfaction": dict(Satisfaction.choices),
    "rating": dict(Satisfaction.choices),
    "share": dict(AssignmentRole.choices),
    "decision": {events.REDISPATCH: "改派", events.OVERRULE: "驳回退单"},
    "deadline": KIND_LABELS,
    "passed": {"True": "通过", "False": "不通过"},
    "approve": {"True": "批准", "False": "不批准"},
}


# What a dispatcher decided differently from intake (``decided``): the ticket's fields.
DECIDED_LABELS = {"type": "诉求类型", "topic": "诉求分类", "urgency": "紧急程度", "emotion": "情绪倾向"}
# Keys whose values are unit codes: people read the unit's name (Q03-STJ says nothing).
UNIT_KEYS = frozenset({"lead_unit", "assist_units", "unit", "from_unit", "back_to", "returned_by"})
# A code key is left out when the payload carries the name beside it.
NAMED_BY = {"lead_unit": "lead_unit_name", "unit": "unit_name"}


def _value(key: str, value: Any) -> str:
    if key == "frozen_seconds" and isinstance(value, int | float):
        hours, rest = divmod(int(value), 3600)
        return f"{hours} 小时 {rest // 60} 分"
    if key == "decided" and isinstance(value, dict):
        return ";".join(f"{DECIDED_LABELS.get(k, k)}→{v}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "无"
    mapped = _VALUE_MAPS.get(key, {}).get(str(value))
    if mapped:
        return mapped
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def label_of(key: str, value: Any) -> str:
    """A stored value of ``key`` in Chinese (the vocabularies' labels)."""
    return _value(key, value) if value not in ("", None) else ""


def payload_items(payload: dict[str, Any], names: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """The payload's fields people read, labelled, with unit codes as ``names`` name them."""
    names = names or {}
    items = []
    for key, label in PAYLOAD_LABELS.items():
        if key not in payload:
            continue
        value = payload[key]
        if value in ("", None, []) or payload.get(NAMED_BY.get(key, "")):
            continue
        if key in UNIT_KEYS:
            value = (
                [names.get(str(v), str(v)) for v in value]
                if isinstance(value, list)
                else names.get(str(value), str(value))
            )
        items.append((label, _value(key, value)))
    return items


def unit_codes(payload: dict[str, Any]) -> set[str]:
    codes: set[str] = set()
    for key in UNIT_KEYS & payload.keys():
        value = payload[key]
        codes.update(str(v) for v in (value if isinstance(value, list) else [value]))
    return codes


def timeline_entries(events: Iterable[Event]) -> list[dict[str, Any]]:
    """The staff timeline: every event, unit codes named in one query for them all."""
    shown = list(events)
    codes = set().union(*(unit_codes(e.payload or {}) for e in shown))
    names = dict(Unit.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    return [timeline_entry(e, names) for e in shown]


def timeline_entry(event: Event, names: dict[str, str] | None = None) -> dict[str, Any]:
    actor = event.actor
    return {
        "seq": event.seq,
        "action": event.action,
        "label": action_label(event.action),
        "who": (actor.display_name or actor.username) if actor else ROLE_LABELS.get(event.actor_role, "系统"),
        "role": ROLE_LABELS.get(event.actor_role, event.actor_role),
        "unit": event.actor_unit.name if event.actor_unit else "",
        "when": event.created_at,
        "from_state": STATE_LABELS.get(event.from_state, event.from_state),
        "to_state": STATE_LABELS.get(event.to_state, event.to_state),
        "changed": bool(event.to_state) and event.from_state != event.to_state,
        "items": payload_items(event.payload or {}, names),
        "hash": event.hash[:12],
    }


def deadline_rows(ticket: Any, open_kinds: list[str], now: datetime) -> list[dict[str, Any]]:
    rows = []
    for kind, label in KIND_LABELS.items():
        due = getattr(ticket, f"{kind}_deadline")
        if due is None:
            continue
        is_open = kind in open_kinds
        rows.append({"label": label, "due": due, "open": is_open, "overdue": is_open and due < now})
    return rows
