"""Hotspots (热点诉求): groups of tickets about one matter at one place.

Over a window (the ``days`` before ``as_of``, or the dates asked for) the tickets are
vectorised once (TF-IDF of character 2–3-grams, sparse) and grouped place first, matter
second (``hotspot_groups``): the spot a ticket names (an estate, a site, a shop) within
its place unit, then the matter among the tickets of that spot, by average linkage on
their words without the spot's own name. Each group of at least ``min_size`` tickets is
a hotspot, named as a leader reads it — "滨江县 河滨路夜市 油烟噪音扰民" — with its
size, span (first and last ticket), trend (the last part of the window against the part
before: 7 days in a month, 30 in a quarter, 90 in a year), the units involved, and
ranked by volume, growth and severity (urgency and anger). The window's label says what
was asked: 近30日, 近365日, or the dates.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from django.db import connections
from django.db.models import QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from hotline import clock
from hotline.analytics import alerts, hotspot_groups, spot_names, textvec
from hotline.errors import InvalidInput
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
    window: str = ""
    recent_days: int = 7
    units: list[str] = field(default_factory=list)
    lat: float | None = None
    lng: float | None = None
    emerging: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def growth(self) -> int:
        return self.recent - self.previous

    @property
    def trend(self) -> str:
        """近N日 +k (前N日 m): the last part of the window against the part before."""
        return f"近{self.recent_days}日 +{self.recent}(前{self.recent_days}日 {self.previous})"

    @property
    def span(self) -> str:
        first, last = timezone.localtime(self.first_at).date(), timezone.localtime(self.last_at).date()
        return first.isoformat() if first == last else f"{first.isoformat()}至{last.isoformat()}"

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
            "window": self.window,
            "recent_days": self.recent_days,
            "previous": self.previous,
            "trend": self.trend,
            "units": self.units,
            "tickets": self.tickets,
            "first_at": self.first_at.isoformat(),
            "last_at": self.last_at.isoformat(),
            "lat": self.lat,
            "lng": self.lng,
        }


def _doc(title: str | None, text: str | None) -> str:
    """What a ticket's matter is read from: its title and the first part of its text."""
    return f"{title or ''} {(text or '')[:DOC_CHARS]}"


def _head(title: str | None, text: str | None) -> str:
    """Where a ticket's spot is looked for: its title and its first characters."""
    return f"{title or ''} {(text or '')[:SPOT_SCAN]}"


def _matter(texts: list[str], avoid: Iterable[str], k: int = 3) -> str:
    import jieba.analyse

    words = []
    skip = set(avoid)
    for w in jieba.analyse.extract_tags(" ".join(texts)[:2000], topK=12):
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
    vectors = textvec.tfidf(texts, min_df=1, max_df=1.0, buckets=1 << 16)
    closeness = np.asarray((vectors @ vectors.T).sum(axis=1)).ravel()
    return int(np.argmax(closeness))


def _key(*parts: str) -> str:
    return hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()[:16]


class WindowRows:
    """A window's tickets as columns: the values of ``FIELDS`` per ticket (the text cut
    to what grouping and naming read) and the times as one array. A million rows read
    this way take a third of the time of Django's dicts with their per-value converters;
    only the members of the hotspots shown become dicts (``row``)."""

    def __init__(self, records: list[tuple[Any, ...]], created: np.ndarray) -> None:
        self.records = records
        self.created = created  # microseconds since the epoch, UTC
        self.severe = np.fromiter(
            (r[_URGENCY] in SEVERE_URGENCY or r[_EMOTION] in SEVERE_EMOTION for r in records),
            dtype=bool,
            count=len(records),
        )

    @classmethod
    def of_dicts(cls, rows: list[dict[str, Any]]) -> WindowRows:
        """Rows as ``window_rows`` reads them, given as dicts (a benchmark's corpus)."""
        return cls([tuple(r[f] for f in FIELDS) for r in rows], _micros([r["created_at"] for r in rows]))

    def __len__(self) -> int:
        return len(self.records)

    def row(self, i: int) -> dict[str, Any]:
        out = dict(zip(FIELDS, self.records[i], strict=True))
        out["created_at"] = datetime.fromtimestamp(int(self.created[i]) / 1e6, tz=UTC)
        return out


