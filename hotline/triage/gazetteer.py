"""Place names found in a request, matched against the platform's own gazetteer.

The gazetteer is built from the unit tree and the admin-added ``triage.Place`` rows:

- **places**: the prefecture, counties, townships and villages (communities). Each place
  is ONE entry, answered for by its government (a county's 人民政府, a township's, a
  village committee) — not by every station, school or grid that serves the same area,
  so a name found is one place, and the place saved on a ticket is a place;
- **landmarks**: institutions of the unit tree (卫生院, 学校, 派出所, 供电所 …) under
  their own names and short forms ("石门县公安局鹤阳镇派出所", "鹤阳镇派出所",
  "鹤阳派出所"), and the admin's landmarks (estates, squares, roads). A landmark names
  where something is, so it points to the place it lies in; it is never the place.

Every entry has coordinates: its own (``Unit.lat``/``lng``, ``Place.lat``/``lng``), else
those of the nearest place above it that has some.

The gazetteer is built once per process and re-checked cheaply (row count + max id +
last update) at most every ``CHECK_EVERY`` seconds. Without a usable database it is empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps

from hotline.cache import Cached
from hotline.triage.lexicon import Lexicon
from hotline.triage.text import SAME_LENGTH_TABLE, to_str

CHECK_EVERY = 30.0
# Most specific first. A landmark is not a level: it is ranked by the place it lies in.
KIND_RANK = {"village": 1, "township": 2, "county": 3, "prefecture": 4}
PLACE_KINDS = tuple(KIND_RANK)
# Suffixes whose removal still leaves a recognisable name ("龙山县" → "龙山").
SUFFIXES = ("街道办事处", "街道", "社区", "自治县", "县", "市", "区", "镇", "乡", "村")
# Units that are no landmark a citizen names (a grid is a patrol area, not a building).
NOT_LANDMARKS = ("网格",)
MAX_PLACES = 20
MAX_LANDMARKS = 10


@dataclass(frozen=True)
class Entry:
    name: str  # canonical name
    kind: str  # a PLACE_KINDS level, or "landmark"
    unit_id: int | None  # a place: its government; a landmark: the place it lies in
    place_id: int | None  # the admin's triage.Place row, if it comes from one
    lat: float | None = None
    lng: float | None = None
    # A place: the places it lies in (unit ids of its township and county …), for
    # telling namesakes apart. A landmark: the institution's own unit, if any.
    within: tuple[int, ...] = ()
    institution_id: int | None = None
    parent_name: str = ""  # the place just above, to tell namesakes apart on screen

    @property
    def key(self) -> tuple[Any, ...]:
        return (self.kind, self.unit_id, self.place_id, self.institution_id, self.name)


def aliases_of(name: str) -> list[str]:
    """The name and its short form without an administrative suffix (≥ 2 characters left)."""
    name = name.strip()
    out = [name] if len(name) >= 2 else []
    for suf in SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            out.append(name[: -len(suf)])
            break
    return out


def landmark_aliases(name: str, area: str) -> list[str]:
    """An institution's name and the forms a citizen says: from its place on
    ("石门县公安局鹤阳镇派出所" → "鹤阳镇派出所"), and with the place's short form
    ("鹤阳派出所"). The place's name alone is never a landmark alias."""
    out = [name]
    if area and area in name:
        tail = name[name.index(area) :]
        out.append(tail)
        rest = tail[len(area) :]
        for short in aliases_of(area)[1:]:
            if len(rest) >= 2:
                out.append(short + rest)
    return [a for a in dict.fromkeys(out) if len(a) >= 3 and a != area]


@dataclass
class Found:
    """What a request names: places (most specific first, each once) and landmarks."""

    places: list[dict[str, Any]] = field(default_factory=list)
    landmarks: list[dict[str, Any]] = field(default_factory=list)

    def position(self) -> dict[str, Any] | None:
        """Where the request points, without the citizen's own point: the most specific
        landmark or place of the address, else the first place named."""
        in_address = [r for r in self.landmarks + self.places if r.get("in_address") and not r["ambiguous"]]
        in_address.sort(key=lambda r: (r["kind"] != "landmark", KIND_RANK.get(r["kind"], 0)))
        certain = [r for r in self.places if not r["ambiguous"]][:1]
        for source, rows in (("address", in_address), ("place", certain)):
            for r in rows:
                if r.get("lat") is not None and r.get("lng") is not None:
                    return {"lat": r["lat"], "lng": r["lng"], "source": source, "name": r["name"]}
        return None


