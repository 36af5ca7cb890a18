"""Risk areas (风险点位): for a matter, the places where it recurs over the years.

As the study's platform did for 229 drowning spots: the tickets about a matter (溺水,
坠落, 火灾, 内涝 …, matched by its words in title and text) are grouped by place — the
ticket's ``place`` unit (or the district its text names) and the spot it names, by the
spot's core so that "金桥村水塘" and "金桥村的水塘边" are one place — ranked by the
number of years with cases, then by cases, and pushed to the responsible township (the
place unit; a village's township) as a warning: an inbox notification to the unit's
handlers and leaders listing the cases behind it, and an audit event ``risk_warning``
by the person who pushed. A place is pushed once per calendar month (``push`` again in
the same month changes nothing).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.db.models import Q
from django.utils import timezone

from hotline import clock
from hotline.analytics import alerts, hotspot_groups, hotspots, spot_names
from hotline.errors import InvalidInput
from hotline.org.actor import Actor
from hotline.org.models import Level, Role, Unit, User
from hotline.org.scope import DataScope
from hotline.tickets.models import State
from hotline.tickets.selectors import scoped_tickets

RISK_TOPICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "drowning": ("溺水", ("溺水", "溺亡", "落水", "淹死", "野泳", "防溺")),
    "fire": ("火灾", ("火灾", "起火", "着火", "失火", "火情", "消防通道")),
    "flood": ("内涝/洪水", ("内涝", "积水", "被淹", "淹水", "洪水", "山洪", "涝")),
    "gas": ("燃气", ("燃气", "煤气", "天然气", "液化气", "气罐")),
    "road": ("交通安全", ("交通事故", "车祸", "红绿灯", "信号灯", "斑马线", "减速带", "交通安全", "撞")),
    "fall": ("坠落", ("坠落", "坠楼", "跌落", "摔落", "高空坠物", "高空抛物", "护栏缺失", "掉下")),
}


def matter_of(value: str) -> str:
    """The risk key of a matter given by key (``drowning``) or by name (溺水, 内涝)."""
    value = (value or "").strip()
    if value in RISK_TOPICS:
        return value
    for key, (label, words) in RISK_TOPICS.items():
        if value and (value in label.split("/") or value == label or value in words):
            return key
    names = "、".join(label for label, _ in RISK_TOPICS.values())
    raise InvalidInput("matter", f"风险类别须为:{names}(或 {', '.join(RISK_TOPICS)})")


CASES_IN_BODY = 30  # case numbers listed in the notification (all of them in the audit record)


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
    """The places in scope where the matter ``topic`` (key or name) recurs, best first."""
    topic = matter_of(topic)
    words = RISK_TOPICS[topic][1]
    match = Q()
    for w in words:
        match |= Q(title__contains=w) | Q(text__contains=w)
    rows = (
        scoped_tickets(scope)
        .filter(match)
        .exclude(state__in=(State.REJECTED, State.MERGED))
        .order_by("created_at", "id")
        .values("number", "title", "text", "address", "place_id", "lead_unit_id", "created_at", "lat", "lng")
    )
    units = {u.pk: u for u in Unit.objects.all()}
    found: list[dict[str, Any]] = [dict(r) for r in rows.iterator(chunk_size=2000)]
    # The places as hotspots find them: the spot's core within the place unit (or the
    # unit of that core), so that one place named several ways is one.
    docs = [f"{r['title']} {r['text'][:500]}" for r in found]
    place_names = {pk: (u.area or u.short_name or u.name) for pk, u in units.items()}
    where = np.asarray(hotspots.place_ids((r["place_id"] for r in found), docs, place_names), dtype=np.int64)
    anchor_ids, _, _ = hotspot_groups.anchors(docs, where)
    spots_found = spot_names.spots_many(docs)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    shown: dict[str, Counter[str]] = defaultdict(Counter)
    for i, r in enumerate(found):
        spot = hotspot_groups.place_part(next(iter(spots_found[i]), "")) or (r["address"] or "").strip()
        if anchor_ids[i] < 0 and not spot:
            continue
        unit = units.get(abs(int(where[i])))
        district = (unit.area or unit.name) if unit else next(iter(spot_names.districts(docs[i])), "")
        key = f"a{anchor_ids[i]}" if anchor_ids[i] >= 0 else f"{district} {spot}"
        groups[key].append(r)
        if spot:
            shown[key][f"{district} {spot}".strip()] += 1
    out = []
    for key, members in groups.items():
        if len(members) < min_cases:
            continue
        years = sorted({clock_year(m["created_at"]) for m in members})
        owners = Counter(
            m["place_id"] or m["lead_unit_id"] for m in members if m["place_id"] or m["lead_unit_id"]
        )
        unit = _township(units, owners.most_common(1)[0][0]) if owners else None
        coords = [(m["lat"], m["lng"]) for m in members if m["lat"] is not None]
        place = shown[key].most_common(1)[0][0] if shown[key] else key
        out.append(
            RiskSpot(
                key=hashlib.sha1(f"{topic}|{place}".encode(), usedforsecurity=False).hexdigest()[:16],
                topic=topic,
                place=place,
                cases=len(members),
                years=years,
                tickets=[m["number"] for m in members],
                unit_id=unit.pk if unit else None,
                unit_name=unit.name if unit else "",
                lat=sum(c[0] for c in coords) / len(coords) if coords else None,
                lng=sum(c[1] for c in coords) / len(coords) if coords else None,
            )
        )
    out.sort(key=lambda s: (-len(s.years), -s.cases, s.place))
    return out[:top] if top else out


def _township(units: dict[int, Unit], unit_id: int) -> Unit | None:
    """The unit answerable for a place: the place unit itself, or for a village (or a
    unit below it) its township."""
    unit = units.get(unit_id)
    while unit is not None and unit.level == Level.VILLAGE and unit.parent_id in units:
        unit = units[unit.parent_id]
    return unit


def clock_year(moment: Any) -> int:
    from django.utils import timezone

    return timezone.localtime(moment).year


def push(spots: list[RiskSpot], *, actor: Actor | None = None) -> list[RiskSpot]:
    """Warn each spot's responsible unit (its handlers and leaders), listing the cases,
    and record the push (audit event ``risk_warning`` by ``actor``, default the
    platform). A spot already pushed this calendar month is skipped: pushing again is
    harmless. Returns the spots pushed now."""
    now = timezone.localtime(clock.now())
    month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    pushed = []
    for s in spots:
        if s.unit_id is None or alerts.warned_since("risk_warning", s.key, month):
            continue
        users = User.objects.filter(is_active=True, unit_id=s.unit_id, role__in=(Role.HANDLER, Role.LEADER))
        label = RISK_TOPICS[s.topic][0]
        cases = "、".join(s.tickets[:CASES_IN_BODY]) + (
            f" 等 {len(s.tickets)} 件" if len(s.tickets) > CASES_IN_BODY else ""
        )
        alerts.warn(
            users,
            action="risk_warning",
            kind="risk",
            title=f"【{label}风险预警】{s.place}",
            body=f"{s.name}。请排查隐患、设置警示并落实防范措施。相关工单:{cases}",
            payload={
                "key": s.key,
                "topic": s.topic,
                "place": s.place,
                "cases": s.cases,
                "years": s.years,
                "unit": s.unit_id,
                "month": month.date().isoformat(),
                "tickets": s.tickets[:500],
                "lat": s.lat,
                "lng": s.lng,
            },
            actor=actor,
        )
        pushed.append(s)
    return pushed
