"""The plan of the demo organisation: every unit and user, before anything is written.

Unit codes (stable and readable; ``Qnn`` is county nn, ``mm`` township mm of that
county, ``vv`` village vv of that township, ``XXX`` a bureau abbreviation from
``catalogue.BUREAUS``):

=====================  ===========================================  ==========  ==========
code                   unit                                         level       kind
=====================  ===========================================  ==========  ==========
CENTRE                 青山州12345政务服务便民热线中心                centre      centre
Q                      青山州人民政府                                 prefecture  government
Q-XXX                  州 bureau, e.g. Q-ZJJ 州住房和城乡建设局         prefecture  functional
Q-XXX-KEYn             州 executing agency under it (Q-GAJ-JJZ)      prefecture  executing
Qnn                    county/city government (Q03 石门县人民政府)     county      government
Qnn-XXX                county bureau (Q03-ZJJ 石门县住房和城乡建设局)   county      functional
Qnn-XXX-KEYn           county agency under it (Q03-CGJ-ZD1 城管一中队)  county      executing
Qnn-mm                 township/street government (Q03-02)          township    government
Qnn-mm-OFF             township office (Q03-02-ZZB 综治中心)          township    executing
Qnn-XXX-mm             the bureau's station in township mm          township    executing
                       (Q03-GAJ-02 派出所, Q03-GDJ-02 供电所)
Qnn-mm-vv              village/community committee (Q03-02-05)      village     government
Qnn-mm-vv-Gk / -FW     its grid k (网格) / service station (便民服务站)  village     executing
Qnn-XXX-mm-vv          a station's village outpost                  village     executing
                       (WJJ 村卫生室, JYJ 村小, GAJ 警务室)
=====================  ===========================================  ==========  ==========

Handlers log in as ``h_<code in lower case>`` (``h_q03-gaj-02``); further handlers of
the same unit as ``h_<code>.2``, ``.3`` ….
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from hotline.demo import catalogue as cat
from hotline.demo.geography import (
    PREFECTURE,
    PREFECTURE_CODE,
    County,
    Township,
    Village,
    build_counties,
    citizen_name,
    mobile,
    position,
    prefecture_position,
)
from hotline.org.models import Level, Role, UnitKind

FULL_FUNCTIONAL = 755
FULL_EXECUTING = 10_520
FULL_USERS = 23_219
# The documented demo password: set by the demo alone (hashed once for all its users), and
# it passes the password validators like any other (tests/demo checks it).
DEMO_PASSWORD = "demo-12345"  # noqa: S105 - published on purpose, for the demo only

CENTRE_STAFF_SMALL = {
    Role.OPERATOR: 3,
    Role.DISPATCHER: 2,
    Role.SUPERVISOR: 1,
    Role.REVIEWER: 1,
    Role.CALLBACK: 2,
    Role.LEADER: 1,
    Role.ADMIN: 1,
}
CENTRE_STAFF_FULL = {
    Role.OPERATOR: 60,
    Role.DISPATCHER: 12,
    Role.SUPERVISOR: 8,
    Role.REVIEWER: 8,
    Role.CALLBACK: 30,
    Role.LEADER: 3,
    Role.ADMIN: 2,
}


@dataclass
class UnitSpec:
    code: str
    name: str
    short_name: str
    level: str
    kind: str
    parent: str | None
    area: str
    duties: str
    group: str  # what it is, for the user allocation: bureau, station, office, grid …
    lat: float | None = None  # where its ``area`` lies (geography.position)
    lng: float | None = None


@dataclass
class UserSpec:
    username: str
    display_name: str
    role: str
    unit: str
    phone: str
    is_staff: bool = False
    is_superuser: bool = False


@dataclass
class OrgPlan:
    scale: str
    counties: list[County]
    units: list[UnitSpec] = field(default_factory=list)
    users: list[UserSpec] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for u in self.units if u.kind == kind)


def handler_name(code: str, k: int = 1) -> str:
    base = f"h_{code.lower()}"
    return base if k == 1 else f"{base}.{k}"


def _numbered(name: str, n: int, count: int) -> str:
    return name.replace("{n}", cat.NUMERALS[n - 1] if count > 1 else "")


def _spread(total: int, weights: list[float], cap: int) -> list[int]:
    """Split ``total`` into integer parts proportional to ``weights``, each at most ``cap``."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [min(cap, int(r)) for r in raw]
    order = sorted(range(len(weights)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    i = 0
    while sum(parts) < total:
        j = order[i % len(order)]
        if parts[j] < cap:
            parts[j] += 1
        i += 1
        if i > 10 * len(order) * (cap + 1):
            raise ValueError("cannot spread the bureaus over the counties")
    return parts


@dataclass(frozen=True)
class _Kinds:
    """The kinds of unit a scale has: the whole catalogue at full scale, a few at small."""

    prefecture_bureaus: list[cat.Bureau]
    prefecture_agencies: list[cat.Agency]
    county_agencies: list[cat.Agency]
    stations: list[cat.Agency]
    offices: list[cat.Agency]

    @classmethod
    def of(cls, full: bool) -> _Kinds:
        if full:
            return cls(cat.BUREAUS, cat.PREFECTURE_AGENCIES, cat.COUNTY_AGENCIES, cat.STATIONS, cat.OFFICES)
        return cls(
            cat.BUREAUS[: cat.SMALL_PREFECTURE_BUREAUS],
            cat.PREFECTURE_AGENCIES[: cat.SMALL_PREFECTURE_AGENCIES],
            [a for a in cat.COUNTY_AGENCIES if a.key in cat.SMALL_COUNTY_AGENCIES],
            [s for s in cat.STATIONS if s.key in cat.SMALL_STATIONS],
            [o for o in cat.OFFICES if o.key in cat.SMALL_OFFICES],
        )


class _Builder:
    """The planned units in order (parents before children), with unique codes."""

    def __init__(self, scale: str) -> None:
        self.full = scale == "full"
        self.kinds = _Kinds.of(self.full)
        self.units: list[UnitSpec] = []
        self.codes: set[str] = set()

    def add(self, code: str, name: str, level: str, kind: str, parent: str | None, **kw: str) -> str:
        if code in self.codes:
            raise AssertionError(f"duplicate unit code {code}")
        self.codes.add(code)
        self.units.append(
            UnitSpec(
                code=code,
                name=name,
                short_name=kw.get("short", ""),
                level=level,
                kind=kind,
                parent=parent,
                area=kw.get("area", ""),
                duties=kw.get("duties", ""),
                group=kw.get("group", kind),
            )
        )
        return code

    def government(self, code: str, name: str, level: str, parent: str | None, **kw: str) -> str:
        """A people's government or committee, with the duties of its level."""
        return self.add(
            code, name, level, UnitKind.GOVERNMENT, parent, duties=cat.GOVERNMENT_DUTIES[level], **kw
        )

    def executing(
        self, code: str, name: str, level: str, parent: str, area: str, duties: str, group: str
    ) -> str:
        """An executing unit (agency, station, office, outpost, grid): no short name."""
        return self.add(code, name, level, UnitKind.EXECUTING, parent, area=area, duties=duties, group=group)

    def agencies(self, agencies: list[cat.Agency], owner: str, place: str, level: str, area: str) -> None:
        for agency in agencies:
            bureau = f"{owner}-{agency.bureau}"
            if bureau not in self.codes:
                continue
            for n in range(1, agency.count + 1):
                suffix = f"{agency.key}{n}" if agency.count > 1 else agency.key
                name = _numbered(agency.name, n, agency.count).replace("{c}", place)
                self.executing(f"{bureau}-{suffix}", name, level, bureau, area, agency.duties, "agency")


def _bureau_name(bureau: cat.Bureau, place: str, prefix: str, prefecture: bool) -> tuple[str, str]:
    name, short = bureau.name, bureau.short
    if prefecture and bureau.abbr in cat.PREFECTURE_NAMES:
        name, short = cat.PREFECTURE_NAMES[bureau.abbr]
    full = bureau.pattern.format(p=prefix, c=place, name=name)
    if bureau.abbr == "STJ" and not prefecture:
        full = f"{PREFECTURE}生态环境局{place[:2]}分局"
    return full, f"{prefix}{short}"


def plan_org(scale: str) -> OrgPlan:
    """Every unit (parents before children) and user of the demo, for ``small`` or ``full``."""
    full = scale == "full"
    counties = build_counties(12, None, None) if full else build_counties(3, 5, 3)
    b = _Builder(scale)
    q = _add_prefecture(b)
    villages: list[str] = []
    for county, n_bureaus in zip(counties, _bureaus_per_county(b, counties), strict=True):
        villages += _add_county(b, county, n_bureaus, q)
    _add_grids(b, villages, full)
    _place_units(b.units, counties)
    plan = OrgPlan(scale, counties, units=b.units)
    plan.users = plan_users(plan)
    if full:
        _check_full(plan)
    return plan


# Which county, township and village a unit code places a unit in: Qnn-mm-vv… (a
# government, its offices and grids) or Qnn-XXX-mm-vv (a bureau's station and outposts).
_PLACED_CODE = re.compile(r"^Q(\d\d)(?:-[A-Z]{2,4}\d?)?(?:-(\d\d))?(?:-(\d\d))?(?:-|$)")


def _place_units(units: list[UnitSpec], counties: list[County]) -> None:
    """Every unit at the place it serves: a county's, township's or village's (read from
    its code, since names repeat even within a county), the prefecture's at the seat."""
    seat = prefecture_position()
    for unit in units:
        m = _PLACED_CODE.match(unit.code)
        if m is None:
            unit.lat, unit.lng = seat
            continue
        county, town, village = (int(g) if g else None for g in m.groups())
        assert county is not None
        unit.lat, unit.lng = position(county, town, village if town else None)


def _add_prefecture(b: _Builder) -> str:
    """The centre, the prefecture government, its bureaus and agencies; returns its code."""
    b.add(
        "CENTRE",
        f"{PREFECTURE}12345政务服务便民热线中心",
        Level.CENTRE,
        UnitKind.CENTRE,
        None,
        short="12345热线中心",
        area=PREFECTURE,
        duties="受理 派单 督办 回访 质检",
        group="centre",
    )
    q = b.government(
        PREFECTURE_CODE,
        f"{PREFECTURE}人民政府",
        Level.PREFECTURE,
        None,
        short="州政府",
        area=PREFECTURE,
        group="gov",
    )
    for bureau in b.kinds.prefecture_bureaus:
        name, short = _bureau_name(bureau, PREFECTURE, "州", prefecture=True)
        b.add(
            f"{q}-{bureau.abbr}",
            name.replace("青山州州", "青山州").replace("州州", "州"),
            Level.PREFECTURE,
            UnitKind.FUNCTIONAL,
            q,
            short=short,
            area=PREFECTURE,
            duties=bureau.duties,
            group="bureau",
        )
    b.agencies(b.kinds.prefecture_agencies, q, PREFECTURE, Level.PREFECTURE, PREFECTURE)
    return q


def _bureaus_per_county(b: _Builder, counties: list[County]) -> list[int]:
    """How many bureaus each county has: at full scale, what makes the study's 755 (cities a
    little more); at small scale, the first few everywhere."""
    if not b.full:
        return [cat.SMALL_BUREAUS] * len(counties)
    return _spread(
        FULL_FUNCTIONAL - len(b.kinds.prefecture_bureaus),
        [1.15 if c.kind == "city" else 1.0 for c in counties],
        len(cat.BUREAUS),
    )


def _add_county(b: _Builder, county: County, n_bureaus: int, prefecture_code: str) -> list[str]:
    """A county government, its first ``n_bureaus`` bureaus, their agencies and its
    townships; returns the codes of its villages (their grids come last)."""
    name, short = f"{county.name}人民政府", f"{county.short}政府"
    cc = b.government(
        county.code, name, Level.COUNTY, prefecture_code, short=short, area=county.name, group="gov"
    )
    prefix = county.short[-1]
    for bureau in cat.BUREAUS[:n_bureaus]:
        name, short = _bureau_name(bureau, county.short, county.short, prefecture=False)
        b.add(
            f"{cc}-{bureau.abbr}",
            name,
            Level.COUNTY,
            UnitKind.FUNCTIONAL,
            cc,
            short=short.replace(prefix + prefix, prefix),
            area=county.name,
            duties=bureau.duties,
            group="bureau",
        )
    b.agencies(b.kinds.county_agencies, cc, county.short, Level.COUNTY, county.name)
    villages: list[str] = []
    for town in county.townships:
        villages += _add_township(b, county, town)
    return villages


def _add_township(b: _Builder, county: County, town: Township) -> list[str]:
    """A township or street, its offices, the county bureaus' stations in it and its
    villages; returns the villages' codes."""
    cc = county.code
    name = f"{county.short}{town.name}"
    tc = b.government(
        f"{cc}-{town.index:02d}", name, Level.TOWNSHIP, cc, short=town.name, area=town.name, group="township"
    )
    for office in b.kinds.offices:
        name = office.name.replace("{t}", town.name)
        b.executing(f"{tc}-{office.key}", name, Level.TOWNSHIP, tc, town.name, office.duties, "office")
    for station in b.kinds.stations + (cat.STREET_STATIONS if town.is_street else []):
        owner = f"{cc}-{station.bureau}"
        if owner not in b.codes:
            continue
        name = station.name.replace("{t}", town.name).replace("{c}", county.short)
        if station.key == "WJJ" and town.is_street:
            name = f"{town.name}社区卫生服务中心"
        b.executing(
            f"{owner}-{town.index:02d}", name, Level.TOWNSHIP, owner, town.name, station.duties, "station"
        )
    return [_add_village(b, cc, tc, town, village) for village in town.villages]


def _add_village(b: _Builder, cc: str, tc: str, town: Township, village: Village) -> str:
    """A village or community committee; at full scale also its service station and the
    township stations' outposts in it (clinic, school, police post). Returns its code."""
    committee = "居民委员会" if village.is_community else "村民委员会"
    vc = b.government(
        f"{tc}-{village.index:02d}",
        f"{town.name}{village.name}{committee}",
        Level.VILLAGE,
        tc,
        short=village.name,
        area=village.name,
        group="village",
    )
    if not b.full:
        return vc
    b.executing(
        f"{vc}-FW",
        f"{village.name}便民服务站",
        Level.VILLAGE,
        vc,
        village.name,
        cat.SERVICE_STATION_DUTIES,
        "outpost",
    )
    outposts = [("WJJ", "卫生服务站" if village.is_community else "卫生室", cat.CLINIC_DUTIES)]
    if village.index % 2 == 1:
        outposts.append(("JYJ", "小学", cat.SCHOOL_DUTIES))
    if village.index % 3 == 1:
        outposts.append(("GAJ", "警务室", cat.POLICE_POST_DUTIES))
    for abbr, what, duties in outposts:
        station = f"{cc}-{abbr}-{town.index:02d}"
        if station in b.codes:
            code = f"{station}-{village.index:02d}"
            b.executing(
                code, f"{village.name}{what}", Level.VILLAGE, station, village.name, duties, "outpost"
            )
    return vc


def _add_grids(b: _Builder, villages: list[str], full: bool) -> None:
    """Grids (网格) are the free dimension: full scale adds exactly as many as make 10,520."""
    if full:
        missing = FULL_EXECUTING - sum(1 for u in b.units if u.kind == UnitKind.EXECUTING)
        if missing < len(villages):
            raise AssertionError(f"too many executing agencies before grids ({missing} left)")
        per_village = [
            missing // len(villages) + (1 if i < missing % len(villages) else 0) for i in range(len(villages))
        ]
    else:
        per_village = [1] * len(villages)
    by_code = {u.code: u for u in b.units}
    for vc, count in zip(villages, per_village, strict=True):
        village = by_code[vc]
        for k in range(1, count + 1):
            name = f"{village.short_name}第{k}网格"
            b.executing(f"{vc}-G{k}", name, Level.VILLAGE, vc, village.area, cat.GRID_DUTIES, "grid")


def plan_users(plan: OrgPlan) -> list[UserSpec]:
    rng = random.Random(f"青山州-users-{plan.scale}")
    full = plan.scale == "full"
    users: list[UserSpec] = []

    def add(username: str, role: str, unit: str, **kw: bool) -> None:
        users.append(UserSpec(username, citizen_name(rng), role, unit, mobile(rng), **kw))

    for role, count in (CENTRE_STAFF_FULL if full else CENTRE_STAFF_SMALL).items():
        for k in range(1, count + 1):
            name = str(role) if k == 1 else f"{role}{k:02d}"
            is_admin = role == Role.ADMIN
            add(name, role, "CENTRE", is_staff=is_admin, is_superuser=is_admin)
    add("leader_q", Role.LEADER, PREFECTURE_CODE)
    for county in plan.counties:
        add(f"leader_{county.code.lower()}", Role.LEADER, county.code)
    for unit in plan.units:
        if unit.kind != UnitKind.CENTRE:
            add(handler_name(unit.code), Role.HANDLER, unit.code)
    # Further handlers where the work is: bureaus, township governments, stations.
    weights = {"bureau": 5, "township": 6, "gov": 8, "station": 2, "office": 1, "agency": 2, "village": 1}
    if not full:
        weights = {"bureau": 1, "gov": 1, "township": 1}
    extra = FULL_USERS - len(users) if full else None
    seen: dict[str, int] = {}
    for round_ in range(1, 50):
        for unit in plan.units:
            if extra is not None and extra <= 0:
                break
            # Past the weighted rounds, the busiest kinds of unit take whoever is left.
            busy = round_ > max(weights.values()) and unit.group in ("bureau", "township", "gov", "station")
            if weights.get(unit.group, 0) < round_ and not (full and busy):
                continue
            seen[unit.code] = seen.get(unit.code, 1) + 1
            add(handler_name(unit.code, seen[unit.code]), Role.HANDLER, unit.code)
            if extra is not None:
                extra -= 1
        if extra is None or extra <= 0:
            break
    return users


def _check_full(plan: OrgPlan) -> None:
    figures = (
        (plan.count(UnitKind.FUNCTIONAL), FULL_FUNCTIONAL, "functional"),
        (plan.count(UnitKind.EXECUTING), FULL_EXECUTING, "executing"),
        (len(plan.users), FULL_USERS, "users"),
    )
    for got, want, what in figures:
        if got != want:
            raise AssertionError(f"full scale plan has {got} {what}, the study has {want}")
