"""Reading the KPIs: per unit and period, rankings within a level, drill-down.

Every function takes the caller's ``DataScope``: a unit user sees its unit and the
units below it, the centre sees everything (including unit 0, the centre's own tickets).
The figures come from ``DailyRollup``; the drill-down lists come from ``TicketFacts``,
the very rows the rollups sum, so a drill list always has the figure's length.
"""

from __future__ import annotations

import calendar as pycal
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import BigIntegerField, Count, Q, Sum
from django.db.models.functions import Cast, Coalesce

from hotline import clock
from hotline.analytics.kpis import KPIS, LIVE_KPIS, value
from hotline.analytics.kpis import score as score_of
from hotline.analytics.models import COUNTER_NAMES, DailyRollup, MonthlyRollup, TicketFacts
from hotline.bounds import within_dates
from hotline.errors import Forbidden, InvalidInput, NotFound
from hotline.org.models import Level, Unit
from hotline.org.scope import DataScope
from hotline.sla.deadlines import overdue_q
from hotline.tickets.lifecycle import OPEN_HANDLING
from hotline.tickets.models import Ticket

CENTRE_ROW = 0
OPEN_FOR_UNIT = OPEN_HANDLING  # open at a unit: the live figures count these
DRILL_PAGE = 50


@dataclass
class Period:
    start: date
    end: date  # inclusive

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"


def parse_period(period: str = "", start: str = "", end: str = "") -> Period:
    """``period`` = YYYY-MM | YYYY | YYYY-Qn, or ``start``/``end`` as YYYY-MM-DD (inclusive).
    Default: the current month."""
    try:
        if start or end:
            s = date.fromisoformat(start) if start else date(2000, 1, 1)
            e = date.fromisoformat(end) if end else clock.now().date()
        elif m := re.fullmatch(r"(\d{4})-(\d{1,2})", period or ""):
            y, mo = int(m[1]), int(m[2])
            s, e = date(y, mo, 1), date(y, mo, pycal.monthrange(y, mo)[1])
        elif m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", period or ""):
            y, q = int(m[1]), int(m[2])
            s = date(y, 3 * q - 2, 1)
            e = date(y, 3 * q, pycal.monthrange(y, 3 * q)[1])
        elif re.fullmatch(r"\d{4}", period or ""):
            s, e = date(int(period), 1, 1), date(int(period), 12, 31)
        elif not period:
            today = clock.now().date()
            s, e = today.replace(day=1), today
        else:
            raise ValueError(period)
    except ValueError as exc:
        raise InvalidInput("period", "时间段格式应为 YYYY-MM、YYYY、YYYY-Qn 或 start/end=YYYY-MM-DD") from exc
    if e < s:
        raise InvalidInput("end", "结束日期不能早于开始日期")
    return Period(within_dates(s, "start"), within_dates(e, "end"))


@dataclass
class Row:
    unit_id: int
    code: str
    name: str
    level: str
    counters: dict[str, int]
    kpis: dict[str, float | None] = field(default_factory=dict)
    live: dict[str, int] = field(default_factory=dict)
    score: float | None = None
    rank: int | None = None
    path: str = ""
    subtree: bool = False  # counters include every unit below this one

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit_id,
            "unit": self.code,
            "unit_name": self.name,
            "level": self.level,
            "counters": self.counters,
            "kpis": self.kpis,
            "live": self.live,
            "score": self.score,
            "rank": self.rank,
            "subtree": self.subtree,
        }


def _finish(row: Row) -> Row:
    row.kpis = {k: value(kpi, row.counters) for k, kpi in KPIS.items()}
    row.score = score_of(row.counters)
    return row


def _units_in_scope(scope: DataScope, level: str = "", unit: str = "") -> list[Unit]:
    if level and level not in Level.values:
        raise InvalidInput("level", f"层级须为:{', '.join(Level.values)}")
    qs = scope.units()
    if unit:
        found = Unit.objects.filter(code=unit).first()
        if found is None:
            raise NotFound(f"单位「{unit}」不存在")
        if not scope.covers_unit(found):
            raise Forbidden(f"单位「{found.name}」不在您的数据范围内")
        qs = qs.filter(pk=found.pk)
    if level:
        qs = qs.filter(level=level)
    return list(qs.order_by("path"))


