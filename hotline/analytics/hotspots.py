"""Hotspots (热点诉求): groups of tickets about the same matter in the same place.

Over a sliding window (the last ``days`` days before ``as_of``) the tickets are
vectorised once (TF-IDF of character 2–3-grams, sparse), blocked by place and topic
(level 1), and linked when their cosine similarity reaches ``threshold``; the connected
groups of at least ``min_size`` tickets are the hotspots. Each is named as a leader
reads it — "滨江县 河滨路夜市 油烟噪音扰民, 37 件, 近7日 +12" — and ranked by volume,
growth over the last ``recent_days`` and severity (urgency and anger).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import QuerySet

from hotline import clock
from hotline.analytics import places
from hotline.audit.models import Event
from hotline.org.models import Level, Role, Unit, User
from hotline.org.scope import DataScope
from hotline.tickets.models import State, Ticket
from hotline.tickets.selectors import scoped_tickets

EXCLUDED = (State.REJECTED, State.TRANSFERRED)
SEVERE_URGENCY = ("紧急", "特急")
SEVERE_EMOTION = ("不满", "愤怒")
FIELDS = (
    "id",
    "number",
    "title",
    "text",
    "topic",
    "place_id",
    "lead_unit_id",
    "urgency",
    "emotion",
    "created_at",
    "lat",
    "lng",
)


@dataclass
class Hotspot:
    key: str
    name: str
    district: str
    spot: str
    matter: str
    topic: str
    count: int
    recent: int
    previous: int
    severity: float
    score: float
    tickets: list[str]
    unit_id: int | None
    unit_name: str
    first_at: datetime
    last_at: datetime
    lat: float | None = None
    lng: float | None = None
    emerging: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def growth(self) -> int:
        return self.recent - self.previous

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "district": self.district,
            "spot": self.spot,
            "matter": self.matter,
            "topic": self.topic,
            "count": self.count,
            "recent": self.recent,
            "growth": self.growth,
            "severity": self.severity,
            "score": self.score,
            "emerging": self.emerging,
            "unit_id": self.unit_id,
            "unit_name": self.unit_name,
            "tickets": self.tickets,
            "first_at": self.first_at.isoformat(),
            "last_at": self.last_at.isoformat(),
            "lat": self.lat,
            "lng": self.lng,
        }


# Extra cosine similarity required to link a ticket whose place is unknown.
UNKNOWN_PLACE_MARGIN = 0.15
# Extra similarity required to link a ticket naming a spot with one naming none.
UNNAMED_SPOT_MARGIN = 0.35


def _doc(row: dict[str, Any]) -> str:
    return f"{row['title'] or ''} {(row['text'] or '')[:300]}"


def _blocks(rows: list[dict[str, Any]]) -> dict[str, list[int]]:
    """Candidate groups: the same level-1 topic. (Places are compared edge by edge:
    a ticket whose place is unknown may join any place.)"""
    out: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        out[(r["topic"] or "").split("/")[0].strip()].append(i)
    return out


class _Union:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        p = self.parent
        while p[i] != i:
            p[i] = p[p[i]]
            i = int(p[i])
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def cluster(
    docs: list[str],
    blocks: Iterable[list[int]],
    threshold: float,
    place_ids: list[int] | None = None,
    chunk: int = 2000,
    spots: list[frozenset[str]] | None = None,
) -> list[list[int]]:
    """Groups of document indexes linked by cosine similarity ≥ threshold within a block,
    never linking two documents whose (known, non-zero) places differ, nor two that name
    different spots (roads, markets, estates); a document naming a spot links to one
    naming none only on clearly similar words."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not docs:
        return []
    vec = TfidfVectorizer(
        analyzer="char",
        ngram_range=(2, 3),
        min_df=2,
        max_df=0.05 if len(docs) > 20_000 else 0.5,
        sublinear_tf=True,
        dtype=np.float32,
    )
    try:
        matrix = vec.fit_transform(docs).tocsr()
    except ValueError:  # too few documents for min_df / an empty vocabulary
        return []
    uf = _Union(len(docs))
    place = np.asarray(place_ids if place_ids is not None else [0] * len(docs), dtype=np.int64)
    for members in blocks:
        if len(members) < 2:
            continue
        idx = np.asarray(members)
        # Within a topic: tickets of one known place against each other, and tickets of
        # unknown place against the whole topic — never all pairs of a large topic.
        by_place: dict[int, list[int]] = defaultdict(list)
        for i in idx:
            by_place[int(place[i])].append(int(i))
        for p, rows_of in by_place.items():
            left = np.asarray(rows_of)
            right = idx if p == 0 else left
            _link(uf, matrix, left, right, threshold, place, chunk, spots)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(docs)):
        groups[uf.find(i)].append(i)
    return [g for g in groups.values() if len(g) > 1]


