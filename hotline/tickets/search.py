"""Staff search over tickets (找工单): parse a query's fields, then one scoped query.

``parse`` turns the outside input (a page's query string, an API call's parameters) into
``Criteria``, or refuses it with every bad field's zh-CN message (``SearchRefused``):
lengths are capped, dates parsed, states and channels checked against their choices, so
no query string reaches the database unbounded. ``search`` starts from the caller's data
scope (``selectors.scoped_tickets``) — a ticket outside it is never found, whichever field
matches — and reads one page newest first by keyset (``created_at``, ``id``): the next page
starts after the last row seen, so a deep page costs what the first does and no COUNT of
the matches runs.

How each field matches, and what the database can use for it:
- number: exact, or a prefix (a day ``20260312``, a day and the first digits) — a range on
  the unique index;
- phone: the digits of a whole number (``citizens.canonical_phone``), on the ticket or on
  any later contact (as the caller panel finds a citizen); four digits are the last four
  (the ``phone_last4`` index);
- name: its start (「张」, 「张伟」), from the index of migration 0007;
- address, text (title or content): a substring (``LIKE '%…%'``); on PostgreSQL the
  trigram indexes of migration 0006 serve them;
- unit: the lead unit, by exact code or a part of its name, among the units in scope;
- state (several), channel, created date range (Beijing days, both ends included).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import F, Lookup, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from hotline.errors import InvalidInput
from hotline.org.scope import DataScope
from hotline.tickets.citizens import canonical_phone, tickets_of_phone
from hotline.tickets.models import Channel, State, Ticket
from hotline.tickets.selectors import scoped_tickets

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Caps on what one field may carry: longer input is refused, never cut silently.
MAX_LENGTH = {"number": 16, "phone": 24, "name": 50, "address": 100, "text": 100, "unit": 100}
# A substring of one character matches most of a prefecture's tickets and proves nothing.
MIN_SUBSTRING = {"address": 2, "text": 2}
# A unit "name" matching more units than this is too vague to filter by.
MAX_UNITS = 50
FIELD_LABELS = {
    "number": "工单编号",
    "phone": "电话",
    "name": "市民姓名",
    "address": "地址",
    "text": "内容",
    "unit": "主办单位",
    "state": "状态",
    "channel": "渠道",
    "from": "起始日期",
    "to": "截止日期",
    "after": "翻页位置",
}
# The query-string keys ``parse`` reads (a saved filter keeps only these).
KEYS = tuple(k for k in FIELD_LABELS if k != "after")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_CURSOR = re.compile(r"(\d{1,20})\.(\d{1,20})")
STATE_LABELS = dict(State.choices)
CHANNEL_LABELS = dict(Channel.choices)


class SearchRefused(InvalidInput):
    """Some fields of a search are bad: ``errors`` has each one's zh-CN message."""

    def __init__(self, errors: dict[str, str]) -> None:
        first = next(iter(errors))
        super().__init__(first, ";".join(f"{FIELD_LABELS.get(k, k)}:{v}" for k, v in errors.items()))
        self.errors = errors

    def as_dict(self) -> dict[str, Any]:
        detail = [{"loc": ["query", k], "msg": v, "type": "value_error"} for k, v in self.errors.items()]
        return {"code": self.code, "message": self.message, "detail": detail}


