"""Place resolution: where did it happen, and so which township and county answer for it.

Sources, most trusted first: the ticket's recorded place (属地, set by intake or a
person), the coordinates inside an admin-drawn boundary, else the place they are next to
(a village or township whose own coordinates are close), the places triage found, then
place names in the address and finally in the text. All names come from the unit
index (units' ``area`` and the gazetteer's admin places), never from a query.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max

from hotline.cache import Cached
from hotline.org.models import Level, Unit, UnitKind
from hotline.routing.index import UnitIndex, UnitInfo, unit_index
from hotline.routing.models import Boundary

log = logging.getLogger(__name__)

DEPTH: dict[str, int] = {Level.PREFECTURE: 1, Level.COUNTY: 2, Level.TOWNSHIP: 3, Level.VILLAGE: 4}
MAX_TEXT = 600


@dataclass
class PlaceResolution:
    village: UnitInfo | None = None
    township: UnitInfo | None = None
    county: UnitInfo | None = None
    prefecture: UnitInfo | None = None
    counties: set[int] = field(default_factory=set)  # every county the request names
    certainty: float = 0.0
    source: str = ""
    reasons: list[str] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return self.county is not None or self.township is not None

    @property
    def cross_county(self) -> bool:
        return len(self.counties) > 1

    def to_dict(self) -> dict[str, Any]:
        def ref(u: UnitInfo | None) -> dict[str, str] | None:
            return u.ref() if u else None

        return {
            "village": ref(self.village),
            "township": ref(self.township),
            "county": ref(self.county),
            "cross_county": self.cross_county,
            "certainty": round(self.certainty, 3),
            "source": self.source,
            "reasons": list(self.reasons),
        }


# --- boundaries ----------------------------------------------------------------------


@dataclass
class Boundaries:
    tree: Any  # shapely STRtree, or None when no boundary is drawn
    unit_ids: list[int]
    areas: list[float]
    prepared: list[Any]

    def locate(self, lat: float, lng: float) -> int | None:
        """The unit whose boundary holds the point; the smallest one if several do."""
        if self.tree is None:
            return None
        from shapely.geometry import Point

        point = Point(lng, lat)
        hits = [int(i) for i in self.tree.query(point)]
        inside = [i for i in hits if self.prepared[i].covers(point)]
        if not inside:
            return None
        return self.unit_ids[min(inside, key=lambda i: self.areas[i])]


def parse_geojson(text: str) -> Any:
    """A shapely geometry from GeoJSON text (a geometry, a Feature or a FeatureCollection)."""
    from shapely.geometry import shape
    from shapely.ops import unary_union

    data = json.loads(text)
    if data.get("type") == "FeatureCollection":
        return unary_union([shape(f["geometry"]) for f in data.get("features", [])])
    if data.get("type") == "Feature":
        data = data["geometry"]
    geom = shape(data)
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"边界须为多边形,收到 {geom.geom_type}")
    return geom


def _build_boundaries() -> Boundaries:
    from shapely import STRtree
    from shapely.prepared import prep

    ids, geoms = [], []
    for unit_id, text in Boundary.objects.values_list("unit_id", "geojson"):
        try:
            geom = parse_geojson(text)
        except Exception:
            log.warning("boundary of unit %s is not valid GeoJSON; ignored", unit_id)
            continue
        ids.append(unit_id)
        geoms.append(geom)
    if not geoms:
        return Boundaries(None, [], [], [])
    return Boundaries(STRtree(geoms), ids, [g.area for g in geoms], [prep(g) for g in geoms])


def _boundary_stamp() -> object:
    return tuple(Boundary.objects.aggregate(n=Count("id"), m=Max("id"), t=Max("updated_at")).values())


BOUNDARIES: Cached[Boundaries] = Cached(
    "routing.boundaries", _build_boundaries, stamp=_boundary_stamp, check_every=10.0, max_age=600.0
)


# --- the place next to a point -------------------------------------------------------

# How close a point must be to a place's own coordinates to be taken as in it, when no
# boundary is drawn: a village's houses lie within a few km of its centre, a township's
# within several.
NEAR_KM: dict[str, float] = {Level.VILLAGE: 2.5, Level.TOWNSHIP: 6.0}
_KM_PER_DEGREE = 111.2


@dataclass
class Spots:
    """The villages' and townships' governments with coordinates: (lat, lng, id, level)."""

    rows: list[tuple[float, float, int, str]]

    def nearest(self, lat: float, lng: float) -> tuple[int, float] | None:
        """The nearest village within its reach, else the nearest township within its:
        (unit id, km)."""
        scale = math.cos(math.radians(lat))
        best: dict[str, tuple[float, int]] = {}
        for plat, plng, uid, level in self.rows:
            km = _KM_PER_DEGREE * math.hypot(plat - lat, (plng - lng) * scale)
            if km <= NEAR_KM[level] and (level not in best or km < best[level][0]):
                best[level] = (km, uid)
        for level in (Level.VILLAGE, Level.TOWNSHIP):
            if level in best:
                return best[level][1], best[level][0]
        return None


def _build_spots() -> Spots:
    rows = Unit.objects.filter(
        active=True,
        kind=UnitKind.GOVERNMENT,
        level__in=tuple(NEAR_KM),
        lat__isnull=False,
        lng__isnull=False,
    ).values_list("lat", "lng", "id", "level")
    return Spots([(a, b, i, lv) for a, b, i, lv in rows if a is not None and b is not None])


def _spots_stamp() -> object:
    return tuple(Unit.objects.aggregate(n=Count("id"), m=Max("id")).values())


# An edit of a unit's coordinates changes no count: max_age bounds how long it is missed.
SPOTS: Cached[Spots] = Cached(
    "routing.spots", _build_spots, stamp=_spots_stamp, check_every=10.0, max_age=300.0
)


# --- resolution ----------------------------------------------------------------------


def _fill(res: PlaceResolution, idx: UnitIndex, info: UnitInfo) -> None:
    res.village = info if info.level == Level.VILLAGE else idx.get(info.village_id)
    res.township = idx.get(info.township_id)
    res.county = idx.get(info.county_id)
    res.prefecture = idx.get(info.prefecture_id)
    if res.county is not None:
        res.counties.add(res.county.id)


def _completeness(u: UnitInfo) -> int:
    return (u.county_id is not None) + (u.township_id is not None) + DEPTH.get(u.level, 0)


def _most_specific(
    infos: Iterable[UnitInfo], counties: set[int], towns: set[int] | None = None
) -> UnitInfo | None:
    """The deepest place, preferring one that agrees with the other names given
    (北坝乡寨村: the 寨村 of 北坝乡, not another county's)."""
    towns = towns or set()
    ranked = sorted(
        infos,
        key=lambda u: (u.township_id in towns, u.county_id in counties, _completeness(u)),
        reverse=True,
    )
    return ranked[0] if ranked else None


def _consistent(base: UnitInfo, finer: UnitInfo) -> bool:
    """Whether ``finer`` lies inside ``base``'s territory and says more about the place."""
    if _completeness(finer) <= _completeness(base):
        return False
    if base.level == Level.PREFECTURE:
        return finer.prefecture_id in (None, base.prefecture_id)
    if base.county_id is not None and finer.county_id != base.county_id:
        return False
    return base.township_id is None or finer.township_id == base.township_id


def _named(idx: UnitIndex, text: str) -> tuple[list[UnitInfo], list[str], bool, set[int]]:
    """Units named in ``text``, the names, whether a name was ambiguous, and the counties
    named unambiguously at county or township level (the evidence for 跨县 matters)."""
    infos, names, ambiguous, counties = [], [], False, set()
    for alias, ids in idx.find_places(text[:MAX_TEXT]):
        found = [u for u in (idx.get(i) for i in ids) if u is not None and u.active]
        if not found:
            continue
        same_level = [u for u in found if u.level == found[0].level]
        ambiguous = ambiguous or len({u.county_id for u in same_level}) > 1
        infos.extend(found)
        names.append(alias)
        counties |= _county_evidence(found)
    return infos, names, ambiguous, counties


def _county_evidence(units: list[UnitInfo]) -> set[int]:
    """The county of a county- or township-level name, if the name has only one."""
    counties = {u.county_id for u in units if u.level in (Level.COUNTY, Level.TOWNSHIP)}
    return {c for c in counties if c is not None} if len(counties) == 1 else set()


@dataclass
class _Named:
    """The places one source of names (the address, triage, the text) points at."""

    units: list[UnitInfo]
    certainty: float
    source: str
    why: str  # "" for triage: the reason is then said from the place chosen


def resolve_place(
    *,
    place_id: int | None = None,
    lat: float | None = None,
    lng: float | None = None,
    triage_places: list[Any] | None = None,
    address: str = "",
    text: str = "",
) -> PlaceResolution:
    """Where it happened: the recorded place or the coordinates, else the most trusted
    name; then narrowed down by the other names, within the territory found."""
    idx = unit_index()
    res = PlaceResolution()
    sources, named_counties = _sources(idx, triage_places, address, text)
    res.counties |= named_counties
    towns = {u.township_id for s in sources for u in s.units if u.township_id is not None}
    chosen = _recorded(idx, place_id, lat, lng, res)
    if chosen is None:
        chosen = _first_named(sources, named_counties, towns, res)
    if chosen is None:
        chosen = _nearby(idx, lat, lng, res)
    if chosen is None:
        res.reasons.append("未识别到属地")
        return res
    chosen = _narrowed(chosen, sources, named_counties, towns, res)
    _fill(res, idx, chosen)
    if res.cross_county:
        res.reasons.append("诉求涉及多个县(市):" + "、".join(_names(idx, res.counties)))
    return res


def _sources(
    idx: UnitIndex, triage_places: list[Any] | None, address: str, text: str
) -> tuple[list[_Named], set[int]]:
    """The names of each source, in the order they narrow a place down, and the counties
    they name unambiguously."""
    mentioned, triage_counties = _triage_mentions(idx, triage_places)
    addr_units, addr_names, addr_ambiguous, addr_counties = _named(idx, address or "")
    text_units, text_names, text_ambiguous, text_counties = _named(idx, text or "")
    sources = [
        _Named(
            addr_units, 0.65 if addr_ambiguous else 0.9, "address", f"地址含地名:{'、'.join(addr_names[:3])}"
        ),
        _Named(mentioned, 0.9, "triage", ""),
        _Named(
            text_units, 0.55 if text_ambiguous else 0.8, "text", f"诉求内容含地名:{'、'.join(text_names[:3])}"
        ),
    ]
    return sources, addr_counties | text_counties | triage_counties


def _triage_mentions(idx: UnitIndex, triage_places: list[Any] | None) -> tuple[list[UnitInfo], set[int]]:
    """The active units of the places triage found, and the counties their names give."""
    mentioned: list[UnitInfo] = []
    by_name: dict[str, list[UnitInfo]] = {}
    for place in triage_places or []:
        if not isinstance(place, dict):
            continue
        try:
            info = idx.get(int(place["unit_id"])) if place.get("unit_id") else None
        except (TypeError, ValueError):
            info = None
        if info is not None and info.active:
            mentioned.append(info)
            by_name.setdefault(str(place.get("name") or info.id), []).append(info)
    counties: set[int] = set()
    for units in by_name.values():
        counties |= _county_evidence(units)
    return mentioned, counties


def _recorded(
    idx: UnitIndex, place_id: int | None, lat: float | None, lng: float | None, res: PlaceResolution
) -> UnitInfo | None:
    """The ticket's recorded place, else the unit whose boundary holds its coordinates."""
    explicit = idx.get(place_id)
    if explicit is not None:
        res.certainty, res.source = 1.0, "ticket"
        res.reasons.append(f"工单属地:{explicit.name}")
        return explicit
    if lat is None or lng is None:
        return None
    located = idx.get(BOUNDARIES.get().locate(lat, lng))
    if located is not None:
        res.certainty, res.source = 1.0, "coordinates"
        res.reasons.append(f"坐标({lat:.5f},{lng:.5f})位于「{located.name}」辖区")
    return located


def _nearby(idx: UnitIndex, lat: float | None, lng: float | None, res: PlaceResolution) -> UnitInfo | None:
    """With no boundary and no place named: the village or township the point is next to."""
    if lat is None or lng is None:
        return None
    near = SPOTS.get().nearest(lat, lng)
    nearby = idx.get(near[0]) if near is not None else None
    if near is None or nearby is None or not nearby.active:
        return None
    res.certainty, res.source = 0.7, "nearby"
    res.reasons.append(f"坐标({lat:.5f},{lng:.5f})距「{nearby.area or nearby.name}」约 {near[1]:.1f} 公里")
    return nearby


def _first_named(
    sources: list[_Named], counties: set[int], towns: set[int], res: PlaceResolution
) -> UnitInfo | None:
    """The most specific place of the most trusted source that names one: triage first
    (it read the whole request), then the address, then the text."""
    for named in sorted(sources, key=lambda s: s.source != "triage"):
        chosen = _most_specific(named.units, counties, towns)
        if chosen is not None:
            res.certainty, res.source = named.certainty, named.source
            res.reasons.append(named.why or f"智能分析识别地名:{chosen.area or chosen.name}")
            return chosen
    return None


def _narrowed(
    chosen: UnitInfo, sources: list[_Named], counties: set[int], towns: set[int], res: PlaceResolution
) -> UnitInfo:
    """A recorded place may be coarse (the prefecture, a county) or a namesake: the
    other sources may narrow it down within its territory."""
    for named in sources:
        if not named.units or named.source == res.source:
            continue
        finer = _most_specific(named.units, counties, towns)
        if finer is not None and _consistent(chosen, finer):
            chosen = finer
            res.reasons.append(f"细化至「{finer.area or finer.name}」({named.why or '智能分析识别地名'})")
    return chosen


def _names(idx: UnitIndex, ids: Iterable[int]) -> list[str]:
    return [u.area or u.name for u in (idx.get(i) for i in sorted(ids)) if u is not None]