def _month_end(day: date) -> date:
    return day.replace(day=pycal.monthrange(day.year, day.month)[1])


def period_sums(period: Period, unit_ids: Any = None) -> dict[int, dict[str, int]]:
    """unit id → the counters summed over the period, for the units given (ids or a
    query of ids; None = all). Whole months are read from ``MonthlyRollup`` (one row per
    unit), the days before the first and after the last whole month from ``DailyRollup``."""
    first = period.start if period.start.day == 1 else _month_end(period.start) + timedelta(days=1)
    last = period.end.replace(day=1) if period.end == _month_end(period.end) else None
    if last is None:
        last = (period.end.replace(day=1) - timedelta(days=1)).replace(day=1)
    parts: list[Any] = []
    if first <= last:
        parts.append(MonthlyRollup.objects.filter(month__gte=first, month__lte=last))
        days = Q(day__gte=period.start, day__lt=first) | Q(day__gt=_month_end(last), day__lte=period.end)
        parts.append(DailyRollup.objects.filter(days))
    else:
        parts.append(DailyRollup.objects.filter(day__gte=period.start, day__lte=period.end))
    # Cast back to bigint: PostgreSQL sums bigints as numeric, which then costs a
    # Decimal per cell; tuples rather than dicts, as thousands of units come back.
    sums = {f"s_{c}": Cast(Coalesce(Sum(c), 0), BigIntegerField()) for c in COUNTER_NAMES}
    out: dict[int, dict[str, int]] = {}
    for qs in parts:
        if unit_ids is not None:
            qs = qs.filter(unit_id__in=unit_ids)
        # Executed as plain SQL: Django's per-value converters cost more than the query.
        try:
            sql, params = (
                qs.values("unit_id").annotate(**sums).values_list("unit_id", *sums).query.sql_with_params()
            )
        except EmptyResultSet:  # no unit asked for (e.g. a level with none in the caller's scope)
            continue
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        for r in found:
            acc = out.get(int(r[0]))
            if acc is None:
                out[int(r[0])] = dict(zip(COUNTER_NAMES, r[1:], strict=True))
            else:
                for k, v in zip(COUNTER_NAMES, r[1:], strict=True):
                    acc[k] += v
    return out


def live_counts(unit_ids: list[int] | None) -> dict[int, dict[str, int]]:
    """Open tickets past their resolution / sign-on deadline now, per lead unit."""
    now = clock.now()
    qs = Ticket.objects.filter(state__in=OPEN_FOR_UNIT, lead_unit__isnull=False)
    if unit_ids is not None:
        qs = qs.filter(lead_unit_id__in=unit_ids)
    rows = qs.values("lead_unit_id").annotate(
        overdue_open=Count("id", filter=overdue_q(now, kinds=("resolve",))),
        sign_overdue_open=Count("id", filter=overdue_q(now, kinds=("sign",))),
    )
    return {
        int(r["lead_unit_id"]): {
            "overdue_open": r["overdue_open"],
            "sign_overdue_open": r["sign_overdue_open"],
        }
        for r in rows
    }


def kpi_rows(
    scope: DataScope,
    period: Period,
    *,
    level: str = "",
    unit: str = "",
    live: bool = True,
    subtree: bool = False,
) -> list[Row]:
    """One row per unit in scope (filtered by level / unit code), plus, for the centre,
    the row of the centre's own tickets (never dispatched). With ``subtree`` a unit's
    row counts its own tickets and those of every unit below it (含下级): a county
    government's row is then the whole county."""
    units = _units_in_scope(scope, level, unit)
    if subtree:
        return _subtree_rows(scope, period, units, live)
    ids = [u.pk for u in units]
    with_centre = scope.everything and not unit and level in ("", Level.CENTRE)
    # The whole platform: one pass over the period's rollup rows, no unit list to match.
    sums = period_sums(period, None if scope.everything and not unit else ids)
    lives = live_counts(ids) if live else {}
    empty = dict.fromkeys(COUNTER_NAMES, 0)
    rows = [
        _finish(
            Row(
                u.pk,
                u.code,
                u.name,
                u.level,
                sums.get(u.pk, dict(empty)),
                live=lives.get(u.pk, {}),
                path=u.path,
            )
        )
        for u in units
    ]
    if with_centre and CENTRE_ROW in sums:
        rows.insert(0, _finish(Row(CENTRE_ROW, "", "热线中心直办(未派单)", Level.CENTRE, sums[CENTRE_ROW])))
    return rows