class Gazetteer:
    def __init__(self, entries: dict[str, list[Entry]], by_unit: dict[int, Entry] | None = None):
        self.entries = entries
        self.by_unit = by_unit or {}  # place unit id → its place entry
        self.lexicon = Lexicon({alias: [("place", 1.0)] for alias in entries})

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, fields: dict[str, str]) -> list[dict[str, Any]]:
        """The places in the fields (title, text, address), most specific first."""
        return self.scan(fields).places

    def scan(self, fields: dict[str, str]) -> Found:
        """Places and landmarks in each field, with their offsets in that field.

        A name shared by several places (村 names repeat across counties) keeps the ones
        that lie in another place the request names; if none does, all of them, marked
        ``ambiguous`` and ranked after the places that are certain."""
        order = list(fields)
        hits: list[tuple[str, Any, list[Entry]]] = []
        for name, raw in fields.items():
            raw = to_str(raw)
            if not raw or not self.entries:
                continue
            # Length-preserving normalisation so that offsets point into the original.
            probe = raw[:60000].translate(SAME_LENGTH_TABLE)
            for hit in self.lexicon.scan(probe):
                entries = self.entries.get(hit.word, [])
                if entries:
                    hits.append((name, hit, entries))
        named = {e.unit_id for _, _, es in hits for e in es if e.unit_id is not None}
        landmarks: dict[tuple[Any, ...], dict[str, Any]] = {}
        places: dict[tuple[Any, ...], dict[str, Any]] = {}
        for name, hit, entries in hits:
            marks = [e for e in entries if e.kind == "landmark"]
            # A landmark stands for the place it lies in; namesakes (村卫生室 of two
            # counties' 长院村) are told apart by that place.
            implied = [self.by_unit[e.unit_id] for e in marks if e.unit_id in self.by_unit]
            where, unsure = self._disambiguate(list(dict.fromkeys(implied)), named)
            kept = {e.unit_id for e in where}
            for e in marks:
                if e.unit_id in kept or e.unit_id not in self.by_unit:
                    mark = landmarks.setdefault(e.key, self._record(e, name, hit, unsure))
                    mark["in_address"] = mark.get("in_address", False) or name == "address"
            candidates = [e for e in entries if e.kind != "landmark"] or implied
            chosen, ambiguous = self._disambiguate(list(dict.fromkeys(candidates)), named)
            for e in chosen:
                rec = self._record(e, name, hit, ambiguous)
                if e not in entries:
                    rec["via"] = next((m.name for m in marks if m.unit_id == e.unit_id), "")
                kept_rec = places.setdefault(e.key, rec)
                kept_rec["in_address"] = kept_rec.get("in_address", False) or name == "address"
        ranked = sorted(
            places.values(),
            key=lambda r: (r["ambiguous"], KIND_RANK.get(r["kind"], 9), order.index(r["field"]), r["start"]),
        )
        marks_ranked = sorted(landmarks.values(), key=lambda r: (order.index(r["field"]), r["start"]))
        return Found(ranked[:MAX_PLACES], marks_ranked[:MAX_LANDMARKS])

    @staticmethod
    def _disambiguate(candidates: list[Entry], named: set[int]) -> tuple[list[Entry], bool]:
        """The namesakes that lie in another named place; all of them if none does."""
        if len({e.unit_id for e in candidates}) <= 1:
            return candidates[:1], False
        inside = [e for e in candidates if named.intersection(e.within)]
        if inside:
            deepest = max(len(named.intersection(e.within)) for e in inside)
            inside = [e for e in inside if len(named.intersection(e.within)) == deepest]
            return inside, len(inside) > 1
        return candidates, True

    @staticmethod
    def _record(e: Entry, field_name: str, hit: Any, ambiguous: bool) -> dict[str, Any]:
        return {
            "name": e.name,
            "matched": hit.word,
            "kind": e.kind,
            "unit_id": e.unit_id,
            "place_id": e.place_id,
            "field": field_name,
            "start": hit.start,
            "end": hit.end,
            "lat": e.lat,
            "lng": e.lng,
            "within": e.parent_name,
            "ambiguous": ambiguous,
        }


EMPTY = Gazetteer({})


def _stamp() -> tuple[object, ...] | None:
    """What changes when the gazetteer's rows change, or None without a usable database."""
    from django.db.models import Count, Max

    from hotline.org.models import Unit
    from hotline.triage.models import Place

    try:
        u = Unit.objects.aggregate(n=Count("id"), m=Max("id"))
        p = Place.objects.aggregate(n=Count("id"), m=Max("id"), t=Max("updated_at"))
    except Exception:  # no usable database (none, not migrated, not allowed here): no places
        return None
    return (u["n"], u["m"], p["n"], p["m"], p["t"])


@dataclass
class _Unit:
    id: int
    name: str
    area: str
    level: str
    kind: str
    path: str
    lat: float | None
    lng: float | None

    @property
    def ancestors(self) -> list[int]:
        """Ids above the unit, nearest first (from the materialised path)."""
        ids = [int(p) for p in self.path.strip("/").split("/") if p.isdigit()]
        return list(reversed(ids[:-1]))