def _link(
    uf: _Union,
    matrix: Any,
    left: Any,
    right: Any,
    threshold: float,
    place: Any,
    chunk: int,
    spots: list[frozenset[str]] | None,
) -> None:
    other = matrix[right].T.tocsc()
    for lo in range(0, len(left), chunk):
        rows = left[lo : lo + chunk]
        sims = (matrix[rows] @ other).tocoo()
        a, b = rows[sims.row], right[sims.col]
        pa, pb = place[a], place[b]
        # Tickets of one known place link at the threshold; where a place is unknown the
        # words alone must say it is the same matter, so the bar is higher.
        known_same = (pa == pb) & (pa != 0)
        need = np.where(known_same, threshold, threshold + UNKNOWN_PLACE_MARGIN)
        keep = (sims.data >= threshold) & (a != b) & (known_same | (pa == 0) | (pb == 0))
        for x, y, sim, bar in zip(a[keep], b[keep], sims.data[keep], need[keep], strict=True):
            if spots is not None:
                sx, sy = spots[int(x)], spots[int(y)]
                if sx and sy:
                    if not sx & sy:
                        continue  # two different named spots: two matters
                elif sx or sy:
                    bar = max(bar, threshold + UNNAMED_SPOT_MARGIN)
            if sim >= bar:
                uf.union(int(x), int(y))


def _matter(texts: list[str], avoid: Iterable[str], k: int = 3) -> str:
    import jieba.analyse

    words = []
    skip = set(avoid)
    for w in jieba.analyse.extract_tags(" ".join(texts)[:20000], topK=12):
        if w.isdigit() or any(w in s or s in w for s in skip if s) or len(w) < 2:
            continue
        words.append(w)
        if len(words) == k:
            break
    return "".join(words)


def _key(*parts: str) -> str:
    return hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()[:16]


def window_rows(
    scope: DataScope, start: datetime, end: datetime, qs: QuerySet[Ticket] | None = None
) -> list[dict[str, Any]]:
    base = scoped_tickets(scope) if qs is None else qs
    return list(
        base.filter(created_at__gt=start, created_at__lte=end)
        .exclude(state__in=EXCLUDED)
        .order_by("created_at", "id")
        .values(*FIELDS)
    )


