"""The fictional 青山州 (Qingshan prefecture): its counties, townships, villages, streets
and people's names.

Geography is fixed (it does not depend on the ``--seed``): the same unit code always
names the same place, so READMEs and screenshots stay valid. Names are invented from
common place-name characters; any likeness to a real place is a coincidence.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

PREFECTURE = "青山州"
PREFECTURE_FULL = "青山苗族侗族自治州"
PREFECTURE_CODE = "Q"

# (name, kind) — the first is the seat of the prefecture government.
COUNTIES: list[tuple[str, str]] = [
    ("青阳市", "city"),
    ("清溪市", "city"),
    ("石门县", "county"),
    ("滨江县", "county"),
    ("云岭县", "county"),
    ("松桥县", "county"),
    ("安平县", "county"),
    ("梅溪县", "county"),
    ("白崖县", "county"),
    ("凤鸣县", "county"),
    ("金坪县", "county"),
    ("三江侗族自治县", "county"),
]

# Townships per county at full scale (sum 106); small scale takes the first few.
TOWNSHIPS_FULL = [12, 10, 9, 9, 8, 9, 8, 9, 8, 8, 8, 8]

_T1 = "龙凤石青白金银马桃杨柳松竹梅兰云雾清河江溪沙坪坝岩黄红翠乌鹿鹤牛羊茶枫桂平安长新高"
_T2 = "坪坝江河溪岭山塘桥口场寨关湾田阳源洞冲堡湖屯营坡林峰"
_V1 = "东西南北上下中前后大小新老高长岩竹松枫桃李杨柳茶田水塘坪沟冲湾堡寨林坡"
_V2 = "村坪寨冲湾沟坝田岭塘坡庄院场"
_ROADS = [
    "人民",
    "解放",
    "建设",
    "中山",
    "环城",
    "滨河",
    "新华",
    "文化",
    "朝阳",
    "民族",
    "青年",
    "沿江",
    "团结",
    "和平",
    "育才",
    "迎宾",
    "学府",
    "花溪",
    "兴隆",
    "振华",
    "凤凰",
    "翠湖",
]
_ROAD_SUFFIX = ["路", "大道", "街", "巷"]
_ESTATES = [
    "阳光花园",
    "锦绣家园",
    "滨江华府",
    "翠湖苑",
    "金域蓝湾",
    "幸福里",
    "书香名邸",
    "碧桂园",
    "山水华庭",
    "龙湖湾",
    "盛世名城",
    "恒信花园",
    "福满园",
    "康乐小区",
    "教师小区",
    "电力小区",
    "水岸名都",
    "青山府",
    "城南新居",
    "东方明珠",
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱覃"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "慧",
    "建华",
    "建国",
    "志强",
    "玉兰",
    "桂英",
    "红梅",
    "海燕",
    "小红",
    "文",
    "斌",
    "波",
    "宇",
    "浩",
    "凯",
    "鹏",
    "婷",
    "雪",
    "琳",
    "晨",
    "欣怡",
    "子涵",
    "梓轩",
    "俊杰",
    "春花",
    "国庆",
    "德明",
    "光辉",
    "金凤",
    "永红",
]
_MOBILE_PREFIXES = [
    "139",
    "138",
    "137",
    "136",
    "135",
    "158",
    "159",
    "186",
    "187",
    "188",
    "177",
    "180",
    "181",
    "199",
]


@dataclass
class Village:
    index: int  # 1-based within the township
    name: str  # e.g. "河西村" or "翠湖社区"
    is_community: bool


@dataclass
class Township:
    index: int  # 1-based within the county
    name: str  # e.g. "龙潭镇", "城南街道"
    villages: list[Village] = field(default_factory=list)

    @property
    def is_street(self) -> bool:
        return self.name.endswith("街道")


@dataclass
class County:
    index: int  # 1-based
    name: str
    kind: str  # city | county
    townships: list[Township] = field(default_factory=list)

    @property
    def code(self) -> str:
        return f"{PREFECTURE_CODE}{self.index:02d}"

    @property
    def short(self) -> str:
        """The bureau-name prefix: 石门县 → 石门县, 三江侗族自治县 → 三江县."""
        if "自治县" in self.name:
            return self.name[:2] + "县"
        return self.name


def _unique_names(rng: random.Random, first: str, second: str, count: int, taken: set[str]) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = rng.choice(first) + rng.choice(second)
        if name[0] != name[1] and name not in taken:
            taken.add(name)
            names.append(name)
    return names


def build_counties(counties: int, townships: int | None, villages: int | None) -> list[County]:
    """The counties with their townships and villages.

    ``townships``/``villages`` of None mean the full-scale numbers (per-county list,
    8–16 villages per township); an int means exactly that many everywhere.
    """
    rng = random.Random("青山州-geography")
    taken: set[str] = set()
    result = []
    for ci, (name, kind) in enumerate(COUNTIES[:counties], start=1):
        county = County(ci, name, kind)
        county_taken: set[str] = set()  # village names repeat across counties, as in life
        n_town = TOWNSHIPS_FULL[ci - 1] if townships is None else townships
        streets = (4 if kind == "city" else 1) if n_town >= 5 else 1
        for ti, base in enumerate(_unique_names(rng, _T1, _T2, n_town, taken), start=1):
            if ti <= streets:
                tname = ("城关" if ti == 1 and kind == "county" else base) + "街道"
            else:
                tname = base + ("乡" if ti % 4 == 0 else "镇")
            town = Township(ti, tname)
            n_vil = rng.randint(8, 16) if villages is None else villages
            for vi, vbase in enumerate(_unique_names(rng, _V1, _V2, n_vil, county_taken), start=1):
                community = town.is_street or vi <= 2
                vname = (
                    (vbase[0] + rng.choice("华光明安康宁兴和") + "社区")
                    if community
                    else vbase + ("" if vbase.endswith("村") else "村")
                )
                town.villages.append(Village(vi, vname, community))
            county.townships.append(town)
        result.append(county)
    return result


def citizen_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def mobile(rng: random.Random) -> str:
    return rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def road(rng: random.Random) -> str:
    return rng.choice(_ROADS) + rng.choice(_ROAD_SUFFIX)


def estate(rng: random.Random) -> str:
    return rng.choice(_ESTATES)


def address(rng: random.Random, county: County, town: Township, village: Village) -> str:
    """A plausible street address inside the village or community."""
    if village.is_community:
        return (
            f"{PREFECTURE}{county.name}{town.name}{village.name}{road(rng)}{rng.randint(1, 300)}号"
            f"{estate(rng)}{rng.randint(1, 20)}栋"
        )
    return f"{PREFECTURE}{county.name}{town.name}{village.name}{rng.randint(1, 12)}组"


# --- positions ------------------------------------------------------------------------
# The fictional prefecture lies in the hills of the south-west (WGS-84): the seat at the
# centre, the counties on a ring around it, each township around its county seat and
# each village around its township. Positions depend on the indices only (never on the
# scale or the seed), so the same code is always at the same spot.
SEAT = (27.55, 109.60)
_COUNTY_RING = (0.55, 0.75)  # degrees of latitude from the seat (about 60-85 km)
_TOWN_RING = (0.05, 0.17)
_VILLAGE_RING = (0.008, 0.035)
# A degree of longitude is shorter than one of latitude at 27.5°N.
_LNG_PER_LAT = 1.13


def _around(centre: tuple[float, float], angle: float, radius: float) -> tuple[float, float]:
    import math

    lat = centre[0] + radius * math.sin(angle)
    lng = centre[1] + radius * _LNG_PER_LAT * math.cos(angle)
    return round(lat, 6), round(lng, 6)


def position(county: int, town: int | None = None, village: int | None = None) -> tuple[float, float]:
    """Where the county's seat, its township ``town`` or that township's ``village`` lies
    (1-based indices as in the unit codes). County 1 holds the prefecture's seat."""
    import math

    rng = random.Random(f"青山州-position-{county}")
    if county == 1:
        spot = SEAT
    else:
        angle = 2 * math.pi * (county - 2) / (len(COUNTIES) - 1) + rng.uniform(-0.15, 0.15)
        spot = _around(SEAT, angle, rng.uniform(*_COUNTY_RING))
    if town is None:
        return spot
    rng = random.Random(f"青山州-position-{county}-{town}")
    # The first township (the county seat's street) is the seat itself, give or take.
    radius = rng.uniform(0.0, 0.01) if town == 1 else rng.uniform(*_TOWN_RING)
    spot = _around(spot, rng.uniform(0, 2 * math.pi), radius)
    if village is None:
        return spot
    rng = random.Random(f"青山州-position-{county}-{town}-{village}")
    return _around(spot, rng.uniform(0, 2 * math.pi), rng.uniform(*_VILLAGE_RING))


def prefecture_position() -> tuple[float, float]:
    return SEAT
