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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.db.models import QuerySet

from hotline import clock
from hotline.analytics import alerts, spot_names, textvec
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
# Similarity forgiven when two tickets name the same spot (their place is then known).
SHARED_SPOT_BONUS = 0.1
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


def cluster(
    docs: list[str],
    blocks: Iterable[list[int]],
    threshold: float,
    place_ids: list[int] | None = None,
    chunk: int = 2000,
    spots: Callable[[int], frozenset[str]] | None = None,
) -> list[list[int]]:
    """Groups of document indexes linked by cosine similarity ≥ threshold within a block,
    never linking two documents whose (known, non-zero) places differ, nor two that name
    different spots (roads, markets, estates); a document naming a spot links to one
    naming none only on clearly similar words. ``spots(i)`` gives document i's spots; it
    is asked only for documents that have a candidate partner."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(docs)
    if n < 2:
        return []
    matrix = textvec.tfidf(docs, min_df=2, max_df=0.05 if n > 20_000 else 0.5)
    place = np.asarray(place_ids if place_ids is not None else [0] * n, dtype=np.int64)
    found_a: list[np.ndarray] = []
    found_b: list[np.ndarray] = []
    found_sim: list[np.ndarray] = []
    found_need: list[np.ndarray] = []
    for members in blocks:
        if len(members) < 2:
            continue
        idx = np.asarray(members, dtype=np.int64)
        # Within a topic: tickets of one known place against each other, and tickets of
        # unknown place against the whole topic — never all pairs of a large topic.
        order = np.argsort(place[idx], kind="stable")
        idx = idx[order]
        cuts = np.flatnonzero(np.diff(place[idx])) + 1
        for left in np.split(idx, cuts):
            if len(left) < 2 and place[left[0]] != 0:
                continue
            right = idx if place[left[0]] == 0 else left
            for a, b, sim, need in _candidates(matrix, left, right, threshold, place, chunk):
                found_a.append(a)
                found_b.append(b)
                found_sim.append(sim)
                found_need.append(need)
    if not found_a:
        return []
    a, b = np.concatenate(found_a), np.concatenate(found_b)
    sim, need = np.concatenate(found_sim), np.concatenate(found_need)
    keep = _spots_agree(a, b, sim, need, threshold, spots) if spots is not None else sim >= need
    a, b = a[keep], b[keep]
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels)
    out: dict[int, list[int]] = defaultdict(list)
    for i in np.flatnonzero(sizes[labels] > 1):
        out[int(labels[i])].append(int(i))
    return list(out.values())


def _candidates(
    matrix: Any, left: Any, right: Any, threshold: float, place: Any, chunk: int
) -> Iterable[tuple[Any, Any, Any, Any]]:
    """Pairs (left, right) similar enough to be one matter, with their similarity."""
    other = _narrow(matrix[right])
    columns = other.matrix.shape[1]
    for lo in range(0, len(left), chunk):
        rows = left[lo : lo + chunk]
        mine = _restrict(matrix[rows], other.keep)
        sims = (mine @ other.matrix.T).tocoo() if columns else None
        if sims is None or not sims.nnz:
            continue
        a, b = rows[sims.row], right[sims.col]
        pa, pb = place[a], place[b]
        # Tickets of one known place link at the threshold; where a place is unknown the
        # words alone must say it is the same matter, so the bar is higher.
        known_same = (pa == pb) & (pa != 0)
        need = np.where(known_same, threshold, threshold + UNKNOWN_PLACE_MARGIN)
        # Kept a little below the bar: a spot both name may lower it (see _spots_agree).
        keep = (sims.data >= threshold - SHARED_SPOT_BONUS) & (a != b) & (known_same | (pa == 0) | (pb == 0))
        if keep.any():
            yield a[keep], b[keep], sims.data[keep], need[keep]


@dataclass
class _Narrowed:
    matrix: Any
    keep: Any  # the original column numbers, sorted


def _narrow(rows: Any) -> _Narrowed:
    """The rows with only the columns they use, renumbered: a product over two million
    hashed columns would otherwise cost a pass over every column for each small block."""
    from scipy.sparse import csr_matrix

    keep, inverse = np.unique(rows.indices, return_inverse=True)
    matrix = csr_matrix((rows.data, inverse, rows.indptr), shape=(rows.shape[0], len(keep)))
    return _Narrowed(matrix, keep)


def _restrict(rows: Any, columns: Any) -> Any:
    """The rows with only the given (sorted) original columns, renumbered as those."""
    from scipy.sparse import csr_matrix

    n = rows.shape[0]
    if not len(columns):
        return csr_matrix((n, 0), dtype=rows.dtype)
    pos = np.minimum(np.searchsorted(columns, rows.indices), len(columns) - 1)
    hit = columns[pos] == rows.indices
    owner = np.repeat(np.arange(n), np.diff(rows.indptr))
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(np.bincount(owner[hit], minlength=n))
    return csr_matrix((rows.data[hit], pos[hit], indptr), shape=(n, len(columns)))


def _spots_agree(
    a: Any, b: Any, sim: Any, need: Any, threshold: float, spots: Callable[[int], frozenset[str]]
) -> Any:
    """Which candidate pairs the spots allow: two different named spots are two
    matters; a named spot and none need clearly similar words; a spot both name
    already says "same place" (even where a place unit is unknown), so the words
    need to say a little less."""
    from scipy.sparse import csr_matrix

    ids: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i in np.unique(np.concatenate([a, b])).tolist():
        for s in spots(i):
            rows.append(i)
            cols.append(ids.setdefault(s, len(ids)))
    keep = sim >= need
    if not ids:
        return keep
    n = int(max(a.max(), b.max())) + 1
    named = csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, len(ids)))
    has = np.diff(named.indptr) > 0
    both = has[a] & has[b]
    one = has[a] ^ has[b]
    keep[one] = sim[one] >= np.maximum(need[one], threshold + UNNAMED_SPOT_MARGIN)
    if both.any():
        shared = np.asarray(named[a[both]].multiply(named[b[both]]).sum(axis=1)).ravel() > 0
        keep[both] = shared & (sim[both] >= threshold - SHARED_SPOT_BONUS)
    return keep


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


def _district(found: list[list[str]]) -> str:
    """The district most of the texts name, the county rather than the city."""
    specific = [[d for d in ds if not d.endswith("市")] or ds for ds in found]
    return spot_names.most_common(specific, min_share=0.3)


def _medoid(texts: list[str]) -> int:
    """Index of the text most like the others: the group's typical case."""
    if len(texts) < 3:
        return 0
    vectors = textvec.tfidf(texts, min_df=1, max_df=1.0)
    closeness = np.asarray((vectors @ vectors.T).sum(axis=1)).ravel()
    return int(np.argmax(closeness))


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
    place_names = {u.pk: (u.area or u.short_name or u.name) for u in Unit.objects.exclude(level=Level.CENTRE)}
    place_ids = _place_ids(rows, docs, place_names)
    named_spots = [frozenset(spot_names.spots(d[:SPOT_SCAN])) for d in docs]
    groups = [
        g
        for g in cluster(docs, _blocks(rows).values(), threshold, place_ids, spots=named_spots.__getitem__)
        if len(g) >= min_size
    ]
    recent_from = end - timedelta(days=recent_days)
    ranked = sorted(
        (
            _Tally.of([rows[i] for i in g], recent_from, recent_from - timedelta(days=recent_days))
            for g in groups
        ),
        key=lambda t: (-t.score, -len(t.members), t.members[0]["number"]),
    )
    # Naming (keywords, districts, spots) is the costly part: only for what is shown.
    unit_names = dict(Unit.objects.values_list("id", "name"))
    return [_named(t, recent_days, unit_names, place_names) for t in (ranked[:top] if top else ranked)]