def _subtree_rows(scope: DataScope, period: Period, shown: list[Unit], live: bool) -> list[Row]:
    """Each shown unit's counters summed over its subtree: every unit's own sums are
    added to each of its ancestors on the way up its materialised path."""
    paths = dict(scope.units().values_list("pk", "path"))
    in_scope = None if scope.everything else list(paths)
    sums = period_sums(period, in_scope)
    lives = live_counts(in_scope) if live else {}
    wanted = {u.pk for u in shown}
    totals = {pk: dict.fromkeys(COUNTER_NAMES, 0) for pk in wanted}
    live_totals: dict[int, dict[str, int]] = {pk: {} for pk in wanted}
    for pk in set(sums) | set(lives):
        for ancestor in (int(p) for p in paths.get(pk, "").strip("/").split("/") if p):
            if ancestor not in wanted:
                continue
            for k, v in sums.get(pk, {}).items():
                totals[ancestor][k] += v
            for k, v in lives.get(pk, {}).items():
                live_totals[ancestor][k] = live_totals[ancestor].get(k, 0) + v
    return [
        _finish(
            Row(
                u.pk, u.code, u.name, u.level, totals[u.pk], live=live_totals[u.pk], path=u.path, subtree=True
            )
        )
        for u in shown
    ]


def total_row(rows: list[Row]) -> Row:
    """The sum of the rows; a subtree row already holds the rows below it, so only the
    rows with no ancestor in the list are added."""
    total = dict.fromkeys(COUNTER_NAMES, 0)
    live = dict.fromkeys(LIVE_KPIS, 0)
    subtree_paths = [r.path for r in rows if r.subtree]
    for r in rows:
        if r.subtree and any(r.path != p and r.path.startswith(p) for p in subtree_paths):
            continue
        for k, v in r.counters.items():
            total[k] += v
        for k, v in r.live.items():
            live[k] += v
    return _finish(Row(-1, "", "合计", "", total, live=live))


def ranking(
    scope: DataScope, level: str, period: Period, kpi: str = "score", *, subtree: bool = False
) -> list[Row]:
    """Units of one level, best first, by the assessment score or by one KPI (with
    ``subtree``, each unit with everything below it). Units with no figure (no
    denominator) come last, unranked."""
    if not level:
        raise InvalidInput("level", "请指定层级")
    if kpi != "score" and kpi not in KPIS:
        raise InvalidInput("kpi", f"未知指标「{kpi}」")
    rows = kpi_rows(scope, period, level=level, live=False, subtree=subtree)

    def key_of(r: Row) -> float | None:
        return r.score if kpi == "score" else r.kpis.get(kpi)

    # Lower is better for these.
    lower_better = kpi in ("repeat_rate", "rehandle_rate", "resolved_late", "avg_handling_hours")
    ranked = [r for r in rows if key_of(r) is not None and r.counters["received"]]
    ranked_ids = {id(r) for r in ranked}
    rest = [r for r in rows if id(r) not in ranked_ids]
    ranked.sort(key=lambda r: (key_of(r) or 0.0) * (1 if lower_better else -1))
    previous: float | None = None
    for i, r in enumerate(ranked, 1):
        r.rank = ranked[i - 2].rank if previous is not None and key_of(r) == previous else i
        previous = key_of(r)
    return ranked + rest


@dataclass
class Drill:
    kpi: str
    part: str
    metric: str
    total: int
    page: int
    numbers: list[str]