@dataclass(frozen=True)
class Criteria:
    number: str = ""
    phone: str = ""
    name: str = ""
    address: str = ""
    text: str = ""
    unit: str = ""
    states: tuple[str, ...] = ()
    channel: str = ""
    created_from: date | None = None
    created_to: date | None = None

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after the ticket created at ``created_at`` with ``id``."""

    created_at: datetime
    id: int

    def token(self) -> str:
        micros = int(self.created_at.timestamp() * 1_000_000)
        return f"{micros}.{self.id}"


@dataclass
class Result:
    items: list[Ticket]
    next: Cursor | None  # the next page's start, or None on the last page


def _values(params: Mapping[str, Any], key: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    raw = getlist(key) if getlist is not None else params.get(key, [])
    values = raw if isinstance(raw, list | tuple) else [raw]
    return [str(v) for v in values if v is not None]


def _one(params: Mapping[str, Any], key: str) -> str:
    values = _values(params, key)
    return values[-1].strip() if values else ""


def _date(raw: str, errors: dict[str, str], key: str) -> date | None:
    if not raw:
        return None
    if not _DATE.fullmatch(raw):
        errors[key] = "日期格式应为 年-月-日,如 2026-03-12"
        return None
    year, month, day = (int(p) for p in raw.split("-"))
    if not 2000 <= year <= 2100:
        errors[key] = "年份须在 2000 至 2100 之间"
        return None
    try:
        return date(year, month, day)
    except ValueError:
        errors[key] = f"日期 {raw} 不存在"
        return None


def parse(params: Mapping[str, Any]) -> Criteria:
    """The search a query string asks for, or ``SearchRefused`` naming every bad field."""
    errors: dict[str, str] = {}
    text: dict[str, str] = {}
    for key, cap in MAX_LENGTH.items():
        value = " ".join(_one(params, key).split())
        if len(value) > cap:
            errors[key] = f"不能超过 {cap} 个字"
        elif value and len(value) < MIN_SUBSTRING.get(key, 1):
            errors[key] = f"至少输入 {MIN_SUBSTRING[key]} 个字"
        else:
            text[key] = value
    number = text.get("number", "")
    if number and not (number.isascii() and number.isdigit()):
        errors["number"] = "工单编号只含数字"
    phone = canonical_phone(text.get("phone", ""))
    bare = phone.lstrip("+")
    if (text.get("phone") and not phone) or (
        phone and not (bare.isascii() and bare.isdigit() and len(phone) >= 4)
    ):
        errors["phone"] = "请输入完整电话号码或后四位数字"
    elif phone and 4 < len(phone) < 7:
        errors["phone"] = "请输入完整电话号码(至少 7 位)或后四位数字"
    states = [s for v in _values(params, "state") for s in v.split(",") if s.strip()]
    states = list(dict.fromkeys(s.strip() for s in states))
    unknown = [s for s in states if s not in State.values]
    if unknown:
        errors["state"] = f"未知状态:{'、'.join(s[:20] for s in unknown[:5])}"
    channel = _one(params, "channel")
    if channel and channel not in Channel.values:
        errors["channel"] = "未知渠道"
    created_from = _date(_one(params, "from"), errors, "from")
    created_to = _date(_one(params, "to"), errors, "to")
    if created_from and created_to and created_from > created_to:
        errors["to"] = "截止日期不能早于起始日期"
    if errors:
        raise SearchRefused(errors)
    return Criteria(
        number=number,
        phone=phone,
        name=text.get("name", ""),
        address=text.get("address", ""),
        text=text.get("text", ""),
        unit=text.get("unit", ""),
        states=tuple(states),
        channel=channel,
        created_from=created_from,
        created_to=created_to,
    )


def parse_cursor(raw: str) -> Cursor | None:
    """A page's start from its token (``Cursor.token``); a bad token is a refusal."""
    raw = (raw or "").strip()
    if not raw:
        return None
    match = _CURSOR.fullmatch(raw)
    if match is None:
        raise SearchRefused({"after": "翻页位置无效,请从第一页重新查询"})
    micros, pk = int(match[1]), int(match[2])
    try:
        at = datetime.fromtimestamp(micros / 1_000_000, tz=timezone.get_fixed_timezone(0))
    except (OverflowError, OSError, ValueError):
        raise SearchRefused({"after": "翻页位置无效,请从第一页重新查询"}) from None
    return Cursor(at, pk)


def _day_start(day: date) -> datetime:
    # Days are the platform's (Beijing) days, as people name them on the phone.
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _lead_units(scope: DataScope, unit: str) -> list[int]:
    by_code = list(scope.units().filter(code=unit).values_list("pk", flat=True))
    if by_code:
        return by_code
    named = list(scope.units().filter(name__contains=unit).values_list("pk", flat=True)[: MAX_UNITS + 1])
    if not named:
        raise SearchRefused({"unit": f"单位「{unit}」不存在或不在您的数据范围内"})
    if len(named) > MAX_UNITS:
        raise SearchRefused(
            {"unit": f"名称含「{unit}」的单位超过 {MAX_UNITS} 个,请输入更完整的名称或单位编码"}
        )
    return named


def _number_q(number: str) -> Q:
    # The number itself or a prefix, as a range ([prefix, prefix + ":") — ":" follows "9"):
    # the unique index serves it on both databases, where LIKE 'x%' would not on SQLite.
    return Q(number__gte=number, number__lt=number + ":")


def _starts_q(column: str, prefix: str) -> Q:
    """``column`` starts with ``prefix``, from the column's index (migration 0007): LIKE
    'x%' on PostgreSQL (the pattern opclass), a range on SQLite, whose LIKE never reads an
    index (exact in its byte order: the next string after every one that starts so)."""
    last = ord(prefix[-1]) + 1
    last += 0x800 if 0xD800 <= last <= 0xDFFF else 0  # no string holds a lone surrogate
    if connection.vendor == "sqlite" and last <= 0x10FFFF:
        return Q(**{f"{column}__gte": prefix, f"{column}__lt": prefix[:-1] + chr(last)})
    return Q(**{f"{column}__startswith": prefix})