# Spots are looked for in the first characters of a request, where citizens name them.
SPOT_SCAN = 120


def _place_ids(rows: list[dict[str, Any]], docs: list[str], place_names: dict[int, str]) -> list[int]:
    """Each ticket's place for linking: its place unit, else the district its text
    names (the unit of that name, or a stand-in number below zero), else 0 (unknown).
    Two tickets naming different districts are two matters, like two place units."""
    by_name = {name: pk for pk, name in place_names.items() if name}
    stand_in: dict[str, int] = {}
    out = []
    for row, doc in zip(rows, docs, strict=True):
        place = row["place_id"] or 0
        if not place:
            found = spot_names.districts(doc[:150])
            district = next((d for d in found if not d.endswith("市")), found[0] if found else "")
            if district:
                place = by_name.get(district) or -stand_in.setdefault(district, len(stand_in) + 1)
        out.append(place)
    return out


@dataclass
class _Tally:
    """A group's figures, cheap to compute for every group of a large window."""

    members: list[dict[str, Any]]
    recent: int
    previous: int
    severity: float
    score: float

    @classmethod
    def of(cls, members: list[dict[str, Any]], recent_from: datetime, previous_from: datetime) -> _Tally:
        recent = sum(1 for r in members if r["created_at"] > recent_from)
        previous = sum(1 for r in members if previous_from < r["created_at"] <= recent_from)
        severe = sum(1 for r in members if r["urgency"] in SEVERE_URGENCY or r["emotion"] in SEVERE_EMOTION)
        severity = round(severe / len(members), 2)
        score = round(len(members) + 2 * max(recent - previous, 0) + 5 * severity * len(members) ** 0.5, 2)
        return cls(members, recent, previous, severity, score)


