"""Open311 service attributes: the extra questions some services ask (GeoReport v2's
service definition), and the check of a POST's ``attribute[code]`` answers against them.

A handler needs more than a description for a few matters: which lamp post, when the
noise is heard, how much pay is owed. Those services say ``metadata: true`` and their
definition lists the attributes; the answers are kept with the request and written
under the description, so the unit reads them on the ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.open311.refusal import Refusal

MAX_ANSWER = 200


@dataclass(frozen=True)
class Attribute:
    code: str
    description: str  # the question, as the client shows it
    datatype: str  # string | number | datetime | text | singlevaluelist | multivaluelist
    required: bool = False
    order: int = 1
    values: tuple[tuple[str, str], ...] = ()  # (key, name) of a value list

    def as_dict(self) -> dict[str, Any]:
        value: dict[str, Any] = {
            "variable": True,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": _DATATYPE_HELP[self.datatype],
            "order": self.order,
            "description": self.description,
        }
        if self.values:
            value["values"] = [{"key": k, "name": n} for k, n in self.values]
        return value


_DATATYPE_HELP = {
    "string": "一行文字",
    "number": "数字",
    "datetime": "W3C 日期时间",
    "text": "多行文字",
    "singlevaluelist": "从列表中选一项(填 key)",
    "multivaluelist": "从列表中选一项或多项(填 key,可重复 attribute[code][])",
}

_TIMES = (
    ("morning", "早晨(6-8时)"),
    ("day", "白天(8-18时)"),
    ("evening", "傍晚(18-22时)"),
    ("night", "夜间(22-6时)"),
)

# Topic path (the taxonomy's level1 / level2 / level3) → the questions its service asks.
BY_TOPIC: dict[str, tuple[Attribute, ...]] = {
    "城乡建设 / 市政设施 / 路灯": (
        Attribute("pole_number", "灯杆编号(灯杆上的喷涂编号,如有)", "string", order=1),
        Attribute("lamps_out", "不亮的路灯数量", "number", order=2),
    ),
    "环境保护 / 环境污染 / 噪声污染": (
        Attribute(
            "noise_source",
            "噪声来源",
            "singlevaluelist",
            True,
            1,
            (
                ("construction", "建筑施工"),
                ("business", "商铺经营"),
                ("traffic", "交通"),
                ("neighbour", "邻里生活"),
                ("other", "其他"),
            ),
        ),
        Attribute("noise_times", "主要出现的时段", "multivaluelist", True, 2, _TIMES),
    ),
    "劳动和社会保障 / 劳动关系 / 拖欠工资": (
        Attribute("employer", "用工单位名称", "string", True, 1),
        Attribute("amount_owed", "被拖欠金额(元)", "number", order=2),
        Attribute("workers", "被拖欠人数", "number", order=3),
    ),
}


def attributes_of(path: str) -> tuple[Attribute, ...]:
    return BY_TOPIC.get(path, ())


def checked(path: str, given: dict[str, Any]) -> dict[str, Any]:
    """The answers to ``path``'s questions, checked: a required one missing, an unknown
    code, a value outside its list or not a number is a 400 naming the attribute."""
    asked = {a.code: a for a in attributes_of(path)}
    unknown = sorted(set(given) - set(asked))
    if unknown:
        raise Refusal(400, f"该服务没有属性「{'、'.join(unknown)}」")
    answers: dict[str, Any] = {}
    for attribute in asked.values():
        value = given.get(attribute.code)
        if value is None:
            if attribute.required:
                raise Refusal(400, f"缺少必填属性 attribute[{attribute.code}]({attribute.description})")
            continue
        answers[attribute.code] = _value(attribute, value)
    return answers


def _value(attribute: Attribute, value: Any) -> Any:
    values = value if isinstance(value, list) else [value]
    if attribute.datatype != "multivaluelist" and len(values) > 1:
        raise Refusal(400, f"属性 attribute[{attribute.code}] 只能填一个值")
    if any(len(v) > MAX_ANSWER for v in values):
        raise Refusal(400, f"属性 attribute[{attribute.code}] 的值不能超过 {MAX_ANSWER} 字")
    keys = {k for k, _ in attribute.values}
    if attribute.values and not set(values) <= keys:
        raise Refusal(400, f"属性 attribute[{attribute.code}] 须为以下之一:{'、'.join(sorted(keys))}")
    if attribute.datatype == "number":
        try:
            number = float(values[0])
        except ValueError:
            raise Refusal(400, f"属性 attribute[{attribute.code}] 须为数字") from None
        if number != number or number in (float("inf"), float("-inf")) or number < 0:
            raise Refusal(400, f"属性 attribute[{attribute.code}] 须为非负的有限数字")
    return values if attribute.datatype == "multivaluelist" else values[0]


def as_text(path: str, answers: dict[str, Any]) -> str:
    """The answers as lines under the description, in the client's words' language."""
    lines = []
    for attribute in attributes_of(path):
        if attribute.code not in answers:
            continue
        names = dict(attribute.values)
        value = answers[attribute.code]
        given = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        shown = "、".join(names.get(v, v) for v in given)
        lines.append(f"{attribute.description}:{shown}")
    return "\n".join(lines)