class Substring(Lookup):  # type: ignore[type-arg]
    """``column`` contains ``value``, ASCII case ignored. SQLite's LIKE ignores ASCII case
    itself. On PostgreSQL a value with a Latin letter is matched with ILIKE, any other
    (Chinese has no case) with LIKE, which reads a row in half the time; the trigram
    indexes serve both, where Django's ``icontains`` (UPPER(col) LIKE UPPER(…)) would need
    indexes of its own. Not registered on the fields: only the search uses it."""

    lookup_name = "substring"
    prepare_rhs = False

    def __init__(self, column: str, value: str) -> None:
        self.cased = any(c.isascii() and c.isalpha() for c in value)
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        super().__init__(F(column), f"%{escaped}%")

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        op = "ILIKE" if connection.vendor == "postgresql" and self.cased else "LIKE"
        return f"{lhs} {op} {rhs} ESCAPE '\\'", (*lhs_params, *rhs_params)


def matching(scope: DataScope, criteria: Criteria) -> QuerySet[Ticket]:
    """The tickets in ``scope`` that ``criteria`` match (unordered)."""
    c = criteria
    qs = scoped_tickets(scope, per_row=bool(c.number or c.phone or c.name))
    if c.number:
        qs = qs.filter(_number_q(c.number))
    if c.phone:
        if len(c.phone) == 4:
            qs = qs.filter(phone_last4=c.phone)
        else:
            # Two index lookups in one id list: an OR of the two would read every ticket.
            first, later = tickets_of_phone(c.phone)
            qs = qs.filter(pk__in=first.order_by().values("pk").union(later.order_by().values("ticket_id")))
    if c.name:
        qs = qs.filter(_starts_q("citizen_name", c.name))
    if c.address:
        qs = qs.filter(Substring("address", c.address))
    if c.text:
        qs = qs.filter(Q(Substring("text", c.text)) | Q(Substring("title", c.text)))
    if c.unit:
        qs = qs.filter(lead_unit_id__in=_lead_units(scope, c.unit))
    if c.states:
        qs = qs.filter(state__in=c.states)
    if c.channel:
        qs = qs.filter(channel=c.channel)
    if c.created_from:
        qs = qs.filter(created_at__gte=_day_start(c.created_from))
    if c.created_to:
        qs = qs.filter(created_at__lt=_day_start(c.created_to + timedelta(days=1)))
    return qs


def search(
    scope: DataScope, criteria: Criteria, *, after: Cursor | None = None, page_size: int = PAGE_SIZE
) -> Result:
    """One page of the tickets in ``scope`` that ``criteria`` match, newest first."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    qs = matching(scope, criteria)
    if after is not None:
        qs = qs.filter(Q(created_at__lt=after.created_at) | Q(created_at=after.created_at, pk__lt=after.id))
    newest: Any = F("created_at")
    if not scope.everything and (criteria.address or criteria.text):
        # Within a unit's share of the tickets, a substring is best checked on the unit's
        # tickets (from the assignment index) and the matches sorted; ordering by the bare
        # column leads the planners to walk every ticket newest first instead (PostgreSQL:
        # ten times slower for a township at 200,000 tickets, bench/search.py).
        newest = Coalesce("created_at", "created_at")
    order = (newest.desc(), F("id").desc())
    rows = list(qs.select_related("lead_unit").order_by(*order)[: page_size + 1])
    more = len(rows) > page_size
    rows = rows[:page_size]
    return Result(items=rows, next=Cursor(rows[-1].created_at, rows[-1].pk) if more and rows else None)


def excerpt(ticket: Ticket, length: int = 60) -> str:
    """The start of the citizen's text, on one line, for a result list."""
    text = " ".join((ticket.text or "").split())
    return text[:length] + ("…" if len(text) > length else "")


def describe(criteria: Criteria) -> str:
    """The search in words, for a saved filter's tooltip and the page's heading."""
    c = criteria
    parts = [
        f"{FIELD_LABELS[k]}「{v}」"
        for k, v in (
            ("number", c.number),
            ("phone", c.phone),
            ("name", c.name),
            ("address", c.address),
            ("text", c.text),
            ("unit", c.unit),
        )
        if v
    ]
    if c.states:
        parts.append("状态:" + "、".join(STATE_LABELS[s] for s in c.states))
    if c.channel:
        parts.append("渠道:" + CHANNEL_LABELS[c.channel])
    if c.created_from or c.created_to:
        parts.append(f"受理日期 {c.created_from or '…'} 至 {c.created_to or '…'}")
    return ",".join(parts) or "全部工单"
