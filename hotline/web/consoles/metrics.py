"""The leader dashboard's figures, within a data scope.

The five assessment rates (五率), the ranking score, the trend and the period's total come
from ``hotline.analytics``: the KPI definitions of ONE module (``hotline.analytics.kpis``)
applied to the rollups (as ``hotline.analytics.queries.period_sums`` sums them),
and the trend from ``queries.daily_series`` — so the dashboard, the KPI API and the report
agree.
This module only adapts those rows to the page, and adds what the rollups do not hold:
the type / topic mix and the hotspots (ticket columns, ``created_at`` range), the live
overdue counts (deadline columns, see ``lights.overdue_q``) and the map points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q

from hotline.analytics import queries
from hotline.analytics.kpis import KPIS, SCORE_KPIS, local_day
from hotline.analytics.kpis import score as kpi_score
from hotline.analytics.kpis import value as kpi_value
from hotline.org.models import Level, Unit, UnitKind
from hotline.org.scope import DataScope
from hotline.routing.models import Boundary
from hotline.sla.deadlines import overdue_q
from hotline.tickets.models import State, Ticket
from hotline.tickets.selectors import scoped_tickets

# The page's short keys (kept in its URLs: ``?rank=quality``) → the analytics KPI keys.
RATE_KPIS = dict(zip(("sign", "feedback", "resolve", "callback", "quality"), SCORE_KPIS, strict=True))
RATES = {k: KPIS[kpi].label for k, kpi in RATE_KPIS.items()}
RATE_NOTES = [f"{KPIS[kpi].label}={KPIS[kpi].note}" for kpi in SCORE_KPIS]
MAP_POINTS = 1000


def _ratio(num: int, den: int) -> float | None:
    return round(100.0 * num / den, 1) if den else None


def period_of(now: datetime, days: int) -> queries.Period:
    """The last ``days`` days up to today (Beijing dates, today included)."""
    today = local_day(now)
    return queries.parse_period(start=(today - timedelta(days=days - 1)).isoformat(), end=today.isoformat())


@dataclass
class Rates:
    """The units' rows of the period and the whole scope's total (one rollup query)."""

    rows: list[dict[str, Any]]
    received: int


def _period_sums(scope: DataScope, period: queries.Period) -> dict[int, dict[str, int]]:
    """unit id → the rollup counters summed over the period, for the units in scope that
    have any (the same sums as ``queries.kpi_rows``, without materialising every unit of
    the scope: a prefecture has >10,000 units, most with no ticket in a month)."""
    return queries.period_sums(period, None if scope.everything else scope.units().values("pk"))


def unit_rates(scope: DataScope, period: queries.Period) -> Rates:
    """The five rates and the score (``analytics.kpis`` definitions, rollup counters) of
    every unit in scope with tickets in the period (2 queries). The centre's own, never
    dispatched, tickets (unit 0) count in the total only."""
    sums = _period_sums(scope, period)
    received = sum(c["received"] for c in sums.values())
    ids = [uid for uid, c in sums.items() if uid != queries.CENTRE_ROW and c["received"]]
    units = {u["pk"]: u for u in Unit.objects.filter(pk__in=ids).values("pk", "code", "name", "level")}
    out = []
    for uid in ids:
        unit, counters = units.get(uid), sums[uid]
        if unit is None:
            continue
        rates = {k: kpi_value(KPIS[kpi], counters) for k, kpi in RATE_KPIS.items()}
        out.append(
            {
                "unit_id": uid,
                "code": unit["code"],
                "name": unit["name"],
                "level": unit["level"],
                "dispatched": counters["dispatched"],
                "rates": rates,
                "rate_list": list(rates.values()),
                "score": kpi_score(counters),
            }
        )
    return Rates(out, received)


# The levels ranked apart (a prefecture bureau is not compared with a village committee),
# and the volume below which a unit is listed beside the ranking, not in it: one ticket
# signed on time is 100 %, which says nothing.
RANK_LEVELS = {
    Level.PREFECTURE: "州直部门",
    Level.COUNTY: "县(市)级单位",
    Level.TOWNSHIP: "乡镇(街道)级单位",
}
MIN_VOLUME = 5


@dataclass
class Ranking:
    level: str
    label: str
    ranked: list[dict[str, Any]]  # volume at least ``min_volume``, best first
    few: list[dict[str, Any]]  # below it: listed apart, unranked


def rankings(rows: list[dict[str, Any]], key: str, min_volume: int = MIN_VOLUME) -> list[Ranking]:
    """One ranking per level of ``RANK_LEVELS``; units dispatched fewer than
    ``min_volume`` tickets in the period are listed apart, without a rank."""
    out = []
    for level, label in RANK_LEVELS.items():
        mine = [r for r in rows if r.get("level") == level]
        enough = [r for r in mine if r["dispatched"] >= min_volume]
        few = sorted(
            (r for r in mine if r["dispatched"] < min_volume), key=lambda r: (-r["dispatched"], r["name"])
        )
        for r in few:
            r["rank"] = None
        out.append(Ranking(level, label, rank(enough, key), few))
    return out


def rank(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Best first by the score or one rate, as ``analytics.queries.ranking`` does within a
    level (equal figures share a rank; units without the figure come last, unranked)."""

    def value(r: dict[str, Any]) -> float | None:
        v = r["score"] if key == "score" else r["rates"].get(key)
        return None if v is None else float(v)

    ranked = sorted(
        (r for r in rows if value(r) is not None),
        key=lambda r: (-(value(r) or 0.0), -r["dispatched"], r["name"]),
    )
    rest = sorted((r for r in rows if value(r) is None), key=lambda r: (-r["dispatched"], r["name"]))
    previous: float | None = None
    for i, r in enumerate(ranked, 1):
        r["rank"] = ranked[i - 2]["rank"] if previous is not None and value(r) == previous else i
        previous = value(r)
    for r in rest:
        r["rank"] = None
    return ranked + rest