def find_hotspots(
    scope: DataScope,
    *,
    as_of: datetime | None = None,
    days: int = 30,
    recent_days: int = 7,
    min_size: int = 3,
    threshold: float = 0.3,
    top: int = 20,
    rows: list[dict[str, Any]] | None = None,
) -> list[Hotspot]:
    """The hotspots of the window ending at ``as_of`` (default now), best first."""
    end = as_of or clock.now()
    start = end - timedelta(days=days)
    if rows is None:
        rows = window_rows(scope, start, end)
    docs = [_doc(r) for r in rows]
    place_ids = [r["place_id"] or 0 for r in rows]
    spot_sets = [frozenset(places.spots(d)) for d in docs]
    groups = [
        g
        for g in cluster(docs, _blocks(rows).values(), threshold, place_ids, spots=spot_sets)
        if len(g) >= min_size
    ]
    recent_from = end - timedelta(days=recent_days)
    previous_from = recent_from - timedelta(days=recent_days)
    unit_names = dict(Unit.objects.values_list("id", "name"))
    place_names = {u.pk: (u.area or u.short_name or u.name) for u in Unit.objects.exclude(level=Level.CENTRE)}
    spots: list[Hotspot] = []
    for g in groups:
        members = [rows[i] for i in g]
        texts = [docs[i] for i in g]
        member_places = Counter(r["place_id"] for r in members if r["place_id"])
        district = place_names.get(member_places.most_common(1)[0][0], "") if member_places else ""
        if not district:
            found = [places.districts(t) for t in texts]
            specific = [[d for d in ds if not d.endswith("市")] or ds for ds in found]
            district = places.most_common(specific, min_share=0.3)
        spot = places.most_common((places.spots(t) for t in texts), min_share=0.3)
        matter = _matter([m["title"] or m["text"][:60] for m in members[:200]], [district, spot])
        recent = sum(1 for r in members if r["created_at"] > recent_from)
        previous = sum(1 for r in members if previous_from < r["created_at"] <= recent_from)
        severe = sum(1 for r in members if r["urgency"] in SEVERE_URGENCY or r["emotion"] in SEVERE_EMOTION)
        severity = round(severe / len(members), 2)
        leads = Counter(r["lead_unit_id"] for r in members if r["lead_unit_id"])
        unit_id = (
            leads.most_common(1)[0][0]
            if leads
            else (member_places.most_common(1)[0][0] if member_places else None)
        )
        topics = Counter(r["topic"] for r in members if r["topic"])
        coords = [(r["lat"], r["lng"]) for r in members if r["lat"] is not None]
        label = " ".join(p for p in (district, spot, matter) if p)
        hotspot = Hotspot(
            key=_key(district, spot, matter),
            name=f"{label}, {len(members)} 件, 近{recent_days}日 +{recent}",
            district=district,
            spot=spot,
            matter=matter,
            topic=topics.most_common(1)[0][0] if topics else "",
            count=len(members),
            recent=recent,
            previous=previous,
            severity=severity,
            score=round(len(members) + 2 * max(recent - previous, 0) + 5 * severity * len(members) ** 0.5, 2),
            tickets=[r["number"] for r in members],
            unit_id=unit_id,
            unit_name=unit_names.get(unit_id, "") if unit_id else "",
            first_at=members[0]["created_at"],
            last_at=members[-1]["created_at"],
            lat=float(np.mean([c[0] for c in coords])) if coords else None,
            lng=float(np.mean([c[1] for c in coords])) if coords else None,
            emerging=recent >= max(3, (len(members) + 1) // 2) and recent > previous,
        )
        spots.append(hotspot)
    spots.sort(key=lambda h: (-h.score, -h.count, h.name))
    return spots[:top] if top else spots


def warn_emerging(hotspots: Iterable[Hotspot], *, quiet_days: int = 7) -> list[Hotspot]:
    """Tell the centre's leaders and supervisors (and the responsible unit's leaders)
    about each emerging hotspot not already warned about in the last ``quiet_days``;
    each warning is an audit event ``hotspot_warning``. Returns the hotspots warned."""
    from hotline.sla.notify import notify
    from hotline.tickets.actions.base import Actor, record

    now = clock.now()
    warned = []
    for h in hotspots:
        if not h.emerging:
            continue
        if Event.objects.filter(
            action="hotspot_warning", created_at__gte=now - timedelta(days=quiet_days), payload__key=h.key
        ).exists():
            continue
        users = list(
            User.objects.filter(
                is_active=True, unit__level=Level.CENTRE, role__in=(Role.LEADER, Role.SUPERVISOR)
            )
        )
        if h.unit_id:
            users += list(User.objects.filter(is_active=True, unit_id=h.unit_id, role=Role.LEADER))
        with transaction.atomic():
            notify(
                users,
                kind="hotspot",
                title=f"【热点预警】{h.name}",
                body=f"责任单位:{h.unit_name or '待定'};涉及工单:{'、'.join(h.tickets[:10])}"
                + (" 等" if len(h.tickets) > 10 else ""),
            )
            record(
                action="hotspot_warning",
                ticket=None,
                actor=Actor.system(),
                payload={
                    "key": h.key,
                    "name": h.name,
                    "count": h.count,
                    "recent": h.recent,
                    "unit": h.unit_id,
                    "tickets": h.tickets[:100],
                },
            )
        warned.append(h)
    return warned
