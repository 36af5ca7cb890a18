"""Learned preferences (历史改派经验), read side: the lessons ``routing.learning`` writes,
summed per (topic, township) and (topic, county) and turned into a bounded score
adjustment for ``routing.suggest``.

It sits below both: suggest reads it, learning writes the lessons and invalidates it, so
the dependency runs one way (learning → suggest → preferences).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import Count, Max, Sum

from hotline.cache import Cached
from hotline.routing.models import RoutingFeedback

MAX_ADJUST = 0.3
SCALE = 1.5  # net lessons at which the adjustment reaches ~76 % of MAX_ADJUST
COUNTY_WEIGHT = 0.5  # lessons learned elsewhere in the county count half


@dataclass
class Preferences:
    by_township: dict[tuple[str, int], dict[int, float]]
    by_county: dict[tuple[str, int], dict[int, float]]
    by_topic: dict[str, dict[int, float]]

    def adjustments(self, topic: str, township_id: int | None, county_id: int | None) -> dict[int, float]:
        """Unit id → score adjustment in [−MAX_ADJUST, MAX_ADJUST] for this matter and place."""
        net: dict[int, float] = {}
        if township_id is not None:
            for unit_id, w in self.by_township.get((topic, township_id), {}).items():
                net[unit_id] = net.get(unit_id, 0.0) + w
        if county_id is not None:
            for unit_id, w in self.by_county.get((topic, county_id), {}).items():
                net[unit_id] = net.get(unit_id, 0.0) + COUNTY_WEIGHT * w
        if township_id is None and county_id is None:
            for unit_id, w in self.by_topic.get(topic, {}).items():
                net[unit_id] = net.get(unit_id, 0.0) + COUNTY_WEIGHT * w
        return {u: MAX_ADJUST * math.tanh(w / SCALE) for u, w in net.items() if abs(w) > 1e-9}


def _build() -> Preferences:
    by_township: dict[tuple[str, int], dict[int, float]] = {}
    by_county: dict[tuple[str, int], dict[int, float]] = {}
    by_topic: dict[str, dict[int, float]] = {}
    rows = RoutingFeedback.objects.values("topic", "township_id", "county_id", "unit_id").annotate(
        w=Sum("weight")
    )
    for row in rows:
        topic, unit_id, w = row["topic"], row["unit_id"], float(row["w"] or 0.0)
        if row["township_id"] is not None:
            d = by_township.setdefault((topic, row["township_id"]), {})
            d[unit_id] = d.get(unit_id, 0.0) + w
        if row["county_id"] is not None:
            d = by_county.setdefault((topic, row["county_id"]), {})
            d[unit_id] = d.get(unit_id, 0.0) + w
        d = by_topic.setdefault(topic, {})
        d[unit_id] = d.get(unit_id, 0.0) + w
    return Preferences(by_township, by_county, by_topic)


def _stamp() -> object:
    return tuple(RoutingFeedback.objects.aggregate(n=Count("id"), m=Max("id")).values())


PREFERENCES: Cached[Preferences] = Cached(
    "routing.preferences", _build, stamp=_stamp, check_every=5.0, max_age=600.0
)


def preferences() -> Preferences:
    return PREFERENCES.get()
