"""The unit index: every unit once, in memory, with its jurisdiction worked out.

For each unit we know the county government (县市人民政府) and the township
government (乡镇街道) whose territory it serves, found by walking up the tree or —
where departments hang elsewhere in the tree — by its name beginning with the
county's / township's place name ("滨江县住建局" serves 滨江县). Place names (each
government's ``area`` and the admin-added places of the triage gazetteer) map to units.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db.models import Count, Max

from hotline.cache import Cached
from hotline.org.models import Level, Unit, UnitKind

log = logging.getLogger(__name__)

# Suffixes whose removal still leaves a recognisable name ("龙潭镇" → "龙潭").
SUFFIXES = ("街道办事处", "街道", "社区", "自治县", "县", "市", "区", "镇", "乡", "村")
PLACE_LEVELS = (Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)


def aliases_of(name: str) -> list[str]:
    name = (name or "").strip()
    out = [name] if len(name) >= 2 else []
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            out.append(name[: -len(suffix)])
            break
    return out


@dataclass(slots=True)
class UnitInfo:
    id: int
    code: str
    name: str
    level: str
    kind: str
    path: str
    parent_id: int | None
    area: str
    duties: str
    active: bool
    prefecture_id: int | None = None
    county_id: int | None = None
    township_id: int | None = None
    village_id: int | None = None

    @property
    def is_government(self) -> bool:
        return self.kind == UnitKind.GOVERNMENT

    def ref(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name, "level": self.level}


@dataclass
class UnitIndex:
    by_id: dict[int, UnitInfo]
    by_code: dict[str, UnitInfo]
    by_level: dict[str, list[UnitInfo]]
    # Place alias → ids of the government (or any) units that govern it, most specific first.
    aliases: dict[str, list[int]]
    alias_order: list[str]
    _lengths: list[int] | None = None
    _keyword_memo: dict[tuple[str, tuple[str, ...]], list[UnitInfo]] = field(default_factory=dict)

    def get(self, unit_id: int | None) -> UnitInfo | None:
        return self.by_id.get(unit_id) if unit_id is not None else None

    def usable(self, unit_id: int | None) -> UnitInfo | None:
        """The unit if a ticket may go to it: active and not the centre."""
        info = self.get(unit_id)
        if info is None or not info.active or info.level == Level.CENTRE:
            return None
        return info

    def matching(self, level: str, keywords: tuple[str, ...]) -> list[UnitInfo]:
        """Active units at ``level`` whose name contains one of ``keywords`` (memoised)."""
        key = (level, keywords)
        found = self._keyword_memo.get(key)
        if found is None:
            found = [
                u
                for u in self.by_level.get(level, [])
                if u.active and u.kind != UnitKind.CENTRE and any(k in u.name for k in keywords)
            ]
            # A bureau's own squads and stations ("城管局一中队") share its name: the rule
            # means the bureau, which passes work down itself (下派).
            ids = {u.id for u in found}
            found = [u for u in found if not self._has_ancestor_in(u, ids)]
            self._keyword_memo[key] = found
        return found

    def _has_ancestor_in(self, unit: UnitInfo, ids: set[int]) -> bool:
        parent = self.by_id.get(unit.parent_id) if unit.parent_id else None
        while parent is not None:
            if parent.id in ids:
                return True
            parent = self.by_id.get(parent.parent_id) if parent.parent_id else None
        return False

    def find_places(self, text: str, limit: int = 12) -> list[tuple[str, list[int]]]:
        """Place names in ``text``: a leftmost-longest scan, one dict probe per (position, length)."""
        if not text:
            return []
        found: list[tuple[str, list[int]]] = []
        seen: set[str] = set()
        lengths = self.alias_lengths
        i, n = 0, len(text)
        while i < n and len(found) < limit:
            for length in lengths:
                alias = text[i : i + length]
                ids = self.aliases.get(alias) if len(alias) == length else None
                if ids is not None:
                    if alias not in seen:
                        seen.add(alias)
                        found.append((alias, ids))
                    i += length
                    break
            else:
                i += 1
        return found

    @property
    def alias_lengths(self) -> list[int]:
        lengths = self._lengths
        if lengths is None:
            lengths = self._lengths = sorted({len(a) for a in self.aliases}, reverse=True)
        return lengths


def _stamp() -> object:
    agg = Unit.objects.aggregate(n=Count("id"), m=Max("id"))
    return (agg["n"], agg["m"], _place_stamp())


def _place_model() -> type | None:
    try:
        from django.apps import apps

        return apps.get_model("triage", "Place")
    except LookupError:
        return None


def _place_stamp() -> object:
    model = _place_model()
    if model is None:
        return None
    try:
        return tuple(model.objects.aggregate(n=Count("id"), t=Max("updated_at")).values())  # type: ignore[attr-defined]
    except Exception:  # the triage table may not exist yet (migrations pending)
        return None


def _name_prefixed(name: str, candidates: list[UnitInfo]) -> UnitInfo | None:
    for cand in candidates:
        for alias in aliases_of(cand.area):
            if name.startswith(alias):
                return cand
    return None


def _build() -> UnitIndex:
    rows = Unit.objects.values_list(
        "id", "code", "name", "level", "kind", "path", "parent_id", "area", "duties", "active"
    )
    by_id = {r[0]: UnitInfo(*r) for r in rows}
    by_level: dict[str, list[UnitInfo]] = {}
    for info in sorted(by_id.values(), key=lambda u: u.path):
        by_level.setdefault(info.level, []).append(info)
    governments = {
        level: [u for u in by_level.get(level, []) if u.is_government and u.area]
        for level in (Level.COUNTY, Level.TOWNSHIP)
    }
    attr: dict[str, str] = {
        Level.PREFECTURE: "prefecture_id",
        Level.COUNTY: "county_id",
        Level.TOWNSHIP: "township_id",
        Level.VILLAGE: "village_id",
    }
    village_by_area: dict[tuple[int | None, str], UnitInfo] = {}
    for info in by_id.values():
        # Walk up: the nearest government at each level is the unit's jurisdiction.
        node: UnitInfo | None = info
        while node is not None:
            name = attr.get(node.level)
            if name and getattr(info, name) is None and (node.is_government or node.level == Level.VILLAGE):
                setattr(info, name, node.id)
            node = by_id.get(node.parent_id) if node.parent_id else None
    for info in by_id.values():
        if info.level == Level.VILLAGE and info.is_government and info.area and info.township_id:
            village_by_area[(info.county_id, info.area)] = info
    for info in by_id.values():
        if info.county_id is None and info.level in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE):
            county = _name_prefixed(info.name, governments[Level.COUNTY])
            info.county_id = county.id if county else None
        if info.township_id is None and info.level in (Level.TOWNSHIP, Level.VILLAGE):
            towns = [t for t in governments[Level.TOWNSHIP] if t.county_id in (None, info.county_id)]
            town = _name_prefixed(info.name, towns)
            info.township_id = town.id if town else None
        if info.township_id is None and info.level == Level.VILLAGE and info.area:
            # A village clinic or school under a township station: the village's township.
            village = village_by_area.get((info.county_id, info.area))
            info.township_id = village.township_id if village else None
        if info.township_id is not None and info.county_id is None:
            town_info = by_id.get(info.township_id)
            info.county_id = town_info.county_id if town_info else None
    aliases: dict[str, list[int]] = {}
    for info in by_id.values():
        governs = info.is_government or info.level == Level.VILLAGE
        if info.active and info.area and info.level in PLACE_LEVELS and governs:
            for alias in aliases_of(info.area):
                aliases.setdefault(alias, []).append(info.id)
    _add_admin_places(aliases)
    depth: dict[str, int] = {Level.VILLAGE: 0, Level.TOWNSHIP: 1, Level.COUNTY: 2, Level.PREFECTURE: 3}
    for ids in aliases.values():
        ids.sort(key=lambda i: depth.get(by_id[i].level, 9) if i in by_id else 9)
    order = sorted(aliases, key=lambda a: (-len(a), a))
    by_code = {u.code: u for u in by_id.values()}
    return UnitIndex(by_id, by_code, by_level, aliases, order)


def _add_admin_places(aliases: dict[str, list[int]]) -> None:
    model = _place_model()
    if model is None:
        return
    try:
        places = list(model.objects.filter(active=True, unit__isnull=False))  # type: ignore[attr-defined]
    except Exception:
        log.warning("triage places unavailable; routing uses unit areas only")
        return
    for place in places:
        names = aliases_of(place.name)
        alias_list = getattr(place, "alias_list", None)
        if callable(alias_list):
            names += [a for a in alias_list() if len(a) >= 2]
        for alias in names:
            ids = aliases.setdefault(alias, [])
            if place.unit_id not in ids:
                ids.append(place.unit_id)


UNITS: Cached[UnitIndex] = Cached("routing.units", _build, stamp=_stamp, check_every=5.0, max_age=120.0)


def unit_index() -> UnitIndex:
    return UNITS.get()
