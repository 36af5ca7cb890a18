"""Place names found in a request, matched against the platform's own gazetteer.

The gazetteer is the union of the unit tree (each unit's ``area``: the county, township
or village it governs) and the admin-added ``triage.Place`` rows. It is built once per
process and re-checked cheaply (row count + max id + last update) at most every
``CHECK_EVERY`` seconds. Without a usable database the gazetteer is empty.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps

from hotline.cache import Cached
from hotline.triage.lexicon import Lexicon
from hotline.triage.text import SAME_LENGTH_TABLE, to_str

CHECK_EVERY = 30.0
KIND_RANK = {"landmark": 0, "village": 1, "township": 2, "county": 3, "prefecture": 4}
# Suffixes whose removal still leaves a recognisable name ("龙山县" → "龙山").
SUFFIXES = ("街道办事处", "街道", "社区", "自治县", "县", "市", "区", "镇", "乡", "村")


@dataclass(frozen=True)
class Entry:
    name: str  # canonical name
    kind: str
    unit_id: int | None
    place_id: int | None


def aliases_of(name: str) -> list[str]:
    """The name and its short form without an administrative suffix (≥ 2 characters left)."""
    name = name.strip()
    out = [name] if len(name) >= 2 else []
    for suf in SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            out.append(name[: -len(suf)])
            break
    return out


class Gazetteer:
    def __init__(self, entries: dict[str, list[Entry]]):
        self.entries = entries
        self.lexicon = Lexicon({alias: [("place", 1.0)] for alias in entries})

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, fields: dict[str, str]) -> list[dict[str, object]]:
        """Places in each field (title, text, address), with their offsets in that field."""
        found: list[dict[str, object]] = []
        seen: set[tuple[str, int | None, int | None]] = set()
        for field, raw in fields.items():
            raw = to_str(raw)
            if not raw or not self.entries:
                continue
            # Length-preserving normalisation so that offsets point into the original.
            probe = raw[:60000].translate(SAME_LENGTH_TABLE)
            for hit in self.lexicon.scan(probe):
                for e in self.entries.get(hit.word, []):
                    key = (e.name, e.unit_id, e.place_id)
                    record: dict[str, object] = {
                        "name": e.name,
                        "matched": hit.word,
                        "kind": e.kind,
                        "unit_id": e.unit_id,
                        "place_id": e.place_id,
                        "field": field,
                        "start": hit.start,
                        "end": hit.end,
                    }
                    if key in seen:
                        continue
                    seen.add(key)
                    found.append(record)
                if len(found) >= 20:
                    break
        # The most specific place first (village before township before county): callers
        # such as the intake take the first place that has a unit.
        found.sort(
            key=lambda r: (KIND_RANK.get(str(r["kind"]), 9), list(fields).index(str(r["field"])), r["start"])
        )
        return found


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


def _load() -> Gazetteer:
    from hotline.org.models import Unit
    from hotline.triage.models import Place

    entries: dict[str, list[Entry]] = {}

    def add(alias: str, entry: Entry) -> None:
        alias = alias.strip().lower()
        if len(alias) < 2:
            return
        lst = entries.setdefault(alias, [])
        if entry not in lst:
            lst.append(entry)

    for uid, area, level in (
        Unit.objects.filter(active=True).exclude(area="").values_list("id", "area", "level")
    ):
        if level not in KIND_RANK:
            continue
        entry = Entry(area, level, uid, None)
        for alias in aliases_of(area):
            add(alias, entry)
    for place in Place.objects.filter(active=True):
        entry = Entry(place.name, place.kind, place.unit_id, place.id)
        for alias in aliases_of(place.name) + place.alias_list():
            add(alias, entry)
    # Entries sharing an alias: the more specific place first.
    for lst in entries.values():
        lst.sort(key=lambda e: KIND_RANK.get(e.kind, 9))
    return Gazetteer(entries)


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
