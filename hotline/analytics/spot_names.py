"""Finding where a request is about in its text: the district and the spot.

Heuristics good enough to *name* a group of tickets for a leader ("滨江县 河滨路夜市");
the authoritative place of a ticket stays its ``place`` unit and coordinates.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import numpy as np

_CJK = "\u4e00-\u9fa5"
DISTRICT_RE = re.compile(rf"[A-Z]\d{{0,2}}(?:市|区|县)|[{_CJK}]{{2,6}}(?:自治县|县|区|镇|乡|街道)")
NOT_DISTRICT = (
    "小区",
    "园区",
    "宿舍区",
    "景区",
    "城区",
    "社区",
    "辖区",
    "片区",
    "厂区",
    "校区",
    "住宅区",
    "生活区",
    "居民区",
    "老城区",
    "新城区",
)
SPOT_SUFFIX = (
    "路口|大道|路|街|巷|小区|花园|花苑|家园|公寓|新村|村|社区|广场|夜市|市场|公园|学校|中学|小学|幼儿园|医院|"
    "车站|大厦|商场|工地|河|湖|水库|池塘|桥|隧道|码头|山庄|园区|苑|加油站|菜市场|"
    # Shops and venues: where most noise, fumes and food complaints are.
    "店|餐馆|饭馆|酒吧|KTV|ktv|网吧|超市|宾馆|工厂|厂"
)
SPOT_RE = re.compile(rf"[{_CJK}A-Za-z0-9]{{1,14}}(?:{SPOT_SUFFIX})")
SPOT_END = re.compile(rf"(?:{SPOT_SUFFIX})$")
# Words that often precede a place name in a message; cut them off the front.
LEAD_WORDS = (
    "反映|投诉|举报|位于|地处|我是|我们|本人|关于|请问|附近的|附近|旁边的|对面的|门口的|在|的|是|到|从"
)
LEAD_IN = re.compile(rf"^.*?(?:{LEAD_WORDS}|住)")
# Inside a spot already found, the lead-in words separate names: "XX路附近广场" is the
# road (the greedy match ran on to the next suffix), "我家附近XX小区" the estate.
LEAD_SPLIT = re.compile(rf"(?:{LEAD_WORDS}|我住|家住|居住)")
GENERIC = {
    "小区",
    "社区",
    "学校",
    "医院",
    "市场",
    "公园",
    "马路",
    "道路",
    "农村",
    "本村",
    "我村",
    "该小区",
    "这个小区",
}


def districts(text: str) -> list[str]:
    out = []
    for m in DISTRICT_RE.findall(text or ""):
        cut = LEAD_IN.sub("", m)
        if (
            len(cut) >= 2
            and not cut.endswith(NOT_DISTRICT)
            and not cut.startswith(("我", "本", "该", "这", "辖"))
        ):
            out.append(cut)
    return out


NOT_SPOT = ("线路", "道路", "思路", "出路", "电路", "门路", "套路", "马路")
BUS_ROUTE = re.compile(r"[A-Za-z]?\d+路$")  # "28路" is a bus line, not a place
# Words that join or lead into clauses, not part of a name — except in the names that
# hold them: 和平小区, 祥和苑, 向阳路, 于家村.
JOINERS = "的在到及与对把被将从于向和"
# Not a joiner when the next character makes a name with it (于家村, 向阳路, 和平小区) …
JOINER_NAME_AFTER = {"于": "家", "向": "阳", "和": "平谐美顺兴睦园苑"}
# … or the one before it does (祥和苑, 人和街).
JOINER_NAME_BEFORE = {"和": "祥人中太永平协共"}
_JOINER = "|".join(
    (f"(?<![{JOINER_NAME_BEFORE[c]}])" if c in JOINER_NAME_BEFORE else "")
    + c
    + (f"(?![{JOINER_NAME_AFTER[c]}])" if c in JOINER_NAME_AFTER else "")
    for c in JOINERS
)
CLAUSE_SPLIT = re.compile(rf"[^{_CJK}A-Za-z0-9]+|{_JOINER}")


def spots(text: str) -> list[str]:
    out = []
    for clause in CLAUSE_SPLIT.split(text or ""):
        if len(clause) < 2:
            continue
        for d in districts(clause):
            clause = clause.replace(d, " ")
        for m in SPOT_RE.findall(clause):
            for part in LEAD_SPLIT.split(m):
                if (
                    len(part) >= 3
                    and SPOT_END.search(part)
                    and part not in GENERIC
                    and not BUS_ROUTE.search(part)
                    and not part.endswith(NOT_SPOT)
                ):
                    out.append(part)
    return out


# What a citizen's title says around its matter: "投诉…", "关于…的问题".
_VERBS = (
    r"第[一二三四五六七八九十\d]+次|再次|多次|强烈|紧急|恳请|请求|请问|投诉|举报|反映|咨询|建议|关于|质疑|"
    r"要求|希望|呼吁|求助|反对|申请|请"
)
# "我要反映…", "本人投诉…": the speaker before the verb goes with it.
HEAD_VERB = re.compile(rf"^(?:(?:我们|我|本人|市民)(?:要|想|再次)?(?={_VERBS}))?(?:{_VERBS})*")
HEAD_TAIL = re.compile(r"(?:的|之)?(?:问题|情况|事宜|事情|事|建议|投诉|请求|咨询|质疑|诉求)+$")
HEAD_FILL = re.compile(r"^[的在于对和及、,，:：\s]+|^(?:附近|旁边|门口|周边|一带)+|[的,，:：\s]+$")
CLAUSE_END = re.compile(r"[。！？!?；;，,\n]")


def headline(title: str, text: str, *, drop: Iterable[str] = (), limit: int = 24) -> str:
    """The matter in a few words, from a ticket's title (or its text's first clause),
    without the lead-in verb, the closing "的问题" and the given place names."""
    head = (title or "").strip() or CLAUSE_END.split((text or "").strip(), maxsplit=1)[0]
    for name in sorted((d for d in drop if d), key=len, reverse=True):
        head = head.replace(name, "")
    for _ in range(2):
        head = HEAD_FILL.sub("", HEAD_VERB.sub("", head))
        head = HEAD_TAIL.sub("", head)
    head = HEAD_FILL.sub("", head)
    return head[:limit]


def most_common(values_per_ticket: Iterable[Iterable[str]], *, min_share: float = 0.0) -> str:
    """The value found in the most tickets (each ticket counted once per value)."""
    counts: Counter[str] = Counter()
    n = 0
    for values in values_per_ticket:
        n += 1
        counts.update(set(values))
    if not counts:
        return ""
    best, k = max(counts.items(), key=lambda kv: (kv[1], len(kv[0])))
    return best if k >= max(1, min_share * n) else ""


def _letter_table() -> np.ndarray:
    """For every code point: does it stay in a clause (a CJK letter, a Latin letter or a
    digit)? Joiners are marked 2: they stay only inside a name."""
    table = np.zeros(0x110000, dtype=np.uint8)
    table[0x4E00 : 0x9FA5 + 1] = 1
    for lo, hi in (("0", "9"), ("A", "Z"), ("a", "z")):
        table[ord(lo) : ord(hi) + 1] = 1
    table[[ord(c) for c in JOINERS]] = 2
    return table


_LETTERS = _letter_table()


def _clause_ends_blanked(text: str) -> str:
    """``text`` with every character that ends a clause (``CLAUSE_SPLIT``: not a CJK
    letter or digit, or a joiner outside a name) made a line break, same length — in
    numpy over the code points, by table: a window's heads are a hundred million
    characters, and the regular expression's substitution took a tenth of the hotspots."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).copy()
    kind = _LETTERS[points]
    joiners = np.flatnonzero(kind == 2)
    kind[joiners] = 0
    # The joiners that make names with a neighbour, looked at only where they stand.
    following = np.append(points, 0)[joiners + 1]
    preceding = np.insert(points, 0, 0)[joiners]
    for c in set(JOINER_NAME_AFTER) | set(JOINER_NAME_BEFORE):
        named = np.isin(following, [ord(x) for x in JOINER_NAME_AFTER.get(c, "")]) | np.isin(
            preceding, [ord(x) for x in JOINER_NAME_BEFORE.get(c, "")]
        )
        kind[joiners[(points[joiners] == ord(c)) & named]] = 1
    points[kind == 0] = 10
    return points.tobytes().decode("utf-32-le")