class _Builder:
    """Places from the unit tree (one per county / area), then landmarks."""

    def __init__(self, units: Iterable[_Unit]):
        self.units = {u.id: u for u in units}
        self.entries: dict[str, list[Entry]] = {}
        self.by_unit: dict[int, Entry] = {}
        # (county anchor, area) → the unit answering for the place
        self.place_of: dict[tuple[tuple[str, ...], str], int] = {}

    def add(self, alias: str, entry: Entry) -> None:
        alias = alias.strip().lower()
        if len(alias) < 2:
            return
        lst = self.entries.setdefault(alias, [])
        if entry not in lst:
            lst.append(entry)

    def anchor(self, u: _Unit) -> tuple[str, ...]:
        """What tells namesakes apart: the county a unit belongs to (the area of itself or
        its nearest county-level ancestor) and, for a village, its township (community
        names repeat even within a county)."""
        county = township = ""
        for uid in [u.id, *u.ancestors]:
            a = self.units.get(uid)
            if a is None or not a.area:
                continue
            if a.level == "county" and not county:
                county = a.area
            if a.level == "township" and not township and a.id != u.id:
                township = a.area
        return (county, township) if u.level == "village" else (county,)

    def position(self, u: _Unit) -> tuple[float | None, float | None]:
        for uid in [u.id, *u.ancestors]:
            a = self.units.get(uid)
            if a is not None and a.lat is not None and a.lng is not None:
                return a.lat, a.lng
        return None, None

    def places(self) -> None:
        """One place per (county, level, area): its government, else the unit nearest
        the top of the tree (a village committee, not its grid)."""
        best: dict[tuple[tuple[str, ...], str, str], _Unit] = {}
        by_depth = sorted(self.units.values(), key=lambda u: (u.kind != "government", len(u.ancestors), u.id))
        for u in by_depth:
            if u.level not in KIND_RANK or not u.area:
                continue
            anchor = () if u.level in ("prefecture", "county") else self.anchor(u)
            best.setdefault((anchor, u.level, u.area), u)
        for (anchor, _level, area), u in best.items():
            self.place_of.setdefault((anchor, area), u.id)
        for (_anchor, level, area), u in sorted(
            best.items(), key=lambda kv: KIND_RANK[kv[0][1]], reverse=True
        ):
            within = tuple(a for a in u.ancestors if a in self.by_unit)
            parent = self.by_unit[within[0]].name if within else ""
            lat, lng = self.position(u)
            entry = Entry(area, level, u.id, None, lat, lng, within=within, parent_name=parent)
            self.by_unit[u.id] = entry
            for alias in aliases_of(area):
                self.add(alias, entry)

    def territory(self, u: _Unit) -> int | None:
        """The place a unit lies in: the place of its area in its county, else the
        nearest place above it."""
        if u.area:
            anchor = self.anchor(u)
            for key in ((anchor, u.area), (anchor[:1], u.area), ((), u.area)):
                if key in self.place_of:
                    return self.place_of[key]
        return next((a for a in u.ancestors if a in self.by_unit), None)

    def landmarks(self) -> None:
        for u in self.units.values():
            if u.id in self.by_unit or u.kind in ("government", "centre") or len(u.name) < 4:
                continue
            if any(word in u.name for word in NOT_LANDMARKS):
                continue
            place = self.territory(u)
            if place is None:
                continue
            lat, lng = self.position(u)
            entry = Entry(u.name, "landmark", place, None, lat, lng, institution_id=u.id)
            for alias in landmark_aliases(u.name, u.area):
                self.add(alias, entry)

    def admin_places(self, rows: Iterable[Any]) -> None:
        for place in rows:
            lat, lng = place.lat, place.lng
            where = self.by_unit.get(place.unit_id) if place.unit_id else None
            if (lat is None or lng is None) and where is not None:
                lat, lng = where.lat, where.lng
            if place.kind in KIND_RANK:
                within = (*(where.within if where else ()), *((place.unit_id,) if where else ()))
                entry = Entry(place.name, place.kind, place.unit_id, place.id, lat, lng, within=within)
                names = aliases_of(place.name)
            else:
                entry = Entry(place.name, "landmark", place.unit_id, place.id, lat, lng)
                names = [place.name] if len(place.name) >= 2 else []
            for alias in names + place.alias_list():
                self.add(alias, entry)

    def done(self) -> Gazetteer:
        # Entries sharing an alias: places before landmarks, the more specific first.
        for lst in self.entries.values():
            lst.sort(key=lambda e: KIND_RANK.get(e.kind, 0))
        return Gazetteer(self.entries, self.by_unit)


def _load() -> Gazetteer:
    from hotline.org.models import Unit
    from hotline.triage.models import Place

    rows = Unit.objects.filter(active=True).values_list(
        "id", "name", "area", "level", "kind", "path", "lat", "lng"
    )
    b = _Builder(_Unit(*r) for r in rows)
    b.places()
    b.landmarks()
    b.admin_places(Place.objects.filter(active=True))
    return b.done()


def _build() -> Gazetteer:
    try:
        return _load()
    except Exception:  # no usable database, or the tables went away since the stamp: no places
        return EMPTY


GAZETTEER: Cached[Gazetteer] = Cached("triage.gazetteer", _build, stamp=_stamp, check_every=CHECK_EVERY)


def get_gazetteer() -> Gazetteer:
    if not apps.ready:  # imported while Django loads its apps: no places yet, nothing kept
        return EMPTY
    return GAZETTEER.get()


def reset_cache() -> None:
    GAZETTEER.invalidate()