_ID, _URGENCY, _EMOTION, _CREATED = (FIELDS.index(f) for f in ("id", "urgency", "emotion", "created_at"))


def _micros(values: list[Any]) -> np.ndarray:
    """Times as read from the database (SQLite: naive UTC datetimes; PostgreSQL: aware
    ones) or given (aware), as microseconds since the epoch."""
    if values and (isinstance(values[0], str) or values[0].tzinfo is None):
        return np.array(values, dtype="datetime64[us]").astype(np.int64)
    return np.fromiter((round(v.timestamp() * 1e6) for v in values), dtype=np.int64, count=len(values))


def window_rows(
    scope: DataScope, start: datetime, end: datetime, qs: QuerySet[Ticket] | None = None
) -> WindowRows:
    base = scoped_tickets(scope) if qs is None else qs
    query = (
        base.filter(created_at__gt=start, created_at__lte=end)
        .exclude(state__in=EXCLUDED)
        .annotate(head=Substr("text", 1, DOC_CHARS))
        .order_by()
        .values_list(*(("head" if f == "text" else f) for f in FIELDS))
    )
    # The scoped query's own SQL, run on a plain cursor: the values as the driver gives
    # them, without a converter call per value.
    sql, params = query.query.get_compiler(using=query.db).as_sql()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        records = cursor.fetchall()
    created = _micros([r[_CREATED] for r in records])
    # In time order (then by id), sorted here: a database sorting a million wide rows
    # spills them to disk (PostgreSQL's work_mem), numpy orders two columns in memory.
    order = np.lexsort((np.fromiter((r[_ID] for r in records), dtype=np.int64, count=len(records)), created))
    return WindowRows([records[i] for i in order.tolist()], created[order])


@dataclass(frozen=True)
class Window:
    """The stretch of time asked for, its label, and the span its trend compares."""

    start: datetime
    end: datetime
    label: str
    recent_days: int

    @classmethod
    def of(cls, *, as_of: datetime | None = None, days: int = 30, start: datetime | None = None) -> Window:
        """The ``days`` before ``as_of`` (近N日), or the dates from ``start`` to ``as_of``."""
        end = as_of or clock.now()
        if start is not None:
            if start >= end:
                raise InvalidInput("start", "开始日期须早于结束日期")
            first, last = timezone.localtime(start).date(), timezone.localtime(end).date()
            label = f"{first.isoformat()}至{last.isoformat()}"
            days = max(1, (end - start).days)
        else:
            if days < 1:
                raise InvalidInput("days", "天数须为正整数")
            start, label = end - timedelta(days=days), f"近{days}日"
        # The trend compares the last part of the window with the part before it: a week
        # in a month, a month in a quarter or a year.
        recent = 7 if days <= 31 else 30 if days <= 186 else 90
        return cls(start, end, label, min(recent, days))


def find_hotspots(
    scope: DataScope,
    *,
    as_of: datetime | None = None,
    days: int = 30,
    start: datetime | None = None,
    min_size: int = 3,
    top: int = 20,
    rows: list[dict[str, Any]] | None = None,
) -> list[Hotspot]:
    """The hotspots of the window ending at ``as_of`` (default now) — the ``days`` before
    it, or from ``start`` — best first (``top=0``: all)."""
    win = Window.of(as_of=as_of, days=days, start=start)
    table = window_rows(scope, win.start, win.end) if rows is None else WindowRows.of_dicts(rows)
    title_at, text_at = FIELDS.index("title"), FIELDS.index("text")
    pairs = [(r[title_at], r[text_at]) for r in table.records]
    docs = [_doc(title, text) for title, text in pairs]
    place_names = {u.pk: (u.area or u.short_name or u.name) for u in Unit.objects.exclude(level=Level.CENTRE)}
    place_at = FIELDS.index("place_id")
    units = np.asarray(place_ids((r[place_at] for r in table.records), docs, place_names), dtype=np.int64)
    anchor_ids, _, places = hotspot_groups.anchors([_head(title, text) for title, text in pairs], units)
    del pairs
    # Nothing is in 90 % of a real window but its one matter, when it has only one.
    matters = textvec.tfidf(hotspot_groups.matter_texts(docs, places), min_df=2, max_df=0.9)
    del docs, places
    groups = hotspot_groups.group(matters, anchor_ids, units, min_size)
    del matters
    recent_from = win.end - timedelta(days=win.recent_days)
    number_at = FIELDS.index("number")
    ranked = sorted(
        (
            _Tally.of(table, np.sort(np.asarray(g, dtype=np.int64)), recent_from, win.recent_days)
            for g in groups
        ),
        key=lambda t: (-t.score, -len(t.members), table.records[t.members[0]][number_at]),
    )
    # Naming (keywords, districts, spots) is the costly part: only for what is shown.
    unit_names = dict(Unit.objects.values_list("id", "name"))
    return [_named(t, table, win, unit_names, place_names) for t in (ranked[:top] if top else ranked)]


