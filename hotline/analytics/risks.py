"""Risk areas (风险点位): for a risk topic, the places with repeated cases over the years.

As the study's platform did for 229 drowning spots: the tickets about a risk (matched by
keywords in title and text) are grouped by place — the ticket's ``place`` unit and the
spot named in the text (or its address) — ranked by cases and by the number of years
with cases, and pushed to the responsible units as a warning (in-app notification to
the unit's handlers and leaders, plus an audit event ``risk_warning``).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Q

from hotline import clock
from hotline.analytics import alerts, spot_names
from hotline.errors import InvalidInput
from hotline.org.models import Role, Unit, User
from hotline.org.scope import DataScope
from hotline.tickets.models import State
from hotline.tickets.selectors import scoped_tickets

RISK_TOPICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "drowning": ("溺水", ("溺水", "溺亡", "落水", "淹死", "野泳", "防溺")),
    "fire": ("火灾", ("火灾", "起火", "着火", "失火", "火情", "消防通道")),
    "flood": ("内涝/洪水", ("内涝", "积水", "被淹", "淹水", "洪水", "山洪", "涝")),
    "gas": ("燃气", ("燃气", "煤气", "天然气", "液化气", "气罐")),
    "road": ("交通安全", ("交通事故", "车祸", "红绿灯", "信号灯", "斑马线", "减速带", "交通安全", "撞")),
}


@dataclass
class RiskSpot:
    key: str
    topic: str
    place: str
    cases: int
    years: list[int]
    tickets: list[str]
    unit_id: int | None
    unit_name: str
    lat: float | None
    lng: float | None

    @property
    def name(self) -> str:
        return f"{self.place}({RISK_TOPICS[self.topic][0]}风险,{self.cases} 起,涉及 {len(self.years)} 个年度)"

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "topic": self.topic,
            "name": self.name,
            "place": self.place,
            "cases": self.cases,
            "years": self.years,
            "tickets": self.tickets,
            "unit_id": self.unit_id,
            "unit_name": self.unit_name,
            "lat": self.lat,
            "lng": self.lng,
        }


def find_risk_spots(scope: DataScope, topic: str, *, min_cases: int = 2, top: int = 50) -> list[RiskSpot]:
    if topic not in RISK_TOPICS:
        raise InvalidInput("topic", f"风险类别须为:{', '.join(RISK_TOPICS)}")
    words = RISK_TOPICS[topic][1]
    match = Q()
    for w in words:
        match |= Q(title__contains=w) | Q(text__contains=w)
    rows = (
        scoped_tickets(scope)
        .filter(match)
        .exclude(state__in=(State.REJECTED, State.MERGED))
        .order_by("created_at")
        .values("number", "title", "text", "address", "place_id", "lead_unit_id", "created_at", "lat", "lng")
    )
    unit_names = {u.pk: u for u in Unit.objects.all()}
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    r: Any
    for r in rows.iterator(chunk_size=2000):
        doc = f"{r['title']} {r['text'][:500]}"
        spot = next(iter(spot_names.spots(doc)), "") or (r["address"] or "").strip()
        if not spot:
            continue
        unit = unit_names.get(r["place_id"]) if r["place_id"] else None
        district = (unit.area or unit.name) if unit else next(iter(spot_names.districts(doc)), "")
        groups[f"{district} {spot}".strip()].append(r)
    out = []
    for place, members in groups.items():
        if len(members) < min_cases:
            continue
        years = sorted({clock_year(m["created_at"]) for m in members})
        owners = Counter(
            m["place_id"] or m["lead_unit_id"] for m in members if m["place_id"] or m["lead_unit_id"]
        )
        unit_id = owners.most_common(1)[0][0] if owners else None
        coords = [(m["lat"], m["lng"]) for m in members if m["lat"] is not None]
        out.append(
            RiskSpot(
                key=hashlib.sha1(f"{topic}|{place}".encode(), usedforsecurity=False).hexdigest()[:16],
                topic=topic,
                place=place,
                cases=len(members),
                years=years,
                tickets=[m["number"] for m in members],
                unit_id=unit_id,
                unit_name=unit_names[unit_id].name if unit_id in unit_names else "",
                lat=sum(c[0] for c in coords) / len(coords) if coords else None,
                lng=sum(c[1] for c in coords) / len(coords) if coords else None,
            )
        )
    out.sort(key=lambda s: (-len(s.years), -s.cases, s.place))
    return out[:top] if top else out


def clock_year(moment: Any) -> int:
    from django.utils import timezone

    return timezone.localtime(moment).year


def push(spots: list[RiskSpot], *, quiet_days: int = 30) -> list[RiskSpot]:
    """Warn each spot's responsible unit (handlers and leaders of the unit) and record an
    audit event ``risk_warning``; a spot pushed in the last ``quiet_days`` is skipped."""
    since = clock.now() - timedelta(days=quiet_days)
    pushed = []
    for s in spots:
        if s.unit_id is None or alerts.warned_since("risk_warning", s.key, since):
            continue
        users = User.objects.filter(is_active=True, unit_id=s.unit_id, role__in=(Role.HANDLER, Role.LEADER))
        label = RISK_TOPICS[s.topic][0]
        alerts.warn(
            users,
            action="risk_warning",
            kind="risk",
            title=f"【{label}风险预警】{s.place}",
            body=f"{s.name}。请排查隐患、设置警示并落实防范措施。相关工单:{'、'.join(s.tickets[:10])}",
            payload={
                "key": s.key,
                "topic": s.topic,
                "place": s.place,
                "cases": s.cases,
                "years": s.years,
                "unit": s.unit_id,
                "tickets": s.tickets[:100],
                "lat": s.lat,
                "lng": s.lng,
            },
        )
        pushed.append(s)
    return pushed