def _named(
    tally: _Tally, recent_days: int, unit_names: dict[int, str], place_names: dict[int, str]
) -> Hotspot:
    members = tally.members
    texts = [_doc(r) for r in members]
    titles = [r["title"] or "" for r in members]
    member_places = Counter(r["place_id"] for r in members if r["place_id"])
    district = place_names.get(member_places.most_common(1)[0][0], "") if member_places else ""
    if not district:
        # Titles name the place more reliably than the story around it.
        district = _district([spot_names.districts(t) for t in titles]) or _district(
            [spot_names.districts(t) for t in texts]
        )
    # Where citizens wrote titles, the spot comes from them: the story around a matter
    # names roads and buildings that are not where it happens.
    spot = spot_names.most_common(
        (spot_names.spots(t) for t in (titles if any(titles) else texts)), min_share=0.3
    )
    typical = members[_medoid([r["title"] or r["text"][:80] for r in members[:200]])]
    matter = spot_names.headline(
        typical["title"],
        typical["text"],
        drop=[district, spot, *spot_names.districts(typical["title"] or "")],
    )
    keywords = _matter([m["title"] or m["text"][:60] for m in members[:200]], [district, spot])
    leads = Counter(r["lead_unit_id"] for r in members if r["lead_unit_id"])
    unit_id = (
        leads.most_common(1)[0][0]
        if leads
        else (member_places.most_common(1)[0][0] if member_places else None)
    )
    topics = Counter(r["topic"] for r in members if r["topic"])
    coords = [(r["lat"], r["lng"]) for r in members if r["lat"] is not None]
    label = " ".join(p for p in (district, spot, matter) if p)
    return Hotspot(
        key=_key(district, spot, keywords),
        name=f"{label}, {len(members)} 件, 近{recent_days}日 +{tally.recent}",
        district=district,
        spot=spot,
        matter=matter,
        topic=topics.most_common(1)[0][0] if topics else "",
        count=len(members),
        recent=tally.recent,
        previous=tally.previous,
        severity=tally.severity,
        score=tally.score,
        tickets=[r["number"] for r in members],
        unit_id=unit_id,
        unit_name=unit_names.get(unit_id, "") if unit_id else "",
        first_at=members[0]["created_at"],
        last_at=members[-1]["created_at"],
        lat=float(np.mean([c[0] for c in coords])) if coords else None,
        lng=float(np.mean([c[1] for c in coords])) if coords else None,
        emerging=tally.recent >= max(3, (len(members) + 1) // 2) and tally.recent > tally.previous,
    )


def warn_emerging(hotspots: Iterable[Hotspot], *, quiet_days: int = 7) -> list[Hotspot]:
    """Tell the centre's leaders and supervisors (and the responsible unit's leaders)
    about each emerging hotspot not already warned about in the last ``quiet_days``;
    each warning is an audit event ``hotspot_warning``. Returns the hotspots warned."""
    since = clock.now() - timedelta(days=quiet_days)
    warned = []
    for h in hotspots:
        if not h.emerging or alerts.warned_since("hotspot_warning", h.key, since):
            continue
        users = list(
            User.objects.filter(
                is_active=True, unit__level=Level.CENTRE, role__in=(Role.LEADER, Role.SUPERVISOR)
            )
        )
        if h.unit_id:
            users += list(User.objects.filter(is_active=True, unit_id=h.unit_id, role=Role.LEADER))
        alerts.warn(
            users,
            action="hotspot_warning",
            kind="hotspot",
            title=f"【热点预警】{h.name}",
            body=f"责任单位:{h.unit_name or '待定'};涉及工单:{'、'.join(h.tickets[:10])}"
            + (" 等" if len(h.tickets) > 10 else ""),
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