# Spots are looked for in the first characters of a request, where citizens name them;
# the matter in the title and the first part of the text.
SPOT_SCAN = 120
DOC_CHARS = 300
STAND_IN = 1 << 40  # above every unit's id


def place_ids(given: Iterable[int | None], docs: list[str], place_names: dict[int, str]) -> list[int]:
    """Each ticket's place for grouping: its place unit (``given``), else minus the
    district its text names (the unit of that name, or a stand-in number), else 0."""
    by_name = {name: pk for pk, name in place_names.items() if name}
    stand_in: dict[str, int] = {}
    out = []
    for place_id, doc in zip(given, docs, strict=True):
        place = place_id or 0
        if not place:
            found = spot_names.districts(doc[:150])
            district = next((d for d in found if not d.endswith("市")), found[0] if found else "")
            if district:
                # Below zero: a place the text names, coarser than a place unit (a county
                # rather than its township); an anchor's own unit is preferred to it.
                place = -(by_name.get(district) or STAND_IN + stand_in.setdefault(district, len(stand_in)))
        out.append(place)
    return out


@dataclass
class _Tally:
    """A group's figures, cheap to compute for every group of a large window."""

    members: np.ndarray  # row numbers in the window, in time order
    recent: int
    previous: int
    severity: float
    score: float

    @classmethod
    def of(cls, table: WindowRows, members: np.ndarray, recent_from: datetime, recent_days: int) -> _Tally:
        at = table.created[members]
        recent_us = round(recent_from.timestamp() * 1e6)
        previous_us = recent_us - recent_days * 86_400_000_000
        recent = int(np.count_nonzero(at > recent_us))
        previous = int(np.count_nonzero((at > previous_us) & (at <= recent_us)))
        n = len(members)
        severity = round(int(np.count_nonzero(table.severe[members])) / n, 2)
        score = round(n + 2 * max(recent - previous, 0) + 5 * severity * n**0.5, 2)
        return cls(members, recent, previous, severity, score)


def _named(
    tally: _Tally, table: WindowRows, win: Window, unit_names: dict[int, str], place_names: dict[int, str]
) -> Hotspot:
    members = [table.row(i) for i in tally.members.tolist()]
    texts = [_doc(r["title"], r["text"]) for r in members]
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
    involved = Counter(u for r in members for u in {r["lead_unit_id"], r["place_id"]} if u)
    topics = Counter(r["topic"] for r in members if r["topic"])
    coords = [(r["lat"], r["lng"]) for r in members if r["lat"] is not None]
    label = " ".join(p for p in (district, spot, matter) if p)
    return Hotspot(
        key=_key(district, spot, keywords),
        name=label,
        window=win.label,
        recent_days=win.recent_days,
        units=[unit_names[u] for u, _ in involved.most_common() if u in unit_names],
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


def line(h: Hotspot) -> str:
    """One hotspot as a leader reads it, the same on the page and in the command:
    name, size, span, trend, the units involved."""
    flag = "【新发】" if h.emerging else ""
    units = "、".join(h.units[:5]) + (" 等" if len(h.units) > 5 else "")
    return f"{flag}{h.name}:{h.count} 件,{h.span},{h.trend},涉及单位:{units or '待定'}"


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
            title=f"【热点预警】{h.name}({h.window} {h.count} 件)",
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
