"""领导驾驶舱: volume, mix, the five rates by unit with a ranking per level, overdue,
hotspots, the map — and behind every figure the list of its tickets (``drill``).

Everything is scoped: a county leader sees the county. Chart data is embedded with
``json_script`` and drawn by ECharts; the map is Leaflet: the tickets as points and as a
heat layer, the units' boundaries when loaded, on the tiles of ``HOTLINE_MAP_TILES``
(set by the administrator; maps need an approved source) or, without one, on a plain
background.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hotline import clock
from hotline.errors import ActionError, InvalidInput
from hotline.org.models import Role
from hotline.tickets.models import TicketType
from hotline.web.consoles import drill, listing, metrics
from hotline.web.consoles.access import console, scope_of
from hotline.web.views.common import error_page, pager, paginate

PERIODS = drill.PERIODS
RANK_KEYS = {"score": "综合", **metrics.RATES}
TYPE_LABELS = dict(TicketType.choices)


def _min_volume(request: HttpRequest) -> int:
    raw = request.GET.get("min", "")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= 1000 else metrics.MIN_VOLUME


@require_GET
@console(Role.LEADER, Role.ADMIN)
def leader_console(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    now = clock.now()
    raw = request.GET.get("days", "30")
    days = int(raw) if raw.isdigit() and int(raw) in PERIODS else 30
    start = now - timedelta(days=days)
    rank_key = listing.chosen(request, "rank", RANK_KEYS, "score")
    level = listing.chosen(request, "level", metrics.RANK_LEVELS, "county")
    min_volume = _min_volume(request)
    rates = metrics.unit_rates(scope, metrics.period_of(now, days))
    overdue_total, overdue = metrics.overdue_by_unit(scope, now)
    for r in rates.rows:
        r["overdue"] = overdue.get(r["unit_id"], 0)
        _links(r, days)
    rankings = metrics.rankings(rates.rows, rank_key, min_volume)
    shown = next(g for g in rankings if g.level == level)
    volume = metrics.daily_volume(scope, metrics.period_of(now, 30))
    types = metrics.mix(scope, start, now, "type")
    topics = metrics.mix(scope, start, now, "topic")
    hot_places = metrics.hotspots(scope, now, "place__name", key="place_id")
    hot_topics = metrics.hotspots(scope, now, "topic")
    top = shown.ranked[:12]
    charts = {
        "days": days,
        "rate_kpis": list(metrics.RATE_KPIS.values()),
        "volume": volume,
        "types": [[TYPE_LABELS.get(t, t), n, t] for t, n in types],
        "topics": topics,
        "rates": {
            "units": [r["name"] for r in top],
            "codes": [r["code"] for r in top],
            "series": [
                {"name": label, "data": [r["rates"][k] for r in top]} for k, label in metrics.RATES.items()
            ],
        },
        "hot_places": [[h["label"], h["recent"], h["before"], h["key"]] for h in hot_places],
        "hot_topics": [[h["label"], h["recent"], h["before"], h["key"]] for h in hot_topics],
    }
    points = metrics.map_points(scope, start, now)
    map_data = {
        "tiles": settings.HOTLINE_MAP_TILES.strip(),
        "attribution": os.environ.get("HOTLINE_MAP_ATTRIBUTION", "").strip(),
        "points": points,
        "boundaries": metrics.boundaries(scope),
        "labels": metrics.place_labels(scope),
    }
    context = {
        "days": days,
        "links": {
            "received": drill.link(days=days, counter="received"),
            "overdue": drill.link(days=days, overdue=1),
        },
        "periods": PERIODS.items(),
        "rank_key": rank_key,
        "rank_keys": RANK_KEYS.items(),
        "rank_kpis": metrics.RATE_KPIS,
        "level": level,
        "rankings": rankings,
        "shown": shown,
        "min_volume": min_volume,
        "rate_labels": list(metrics.RATES.values()),
        "rate_notes": metrics.RATE_NOTES,
        "total": rates.received,
        "overdue_total": overdue_total,
        "assessed": sum(len(g.ranked) for g in rankings),
        "hot_places": hot_places,
        "hot_topics": hot_topics,
        "charts": charts,
        "map_data": map_data,
    }
    return render(request, "web/consoles/leader.html", context)


def _links(r: dict[str, Any], days: int) -> None:
    """A ranking row's links: its dispatched tickets, each rate's counted tickets, its
    overdue ones."""
    r["href"] = drill.link(days=days, counter="dispatched", unit=r["code"])
    r["rate_cells"] = [
        (r["rates"][k], drill.link(days=days, counter=kpi, part="numerator", unit=r["code"]))
        for k, kpi in metrics.RATE_KPIS.items()
    ]
    r["overdue_href"] = drill.link(days=days, overdue=1, unit=r["code"])


@require_GET
@console(Role.LEADER, Role.ADMIN)
def leader_tickets(request: HttpRequest) -> HttpResponse:
    """The tickets behind a figure of the dashboard (``consoles.drill``)."""
    try:
        found = drill.drill(scope_of(request), request.GET, clock.now())
    except ActionError as exc:
        return error_page(request, 400 if isinstance(exc, InvalidInput) else exc.status, exc.message)
    context: dict[str, Any] = {
        **pager(request, paginate(request, found.tickets)),
        "filters": found.filters,
        "days": request.GET.get("days", "30"),
    }
    return render(request, "web/consoles/leader_tickets.html", context)
