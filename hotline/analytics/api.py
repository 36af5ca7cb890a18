"""Analytics API (mounted under /api/v1): KPIs, rankings, drill-down, hotspots, risk areas.

Every endpoint reads through the caller's data scope.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from hotline.analytics import queries
from hotline.analytics.kpis import COUNTERS, KPIS, LIVE_KPIS
from hotline.bounds import MAX_DAYS, MAX_PAGE, within_dates
from hotline.errors import Forbidden
from hotline.openapi import one_of
from hotline.org.models import Level, User
from hotline.org.scope import DataScope

router = Router(tags=["统计分析"])


def _scope(request: HttpRequest) -> DataScope:
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    if not isinstance(user, User):
        raise Forbidden("未登录")
    return DataScope.of(user)


@router.get("/kpis/definitions", summary="指标定义")
def kpi_definitions(request: HttpRequest) -> dict[str, Any]:
    return {
        "kpis": [
            {
                "key": k.key,
                "label": k.label,
                "numerator": k.numerator,
                "denominator": k.denominator,
                "definition": k.note,
                "unit": k.unit,
            }
            for k in KPIS.values()
        ],
        "counters": [{"key": k, "label": v[0], "definition": v[1]} for k, v in COUNTERS.items()],
        "live": [{"key": k, "label": v} for k, v in LIVE_KPIS.items()],
    }


class PeriodQuery(Schema):
    """The period of a figure: ``period`` (e.g. 2025-03) or ``start``/``end`` dates."""

    start: str = ""
    end: str = ""
    period: str = ""

    def parse(self) -> queries.Period:
        return queries.parse_period(self.period, self.start, self.end)


def _span(p: queries.Period) -> dict[str, str]:
    return {"start": p.start.isoformat(), "end": p.end.isoformat()}


@router.get("/kpis", summary="各单位考核指标")
def kpis(
    request: HttpRequest,
    when: Query[PeriodQuery],
    level: Annotated[str, one_of(["", *Level.values], "层级(空:全部)")] = "",
    unit: str = "",
    subtree: bool = False,
) -> dict[str, Any]:
    """``subtree=true``: each unit's row includes every unit below it (含下级)."""
    scope = _scope(request)
    p = when.parse()
    rows = queries.kpi_rows(scope, p, level=level, unit=unit, subtree=subtree)
    return {**_span(p), "rows": [r.as_dict() for r in rows], "total": queries.total_row(rows).as_dict()}


@router.get("/kpis/ranking", summary="同层级单位排名")
def kpi_ranking(
    request: HttpRequest,
    when: Query[PeriodQuery],
    level: Annotated[str, one_of(["", *Level.values], "层级(必填)")] = "",
    kpi: Annotated[str, one_of(["score", *KPIS])] = "score",
    subtree: bool = False,
) -> dict[str, Any]:
    p = when.parse()
    rows = queries.ranking(_scope(request), level, p, kpi, subtree=subtree)
    return {"level": level, "kpi": kpi, **_span(p), "rows": [r.as_dict() for r in rows]}


@router.get("/kpis/drill", summary="指标穿透:构成指标的工单")
def kpi_drill(
    request: HttpRequest,
    when: Query[PeriodQuery],
    kpi: Annotated[str, one_of([*KPIS, *LIVE_KPIS, *COUNTERS], "指标或要素")],
    unit: str = "",
    part: Annotated[str, one_of(["numerator", "denominator"])] = "numerator",
    page: int = Query(1, ge=1, le=MAX_PAGE),  # type: ignore[assignment]
    subtree: bool = False,
) -> dict[str, Any]:
    p = when.parse()
    d = queries.drill(_scope(request), kpi, p, unit=unit, part=part, page=page, subtree=subtree)
    return {
        "kpi": d.kpi,
        "part": d.part,
        "counter": d.metric,
        "total": d.total,
        "page": d.page,
        "page_size": queries.DRILL_PAGE,
        "tickets": d.numbers,
    }


@router.get("/hotspots", summary="热点诉求")
def hotspot_list(
    request: HttpRequest,
    days: int = Query(30, ge=1, le=MAX_DAYS),  # type: ignore[assignment]
    as_of: str = "",
    top: int = Query(20, ge=1, le=100),  # type: ignore[assignment]
) -> dict[str, Any]:
    from datetime import datetime, time

    from django.utils import timezone

    from hotline.analytics.hotspots import find_hotspots
    from hotline.errors import InvalidInput

    moment = None
    if as_of:
        try:
            day = datetime.fromisoformat(as_of).date()
        except ValueError as exc:
            raise InvalidInput("as_of", "as_of 须为 YYYY-MM-DD") from exc
        moment = timezone.make_aware(datetime.combine(within_dates(day, "as_of"), time.max))
    found = find_hotspots(_scope(request), as_of=moment, days=days, top=top)
    return {"days": days, "window": f"近{days}日", "hotspots": [h.as_dict() for h in found]}


@router.get("/risks", summary="风险点位(含坐标)")
def risk_list(
    request: HttpRequest,
    topic: str,
    top: int = Query(50, ge=1, le=500),  # type: ignore[assignment]
) -> dict[str, Any]:
    from hotline.analytics.risks import find_risk_spots

    spots = find_risk_spots(_scope(request), topic, top=top)
    return {"topic": topic, "spots": [s.as_dict() for s in spots]}