def _reversed(alternatives: str) -> str:
    return "|".join(sorted((a[::-1] for a in alternatives.split("|")), key=len, reverse=True))


# The same patterns read backwards, suffix first: forwards, the engine tries every
# length of name before every suffix at every character (thirty times slower).
# Up to 20 characters before the suffix (``spots``: 14): a name that ran on into the
# matter ("…菜市场车辆乱停堵路") keeps its start, and the anchor cuts it after the place.
_SPOT_BACK = re.compile(rf"(?:{_reversed(SPOT_SUFFIX)})[{_CJK}A-Za-z0-9]{{1,20}}")
_NOT_DISTRICT_BACK = "|".join(w[::-1] for w in NOT_DISTRICT)
_DISTRICT_BACK = re.compile(
    rf"(?:市|区|县)\d{{0,2}}[A-Z]|(?!{_NOT_DISTRICT_BACK})(?:{_reversed('自治县|县|区|镇|乡|街道')})[{_CJK}]{{2,6}}"
)


def spots_many(texts: list[str]) -> list[list[str]]:
    """Nearly ``spots`` of each text, found in a few passes over all of them at once (a
    window of a million tickets is read in seconds): clauses split, districts blanked,
    the names before a spot's suffix taken, lead-in words cut. Read backwards, where
    two names overlap the later one wins; the hotspots' anchors use it (their core
    is cut out of it, ``hotspot_groups.core``), the names of hotspots ``spots``."""
    joined = _clause_ends_blanked("\n".join(texts))  # same length: positions hold
    size = len(joined)
    back = joined[::-1]
    pieces = []
    last = 0
    # The length of the district each match blanks (0: none); a window names the same
    # few hundred districts over and over.
    blank_of: dict[str, int] = {}
    for m in _DISTRICT_BACK.finditer(back):
        match = m.group()
        width = blank_of.get(match)
        if width is None:
            # In the text read forwards the district is the match reversed.
            cut = LEAD_IN.sub("", match[::-1])
            ok = (
                len(cut) >= 2
                and not cut.endswith(NOT_DISTRICT)
                and not cut.startswith(("我", "本", "该", "这", "辖"))
            )
            width = blank_of[match] = len(cut) if ok else 0
        if width:
            pieces.append(back[last : m.start()])
            pieces.append(" " * width)
            last = m.start() + width
    pieces.append(back[last:])
    blanked = "".join(pieces)
    out: list[list[str]] = [[] for _ in texts]
    found = [(size - m.end(), m.group()[::-1]) for m in _SPOT_BACK.finditer(blanked)]
    if not found:
        return out
    found.reverse()  # in reading order
    starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
    at = np.fromiter((f[0] for f in found), dtype=np.int64, count=len(found))
    owners = np.searchsorted(starts, at, "right") - 1
    parts_of: dict[str, list[str]] = {}
    for owner, (_, match) in zip(owners.tolist(), found, strict=True):
        parts = parts_of.get(match)
        if parts is None:
            parts = parts_of[match] = [
                part
                for part in LEAD_SPLIT.split(match)
                if len(part) >= 3
                and SPOT_END.search(part)
                and part not in GENERIC
                and not BUS_ROUTE.search(part)
                and not part.endswith(NOT_SPOT)
            ]
        out[owner].extend(parts)
    return out