def drill(
    scope: DataScope,
    kpi: str,
    period: Period,
    *,
    unit: str = "",
    part: str = "numerator",
    page: int = 1,
    subtree: bool = False,
) -> Drill:
    """The tickets behind a figure: those whose counter (the KPI's numerator or
    denominator, or a counter named directly) is set, for the unit and period."""
    if part not in ("numerator", "denominator"):
        raise InvalidInput("part", "part 须为 numerator 或 denominator")
    if page < 1:
        raise InvalidInput("page", "页码须大于 0")
    if kpi in LIVE_KPIS:
        return _drill_live(scope, kpi, unit, page, subtree)
    if kpi in KPIS:
        metric = KPIS[kpi].numerator if part == "numerator" else KPIS[kpi].denominator
        if metric is None:
            raise InvalidInput("part", f"「{KPIS[kpi].label}」是计数,没有分母")
    elif kpi in COUNTER_NAMES:
        metric = kpi
    else:
        raise InvalidInput("kpi", f"未知指标「{kpi}」")
    qs = TicketFacts.objects.filter(day__gte=period.start, day__lte=period.end, **{f"{metric}__gt": 0})
    if unit == "centre" and scope.everything:
        qs = qs.filter(unit_id=CENTRE_ROW)
    elif unit:
        qs = qs.filter(unit_id__in=_unit_ids(scope, unit, subtree))
    elif not scope.everything:
        qs = qs.filter(unit_id__in=[u.pk for u in scope.units()])
    total = qs.count()
    offset = (page - 1) * DRILL_PAGE
    numbers = list(
        qs.order_by("day", "ticket_id").values_list("ticket__number", flat=True)[offset : offset + DRILL_PAGE]
    )
    return Drill(kpi, part, metric, total, page, numbers)


def _unit_ids(scope: DataScope, unit: str, subtree: bool) -> list[int]:
    """The unit's id, or with ``subtree`` the ids of the unit and all below it."""
    found = _units_in_scope(scope, "", unit)
    if not subtree:
        return [u.pk for u in found]
    return list(Unit.objects.filter(path__startswith=found[0].path).values_list("pk", flat=True))


def _drill_live(scope: DataScope, kpi: str, unit: str, page: int, subtree: bool = False) -> Drill:
    now = clock.now()
    qs = Ticket.objects.filter(state__in=OPEN_FOR_UNIT, lead_unit__isnull=False)
    qs = qs.filter(overdue_q(now, kinds=("resolve",) if kpi == "overdue_open" else ("sign",)))
    if unit:
        qs = qs.filter(lead_unit_id__in=_unit_ids(scope, unit, subtree))
    elif not scope.everything:
        qs = qs.filter(lead_unit__path__startswith=scope.unit_path)
    total = qs.count()
    offset = (page - 1) * DRILL_PAGE
    numbers = list(
        qs.order_by("created_at", "id").values_list("number", flat=True)[offset : offset + DRILL_PAGE]
    )
    return Drill(kpi, "numerator", kpi, total, page, numbers)


def daily_series(scope: DataScope, period: Period, unit: str = "") -> list[dict[str, Any]]:
    """Per day of the period: received, dispatched, resolved (for charts)."""
    qs = DailyRollup.objects.filter(day__gte=period.start, day__lte=period.end)
    if unit or not scope.everything:
        qs = qs.filter(unit_id__in=[u.pk for u in _units_in_scope(scope, "", unit)])
    sums = {
        r["day"]: r
        for r in qs.values("day").annotate(
            received=Sum("received"), dispatched=Sum("dispatched"), resolved=Sum("resolved")
        )
    }
    out = []
    day = period.start
    while day <= period.end:
        r: Any = sums.get(day, {})
        out.append(
            {
                "day": day.isoformat(),
                "received": int(r.get("received") or 0),
                "dispatched": int(r.get("dispatched") or 0),
                "resolved": int(r.get("resolved") or 0),
            }
        )
        day += timedelta(days=1)
    return out
