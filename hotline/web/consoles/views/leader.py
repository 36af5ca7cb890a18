"""领导驾驶舱: volume, mix, the five rates by unit with ranking, overdue, hotspots, map.

Everything is scoped: a county leader sees the county. Chart data is embedded with
``json_script`` and drawn by ECharts; the map is Leaflet with an optional tile layer
(``HOTLINE_MAP_TILES``; by default no tiles — maps need an approved source).
"""

from __future__ import annotations

import os
from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hotline import clock
from hotline.org.models import Role
from hotline.web.consoles import listing, metrics
from hotline.web.consoles.access import console, scope_of

PERIODS = {7: "近7天", 30: "近30天", 90: "近90天"}
RANK_KEYS = {"score": "综合", **metrics.RATES}


@require_GET
@console(Role.LEADER, Role.ADMIN)
def leader_console(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request)
    now = clock.now()
    raw = request.GET.get("days", "30")
    days = int(raw) if raw.isdigit() and int(raw) in PERIODS else 30
    start = now - timedelta(days=days)
    rank_key = listing.chosen(request, "rank", RANK_KEYS, "score")
    rates = metrics.unit_rates(scope, metrics.period_of(now, days))
    rows = metrics.rank(rates.rows, rank_key)
    overdue_total, overdue = metrics.overdue_by_unit(scope, now)
    for r in rows:
        r["overdue"] = overdue.get(r["unit_id"], 0)
    volume = metrics.daily_volume(scope, metrics.period_of(now, 30))
    types = metrics.mix(scope, start, now, "type")
    topics = metrics.mix(scope, start, now, "topic")
    hot_places = metrics.hotspots(scope, now, "place__name")
    hot_topics = metrics.hotspots(scope, now, "topic")
    top = rows[:12]
    charts = {
        "volume": volume,
        "types": types,
        "topics": topics,
        "rates": {
            "units": [r["name"] for r in top],
            "series": [
                {"name": label, "data": [r["rates"][k] for r in top]} for k, label in metrics.RATES.items()
            ],
        },
        "hot_places": [[h["label"], h["recent"], h["before"]] for h in hot_places],
        "hot_topics": [[h["label"], h["recent"], h["before"]] for h in hot_topics],
    }
    map_data = {
        "tiles": os.environ.get("HOTLINE_MAP_TILES", "").strip(),
        "attribution": os.environ.get("HOTLINE_MAP_ATTRIBUTION", "").strip(),
        "points": metrics.map_points(scope, start, now),
        "boundaries": metrics.boundaries(scope),
    }
    context = {
        "days": days,
        "periods": PERIODS.items(),
        "rank_key": rank_key,
        "rank_keys": RANK_KEYS.items(),
        "rate_labels": list(metrics.RATES.values()),
        "rows": rows[:50],
        "rate_notes": metrics.RATE_NOTES,
        "total": rates.received,
        "overdue_total": overdue_total,
        "hot_places": hot_places,
        "hot_topics": hot_topics,
        "charts": charts,
        "map_data": map_data,
    }
    return render(request, "web/consoles/leader.html", context)