def daily_volume(scope: DataScope, period: queries.Period) -> list[list[Any]]:
    """[[day, tickets received]] for every day of the period, from the rollups."""
    return [[d["day"], d["received"]] for d in queries.daily_series(scope, period)]


def mix(scope: DataScope, start: datetime, end: datetime, field: str, top: int = 10) -> list[list[Any]]:
    rows = (
        scoped_tickets(scope)
        .filter(created_at__gte=start, created_at__lt=end)
        .values(field)
        .annotate(n=Count("id"))
        .order_by("-n", field)[:top]
    )
    return [[r[field] or "未分类", r["n"]] for r in rows]


def hotspots(
    scope: DataScope, now: datetime, field: str, top: int = 10, key: str = ""
) -> list[dict[str, Any]]:
    """Top ``field`` values by count in the last 7 days, with the previous 7 days beside
    them; ``key`` (e.g. ``place_id`` beside ``place__name``) is kept for the links."""
    week = now - timedelta(days=7)
    group = [f for f in (key, field) if f]
    rows = (
        scoped_tickets(scope)
        .filter(created_at__gte=now - timedelta(days=14), created_at__lt=now)
        .exclude(**{f"{field}__isnull": True})
        .values(*group)
        .annotate(
            recent=Count("id", filter=Q(created_at__gte=week)),
            before=Count("id", filter=Q(created_at__lt=week)),
        )
        .filter(recent__gt=0)
        .order_by("-recent", field)[:top]
    )
    out = []
    for r in rows:
        change = r["recent"] - r["before"]
        out.append(
            {
                "label": r[field] or "未识别",
                "key": r[key or field],
                "recent": r["recent"],
                "before": r["before"],
                "change": change,
                "pct": _ratio(change, r["before"]),
            }
        )
    return out


def overdue_by_unit(scope: DataScope, now: datetime) -> tuple[int, dict[int, int]]:
    rows = scoped_tickets(scope).filter(overdue_q(now)).values("lead_unit_id").annotate(n=Count("id"))
    by_unit = {r["lead_unit_id"]: r["n"] for r in rows}
    return sum(by_unit.values()), by_unit


def map_points(scope: DataScope, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The period's tickets where they are: their own position (the citizen's point, the
    address, the place, set at intake), else their place's (a ticket whose place was set
    later, or older than positions). Tickets with neither are counted apart."""
    rows = (
        scoped_tickets(scope)
        .filter(created_at__gte=start, created_at__lt=end)
        .filter(
            Q(lat__isnull=False, lng__isnull=False) | Q(place__lat__isnull=False, place__lng__isnull=False)
        )
        .order_by("-created_at")
        .values("number", "title", "state", "lat", "lng", "place__lat", "place__lng", "place__name")[
            :MAP_POINTS
        ]
    )
    labels = dict(State.choices)
    out = []
    for r in rows:
        own = r["lat"] is not None and r["lng"] is not None
        out.append(
            {
                "n": r["number"],
                "t": r["title"],
                "s": labels.get(r["state"], r["state"]),
                "lat": r["lat"] if own else r["place__lat"],
                "lng": r["lng"] if own else r["place__lng"],
                "p": r["place__name"] or "",
            }
        )
    return out


def place_labels(scope: DataScope, limit: int = 400) -> list[dict[str, Any]]:
    """The counties' and townships' names where they lie, to read a map without tiles."""
    qs = scope.units(
        Unit.objects.filter(kind=UnitKind.GOVERNMENT, active=True, lat__isnull=False, lng__isnull=False)
    )
    qs = qs.filter(level__in=(Level.COUNTY, Level.TOWNSHIP)).exclude(area="")
    return [
        {"name": u["area"], "level": u["level"], "lat": u["lat"], "lng": u["lng"]}
        for u in qs.order_by("path").values("area", "level", "lat", "lng")[:limit]
    ]


def boundaries(scope: DataScope, limit: int = 300) -> list[dict[str, Any]]:
    """Unit boundaries (GeoJSON) in scope, where routing has them."""
    qs = Boundary.objects.select_related("unit")
    if not scope.everything:
        qs = qs.filter(unit__path__startswith=scope.unit_path)
    return [{"name": b.unit.name, "geojson": b.geojson} for b in qs.order_by("unit__path")[:limit]]


__all__ = [
    "RATES",
    "Ticket",
    "daily_volume",
    "hotspots",
    "mix",
    "overdue_by_unit",
    "period_of",
    "rank",
    "unit_rates",
]
