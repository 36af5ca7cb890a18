"""The generic import: an old system's export (CSV or xlsx), its columns named by a mapping.

A mapping names, for each field of the platform, the column of the file that holds it
(docs/import.md has the fields and an example), in a TOML file (``--mapping``) or on the
command line (``--column text=诉求内容``); the words the old system used for channel,
state and satisfaction map to the platform's through built-in tables that a mapping may
extend (``[values.state]`` …). The header is checked against the mapping before any row
is read, so a mapping naming a column the file lacks changes nothing.

What a row's state says happened (times from the mapped columns; a missing dispatch time
is five minutes after acceptance, the signing half an hour after dispatch):

- 已受理 (accepted): the ticket only; 不予受理 (rejected): refused at the closing time;
- 已派单 dispatched to the unit; 办理中 (handling) also signed by it;
- 已办结待审核 (reported) also reported with the result at the closing time; 待回访
  (awaiting_callback) also reviewed; 已归档 (archived) also closed: with the citizen's
  satisfaction when it was 满意 / 基本满意 (a reached 回访), else archived with the
  old satisfaction in the note (a dissatisfied callback would re-open the ticket, and the
  export does not say how it went on).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hotline.analytics.imports import (
    ImportFileError,
    Planned,
    Source,
    UnitRef,
    Units,
    _check_text,
    csv_rows,
    parse_time,
)
from hotline.tickets import actions as a
from hotline.tickets.models import Channel, Satisfaction, State

# The platform's fields a mapping may name, with their zh-CN names.
FIELDS: dict[str, str] = {
    "number": "原工单编号",
    "received_at": "受理时间",
    "dispatched_at": "派单时间",
    "closed_at": "办结时间",
    "channel": "渠道",
    "title": "标题",
    "text": "诉求内容",
    "address": "地点",
    "lat": "纬度",
    "lng": "经度",
    "unit": "承办单位",
    "unit_code": "承办单位编码",
    "state": "状态",
    "result": "办理结果",
    "satisfaction": "满意度",
    "type": "诉求类型",
    "topic": "诉求分类",
    "urgency": "紧急程度",
    "citizen_name": "市民姓名",
    "phone": "联系电话",
}
REQUIRED = ("number", "received_at", "text")

CHANNEL_WORDS: dict[str, str] = {
    **{label: code for code, label in Channel.choices},
    **{code: code for code in Channel.values},
    "12345": "phone",
    "热线": "phone",
    "来电": "phone",
    "网络": "web",
    "门户网站": "web",
    "网上": "web",
    "APP": "app",
    "小程序": "app",
    "邮件": "email",
    "110": "police",
}
STATE_WORDS: dict[str, str] = {
    **{label: code for code, label in State.choices},
    **{code: code for code in State.values},
    "待处理": "accepted",
    "新建": "accepted",
    "open": "accepted",
    "待签收": "dispatched",
    "处理中": "handling",
    "在办": "handling",
    "in progress": "handling",
    "已办结": "archived",
    "办结": "archived",
    "已完成": "archived",
    "完成": "archived",
    "已关闭": "archived",
    "closed": "archived",
    "无效": "rejected",
}
SATISFACTION_WORDS: dict[str, str] = {
    **{label: code for code, label in Satisfaction.choices},
    **{code: code for code in Satisfaction.values},
    "非常满意": "satisfied",
    "比较满意": "basically_satisfied",
}
IMPORTED_STATES = (
    "accepted",
    "rejected",
    "dispatched",
    "handling",
    "reported",
    "awaiting_callback",
    "archived",
)
AFTER_DISPATCH = IMPORTED_STATES[2:]


@dataclass
class Mapping:
    columns: dict[str, str]  # field → the file's column
    source: str = "csv"  # the old system's name: keys are "<source>:<number>"
    timezone: str = "Asia/Shanghai"
    time_format: str = ""  # strptime's; empty: the common formats are tried
    default_channel: str = "phone"
    sheet: str = ""  # xlsx: the sheet (default: the first)
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # channel/state/satisfaction words

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def load(
    path: Path | None = None,
    columns: list[str] | None = None,
    *,
    source: str = "",
    timezone: str = "",
    sheet: str = "",
) -> Mapping:
    """The mapping of a TOML file and/or ``FIELD=列名`` pairs (which win)."""
    data: dict[str, Any] = {}
    if path is not None:
        if not path.is_file():
            raise ImportFileError(f"映射文件不存在:{path}")
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ImportFileError(f"映射文件不是有效的 TOML:{exc}") from exc
    named = dict(data.get("columns") or {})
    for pair in columns or []:
        name, sep, column = pair.partition("=")
        if not sep or not name.strip() or not column.strip():
            raise ImportFileError(f"列映射「{pair}」应写作 字段=列名,如 text=诉求内容")
        named[name.strip()] = column.strip()
    unknown = sorted(set(named) - set(FIELDS))
    if unknown:
        raise ImportFileError(f"映射中的字段「{'、'.join(unknown)}」未知;可用的字段:{', '.join(FIELDS)}")
    missing = [f for f in REQUIRED if not named.get(f)]
    if missing:
        raise ImportFileError(
            "映射缺少必填字段:"
            + "、".join(f"{f}({FIELDS[f]})" for f in missing)
            + ",请用 --column 字段=列名 指定"
        )
    values = data.get("values") or {}
    if not isinstance(values, dict) or set(values) - {"channel", "state", "satisfaction"}:
        raise ImportFileError("映射的 [values] 只能含 channel、state、satisfaction 三张表")
    mapping = Mapping(
        columns={k: str(v) for k, v in named.items()},
        source=source or str(data.get("source") or "csv"),
        timezone=timezone or str(data.get("timezone") or "Asia/Shanghai"),
        time_format=str(data.get("time_format") or ""),
        default_channel=str(data.get("default_channel") or "phone"),
        sheet=sheet or str(data.get("sheet") or ""),
        values={k: {str(w): str(c) for w, c in (v or {}).items()} for k, v in values.items()},
    )
    if not mapping.source.replace("-", "").replace("_", "").isalnum() or len(mapping.source) > 16:
        raise ImportFileError(f"来源名「{mapping.source}」须为不超过 16 个字符的字母、数字、- 或 _")
    try:
        mapping.tz  # noqa: B018 - checked once here, used per row
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ImportFileError(f"未知时区「{mapping.timezone}」") from exc
    for word, code in mapping.values.get("state", {}).items():
        if code not in IMPORTED_STATES:
            raise ImportFileError(
                f"状态「{word}」映射到的「{code}」不可导入;可选:{', '.join(IMPORTED_STATES)}"
            )
    return mapping


def check_header(mapping: Mapping, header: list[str]) -> None:
    absent = [(f, c) for f, c in mapping.columns.items() if c not in header]
    if absent:
        named = "、".join(f"「{c}」({f})" for f, c in absent)
        raise ImportFileError(f"映射的列 {named} 在文件中不存在;文件的列:{', '.join(header)}")


def rows(mapping: Mapping) -> Any:
    """The row reader of ``Source``: CSV or xlsx by the file's suffix, header checked."""

    def read(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
        suffix = path.suffix.lower()
        if suffix == ".xls":
            raise ImportFileError("不支持旧版 .xls 文件,请在 Excel 中另存为 .xlsx 或 UTF-8 CSV")
        reader = _xlsx_rows(path, mapping.sheet) if suffix in (".xlsx", ".xlsm") else csv_rows(path)
        first = True
        for line, row in reader:
            if first:
                check_header(mapping, list(row))
                first = False
            yield line, row

    return read


def _xlsx_rows(path: Path, sheet: str) -> Iterator[tuple[int, dict[str, str]]]:
    from openpyxl import load_workbook  # only an xlsx import pays for it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile's, its own, KeyError …
        raise ImportFileError(f"不是有效的 xlsx 文件:{path.name}") from exc
    try:
        if sheet and sheet not in book.sheetnames:
            raise ImportFileError(f"工作表「{sheet}」不存在;文件中有:{', '.join(book.sheetnames)}")
        ws = book[sheet] if sheet else book.worksheets[0]
        cells = ws.iter_rows(values_only=True)
        header = [_cell(v) for v in next(cells, ())]
        for line, values in enumerate(cells, 2):
            if all(v is None or _cell(v) == "" for v in values):
                continue
            yield line, {h: _cell(v) for h, v in zip(header, values, strict=False) if h}
    finally:
        book.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def source(mapping: Mapping) -> Source:
    number_column = mapping.columns["number"]

    def number_of(row: dict[str, str]) -> str:
        value = row.get(number_column, "")
        if not value:
            raise ValueError(f"缺少{FIELDS['number']}(列「{number_column}」)")
        if len(value) > 80:
            raise ValueError(f"{FIELDS['number']}过长(超过 80 个字符)")
        return value

    return Source(
        "csv",
        f"{mapping.source}:",
        number_of,
        lambda row, key: plan(mapping, row, key),
        Units(
            f"IMP-{mapping.source.upper()}"[:32],
            f"{mapping.source} 历史承办单位(导入)",
            mapping.source.upper(),
            existing=True,
        ),
        rows(mapping),
    )


def _word(mapping: Mapping, kind: str, builtin: dict[str, str], value: str) -> str:
    table = {**builtin, **mapping.values.get(kind, {})}
    return table.get(value) or table.get(value.lower()) or table.get(value.upper(), "")


def plan(mapping: Mapping, row: dict[str, str], key: str) -> Planned:
    """What one row says happened (see the module's docstring)."""

    def get(name: str) -> str:
        column = mapping.columns.get(name)
        return row.get(column, "").strip() if column else ""

    def time(name: str) -> datetime | None:
        value = get(name)
        if not value:
            return None
        try:
            return parse_time(value, mapping.tz, mapping.time_format)
        except ValueError as exc:
            raise ValueError(f"{FIELDS[name]}:{exc}") from None

    text = get("text")
    if not text:
        raise ValueError(f"{FIELDS['text']}为空")
    _check_text(text + get("title") + get("result"))
    received = time("received_at")
    if received is None:
        raise ValueError(f"{FIELDS['received_at']}为空")
    channel_word = get("channel")
    channel = (
        _word(mapping, "channel", CHANNEL_WORDS, channel_word) if channel_word else mapping.default_channel
    )
    if not channel:
        raise ValueError(f"未知渠道「{channel_word}」,请在映射的 [values.channel] 中注明")
    lat, lng = _coordinate(get("lat"), "lat"), _coordinate(get("lng"), "lng")
    planned = Planned(
        a.NewContact(
            channel=channel,
            title=get("title")[:200],
            text=text,
            citizen_name=get("citizen_name")[:50],
            phone=get("phone"),
            address=get("address")[:300],
            lat=lat,
            lng=lng,
            idempotency_key=key,
            received_at=received,
            type=get("type"),
            topic=get("topic")[:200],
            urgency=get("urgency"),
        )
    )
    closed, unit_name = time("closed_at"), get("unit")
    state_word = get("state")
    if state_word:
        state = _word(mapping, "state", STATE_WORDS, state_word)
        if state not in IMPORTED_STATES:
            raise ValueError(f"未知或不可导入的状态「{state_word}」,请在映射的 [values.state] 中注明")
    else:
        state = "archived" if closed and unit_name else "dispatched" if unit_name else "accepted"
    if closed is not None and closed < received:
        raise ValueError(f"{FIELDS['closed_at']}早于{FIELDS['received_at']}")
    if state == "rejected":
        planned.add("reject", closed or received, text=get("result") or "历史数据导入:不予受理")
        return planned
    if state == "accepted":
        return planned
    if not unit_name and not get("unit_code"):
        raise ValueError(f"状态为「{state_word or state}」的工单须有{FIELDS['unit']}")
    unit = UnitRef(unit_name or get("unit_code"), get("unit_code"))
    dispatched = time("dispatched_at") or min(
        received + timedelta(minutes=5), closed or received + timedelta(minutes=5)
    )
    if dispatched < received:
        raise ValueError(f"{FIELDS['dispatched_at']}早于{FIELDS['received_at']}")
    planned.add("dispatch", dispatched, unit)
    if state == "dispatched":
        return planned
    if closed is None and state != "handling":
        raise ValueError(f"状态为「{state_word or state}」的工单须有{FIELDS['closed_at']}")
    if closed is not None and closed < dispatched:
        raise ValueError(f"{FIELDS['closed_at']}早于{FIELDS['dispatched_at']}")
    signed = dispatched + timedelta(minutes=30)
    planned.add("sign", min(signed, closed) if closed else signed, unit)
    if state == "handling":
        return planned
    assert closed is not None
    planned.add("report", closed, unit, text=get("result") or "已办结")
    if state == "reported":
        return planned
    planned.add("review", closed)
    if state == "awaiting_callback":
        return planned
    satisfaction_word = get("satisfaction")
    satisfaction = (
        _word(mapping, "satisfaction", SATISFACTION_WORDS, satisfaction_word) if satisfaction_word else ""
    )
    if satisfaction_word and not satisfaction:
        raise ValueError(f"未知满意度「{satisfaction_word}」,请在映射的 [values.satisfaction] 中注明")
    if satisfaction in (Satisfaction.SATISFIED, Satisfaction.BASICALLY):
        planned.add("callback", closed, satisfaction=satisfaction, resolved=True)
    elif satisfaction:
        planned.add("archive", closed, text=f"历史数据导入(原系统满意度:{Satisfaction(satisfaction).label})")
    else:
        planned.add("archive", closed, text="历史数据导入")
    return planned


def _coordinate(value: str, name: str) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{FIELDS[name]}「{value}」不是数字") from None
