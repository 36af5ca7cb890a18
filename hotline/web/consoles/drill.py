"""The tickets behind a figure of the leader dashboard (``/leader/tickets/``).

Every chart, ranking row and KPI cell of the dashboard links here with the filters that
made its figure, so the list holds the very tickets counted:

- ``counter`` (a rollup counter, or a KPI key with ``part`` numerator / denominator):
  the tickets whose facts (``analytics.TicketFacts``) set it, in the period's days or on
  ``day``, for the responsible ``unit`` — as the rates and the trend count them;
- otherwise the tickets received in the last ``days`` days (``recent``: the last 7 days,
  as the hotspot charts count), narrowed by ``unit`` (the lead unit), ``type``,
  ``topic``, ``place`` (a place and everything in it) and ``overdue``.

Everything is read through the user's data scope; a unit or place outside it is "not
found", as is a unit that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import QueryDict

from hotline.analytics.kpis import COUNTERS, KPIS
from hotline.analytics.models import COUNTER_NAMES, TicketFacts
from hotline.errors import InvalidInput, NotFound
from hotline.org.models import Unit
from hotline.org.scope import DataScope
from hotline.sla.deadlines import overdue_q
from hotline.tickets.models import Ticket, TicketType
from hotline.tickets.selectors import scoped_tickets
from hotline.web.consoles import metrics

PERIODS = {7: "近7天", 30: "近30天", 90: "近90天"}
UNIT_MISSING = "单位不存在或不在您的数据范围内"
PLACE_MISSING = "属地不存在或不在您的数据范围内"


@dataclass
class Drill:
    tickets: QuerySet[Ticket]
    filters: list[tuple[str, str]] = field(default_factory=list)  # (what, value) in zh-CN


def _unit(scope: DataScope, code: str, missing: str, by: str = "code") -> Unit:
    try:
        unit = Unit.objects.get(**{by: code})
    except (Unit.DoesNotExist, ValueError):
        raise NotFound(missing) from None
    if not scope.covers_unit(unit):
        raise NotFound(missing)
    return unit


def _days(q: QueryDict) -> int:
    raw = q.get("days", "30")
    if not raw.isdigit() or int(raw) not in PERIODS:
        raise InvalidInput("days", "统计周期须为近7天、近30天或近90天")
    return int(raw)


def _metric(q: QueryDict) -> tuple[str, str]:
    """The counter a figure counts and its zh-CN name."""
    key = q.get("counter", "")
    part = q.get("part", "numerator")
    if key in COUNTER_NAMES:
        return key, COUNTERS[key][0]
    if key in KPIS:
        kpi = KPIS[key]
        if part not in ("numerator", "denominator"):
            raise InvalidInput("part", "part 须为 numerator 或 denominator")
        metric = kpi.numerator if part == "numerator" else kpi.denominator
        if metric is None:
            raise InvalidInput("part", f"「{kpi.label}」是计数,没有分母")
        return metric, f"{kpi.label}的{'分子' if part == 'numerator' else '分母'}:{COUNTERS[metric][0]}"
    raise InvalidInput("counter", f"未知指标「{key}」")


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("day", "日期须为 YYYY-MM-DD") from None


def drill(scope: DataScope, q: QueryDict, now: datetime) -> Drill:
    """The tickets of the figure ``q`` describes (see the module's docstring)."""
    days = _days(q)
    qs = scoped_tickets(scope)
    filters: list[tuple[str, str]] = []
    unit = _unit(scope, str(q.get("unit", "")), UNIT_MISSING) if q.get("unit") else None
    if q.get("counter"):
        metric, label = _metric(q)
        facts = TicketFacts.objects.filter(**{f"{metric}__gt": 0})
        if q.get("day"):
            day = _day(str(q.get("day", "")))
            facts = facts.filter(day=day)
            filters.append(("受理日期", day.isoformat()))
        else:
            period = metrics.period_of(now, days)
            facts = facts.filter(day__gte=period.start, day__lte=period.end)
            filters.append(("统计周期", f"{PERIODS[days]}({period.label})"))
        if unit is not None:
            facts = facts.filter(unit_id=unit.pk)
        elif not scope.everything:  # the rollups count the units in scope
            facts = facts.filter(unit_id__in=scope.units().values("pk"))
        qs = qs.filter(pk__in=facts.values("ticket_id"))
        filters.append(("指标", label))
    elif q.get("overdue") == "1":
        pass  # overdue now, whenever received: the live count the dashboard shows
    else:
        recent = q.get("recent") == "7"
        since = now - timedelta(days=7 if recent else days)
        qs = qs.filter(created_at__gte=since, created_at__lt=now)
        filters.append(("受理时间", "近7天" if recent else PERIODS[days]))
    if unit is not None:
        if not q.get("counter"):
            qs = qs.filter(lead_unit=unit)
        filters.append(("责任单位", unit.name))
    if q.get("type"):
        kind = str(q.get("type", ""))
        if kind not in TicketType.values:
            raise InvalidInput("type", "未知的诉求类型")
        qs = qs.filter(type=kind)
        filters.append(("诉求类型", str(TicketType(kind).label)))
    if "topic" in q:
        topic = str(q.get("topic", ""))[:200]
        qs = qs.filter(topic=topic if topic != "未分类" else "")
        filters.append(("诉求分类", topic or "未分类"))
    if q.get("place"):
        place = _unit(scope, str(q.get("place", "")), PLACE_MISSING, "pk")
        qs = qs.filter(place__path__startswith=place.path)
        filters.append(("属地", place.area or place.name))
    if q.get("overdue") == "1":
        qs = qs.filter(overdue_q(now))
        filters.append(("状态", "当前超期"))
    return Drill(qs.select_related("lead_unit", "place").order_by("-created_at", "-id"), filters)


def link(**params: Any) -> str:
    """The list's URL for ``params`` (None and "" left out)."""
    return "/leader/tickets/?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})
