"""Grouping a window's tickets into hotspots: first the place, then the matter.

A hotspot is one matter at one place. Grouping on the words of whole messages mixes
the two: two matters at one estate share the estate's name (and link), one matter
worded two ways shares little (and does not). So the grouping goes in two steps:

1. **The place.** Each ticket's *anchor* is the spot its head names (an estate, a site,
   a shop, a market; a road only when it names nothing else), reduced to its core
   ("劳动东路锦绣江南小区" → "锦绣江南"), within its place unit (the ticket's place,
   else the district its text names). A ticket that names no spot by a suffix is looked
   for the cores of its unit ("就是锦绣江南油烟" → 锦绣江南). A ticket of unknown unit
   takes the unit of its core when only one unit has that core.
2. **The matter.** Within one anchor, the tickets' TF-IDF rows lose the n-grams most of
   that anchor's tickets share (the place's own name), and are grouped by average
   linkage: a ticket joins a group when it is like the group as a whole, not like one
   member of it, so a chain of near neighbours does not run two matters together, and
   variously worded messages of one matter, each like the others a little, stay one.

Tickets that name no spot are grouped the same way within their place unit, with a
higher bar (the words alone must say it is one matter).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from hotline.analytics import spot_names

# Linkage bars (average cosine similarity within a group), set on bench/hotspots_quality.py.
MATTER_BAR = 0.08
# A ticket left out of every group of its anchor joins the group whose centre it is
# most like, at this cosine or more.
ATTACH_BAR = 0.1
UNANCHORED_BAR = 0.35
# Above this many tickets an anchor is grouped on a sample of them (time and memory).
DENSE_LIMIT = 600
# Up to this many, an anchor's rows are compared as dense arrays.
DENSE_ROWS = 300

# What every complaint says, whatever its matter: left out with the places.
COMMON_WORDS = (
    "投诉 反映 举报 请问 关于 问题 情况 严重 影响 居民 生活 休息 请 尽快 处理 相关部门 希望 政府 "
    "多次 已经 没有 解决 恳请 领导 重视 派人 查看 一直 我们 我家 附近 这个 现在"
)
_COMMON = re.compile("|".join(sorted(COMMON_WORDS.split(), key=len, reverse=True)))
ROAD_END = re.compile(r"(?:路口|大道|路|街|巷)$")
ROAD_IN = re.compile(r"^.*(?:路口|大道|路|街|巷)(?=[^路街巷口道]{2,})")
FILLER_END = re.compile(r"(?:那个|这个|这家|那家|的|项目|附近|一楼|楼下|临街|门口|旁边|对面|周边)+$")
KIND_END = re.compile(
    r"(?:项目工地|建筑工地|工地|小区|花园|花苑|家园|公寓|新村|山庄|农贸市场|批发市场|菜市场|市场|夜市|"
    r"广场|烧烤店|餐馆|饭店|酒店|酒吧|宾馆|网吧|超市|商场|大厦|KTV|店)$"
)


KIND_IN = re.compile(KIND_END.pattern[:-1])


def place_part(spot: str) -> str:
    """A spot found by its suffix, cut after the place where the match ran on into the
    matter: "光江御城菜市场车辆乱停堵路" → "光江御城菜市场"."""
    for m in KIND_IN.finditer(spot):
        if m.start() >= 2 and m.end() < len(spot):
            return spot[: m.end()]
    return spot


def core(spot: str) -> str:
    """The name a spot is known by without its road and its kind: 锦绣江南."""
    spot = place_part(spot)
    name = ROAD_IN.sub("", spot) if not ROAD_END.search(spot) else spot
    bare = FILLER_END.sub("", KIND_END.sub("", name))
    if len(bare) >= 2:
        return bare
    # Only a kind of place after the road ("河滨路夜市"): the road is part of the name.
    return spot if len(name) < 3 else name


def anchor_of(found: Sequence[str]) -> str:
    """The spot a ticket is about among those its head names: the first that is not a
    road, else the first road."""
    for s in found:
        if not ROAD_END.search(s):
            return core(s)
    return core(found[0]) if found else ""


def anchors(heads: Sequence[str], units: np.ndarray) -> tuple[np.ndarray, list[str], list[str]]:
    """Each ticket's anchor number (-1 for none), the anchors' names ("unit|core"), and
    each ticket's place words (the spots it names, for ``matter_texts``); the units of
    tickets whose unit was unknown or only a district are resolved (``units`` is updated)."""
    found = spot_names.spots_many(list(heads))
    # The same few thousand spots recur across a large window: each is cut once.
    core_of: dict[tuple[str, ...], str] = {}
    place_of: dict[str, str] = {}
    cores, places = [], []
    for f in found:
        key = tuple(f)
        c = core_of.get(key)
        if c is None:
            c = core_of[key] = anchor_of(f)
        cores.append(c)
        # A name ending in its kind is all place ("锦绣家园小区"); one ending in a road may
        # have run on into the matter, and only its place part is.
        words = []
        for s in f:
            p = place_of.get(s)
            if p is None:
                p = place_of[s] = s if KIND_END.search(s) else place_part(s)
            words.append(p)
        places.append(" ".join(words))
    del found, core_of, place_of
    # Cores by unit (those of two tickets or more: one alone makes no group), and the
    # unit of a core only one unit has.
    seen: Counter[tuple[int, str]] = Counter()
    units_of: dict[str, set[int]] = defaultdict(set)
    for c, u in zip(cores, units.tolist(), strict=True):
        if c and u > 0:
            seen[u, c] += 1
            units_of[c].add(u)
    by_unit: dict[int, set[str]] = defaultdict(set)
    for (u, c), k in seen.items():
        if k >= 2:
            by_unit[u].add(c)
    # A unit known only from a district the text names (below zero) is coarser than a
    # place unit: the core's one place unit, where there is one, is where it is.
    for i, c in enumerate(cores):
        if c and units[i] <= 0 and len(units_of.get(c, ())) == 1:
            units[i] = next(iter(units_of[c]))
    # A ticket naming no spot by its suffix may still name a core of its unit.
    pattern: dict[int, re.Pattern[str] | None] = {}
    for i, c in enumerate(cores):
        u = int(units[i])
        if c or u not in by_unit:
            continue
        if u not in pattern:
            known = sorted((n for n in by_unit[u] if len(n) >= 2), key=len, reverse=True)
            pattern[u] = re.compile("|".join(map(re.escape, known))) if known else None
        finder = pattern[u]
        match = finder.search(heads[i]) if finder is not None else None
        if match:
            cores[i] = match.group()
            places[i] = match.group()
    names: dict[str, int] = {}
    ids = np.full(len(cores), -1, dtype=np.int64)
    for i, c in enumerate(cores):
        if c:
            ids[i] = names.setdefault(f"{int(units[i])}|{c}", len(names))
    return ids, list(names), places


def matter_texts(docs: Sequence[str], places: Sequence[str]) -> list[str]:
    """The texts without the places each names and without what every complaint says:
    what is left says the matter. Two matters at one estate share the estate's name;
    without it they are told apart, and nothing links them through it (nor through the
    characters around it)."""
    out = []
    for doc, named in zip(docs, places, strict=True):
        for name in sorted(set(named.split()), key=len, reverse=True):
            doc = doc.replace(name, " ")
        out.append(doc.replace("\0", " "))
    return _COMMON.sub(" ", "\0".join(out)).split("\0")


def group(
    matrix: sparse.csr_matrix, anchor_ids: np.ndarray, units: np.ndarray, min_size: int
) -> list[list[int]]:
    """Groups of row numbers, each one matter at one place, of at least ``min_size``."""
    out: list[list[int]] = []
    anchored = anchor_ids >= 0
    loose = (~anchored) & (units != 0)
    for keys, bar, local in ((anchor_ids, MATTER_BAR, True), (units, UNANCHORED_BAR, False)):
        mask = anchored if local else loose
        buckets = _buckets(keys[mask], np.flatnonzero(mask), min_size)
        small = [b for b in buckets if len(b) <= DENSE_ROWS]
        out.extend(_small_matters(matrix, small, bar, min_size, local=local))
        for members in buckets:
            if len(members) > DENSE_ROWS:
                out.extend(_matters(matrix, members, bar, min_size, local=local))
    return out


def _small_matters(
    matrix: sparse.csr_matrix, buckets: list[np.ndarray], bar: float, min_size: int, *, local: bool
) -> list[list[int]]:
    """``_matters`` of many small anchors at once: one sparse product gives every
    similarity within every anchor (each n-gram renumbered per anchor, so no two
    anchors share a column), then each anchor's block is grouped."""
    if not buckets:
        return []
    members = np.concatenate(buckets)
    sizes = np.fromiter((len(b) for b in buckets), dtype=np.int64, count=len(buckets))
    rows = matrix[members]
    owner = np.repeat(np.repeat(np.arange(len(buckets)), sizes), np.diff(rows.indptr))
    keys, column = unique_inverse(owner * np.int64(matrix.shape[1]) + rows.indices)
    df = np.bincount(column)[column]
    data = rows.data
    # Only what two tickets of the anchor share can link them: the rest is left out,
    # of the length too, so one matter said in a few shared words still links.
    data = np.where(df < 2, 0, data)
    length = np.sqrt(
        np.bincount(
            np.repeat(np.arange(len(members)), np.diff(rows.indptr)),
            weights=data * data,
            minlength=len(members),
        )
    )
    length[length == 0] = 1
    data = data / np.repeat(length, np.diff(rows.indptr))
    narrowed = sparse.csr_matrix(
        (data.astype(np.float32), column, rows.indptr), shape=(len(members), len(keys))
    )
    narrowed.eliminate_zeros()
    sims = (narrowed @ narrowed.T).tocsr()
    attach = ATTACH_BAR if local else bar
    out: list[list[int]] = []
    lo = 0
    for size in sizes.tolist():
        block = sims[lo : lo + size, lo : lo + size].toarray()
        np.fill_diagonal(block, 1)  # each row is of unit length
        labels = _attach_sims(block, _average_linkage(block, bar), min_size, attach)
        grouped: dict[int, list[int]] = defaultdict(list)
        for i, label in enumerate(labels.tolist()):
            grouped[label].append(int(members[lo + i]))
        out.extend(g for g in grouped.values() if len(g) >= min_size)
        lo += size
    return out


def unique_inverse(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)``, four times faster on the keys here:
    runs of sorted columns, row after row, which a stable (radix/merge) sort takes in a
    pass where ``np.unique``'s quicksort starts over."""
    if not len(keys):
        return keys.copy(), np.zeros(0, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    new = np.empty(len(keys), dtype=bool)
    new[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse


def _attach_sims(sims: np.ndarray, labels: np.ndarray, min_size: int, attach: float) -> np.ndarray:
    """``_attach`` from the similarities alone: a row's cosine with a group's centre is
    its summed similarity to the members over the centre's length."""
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    big = counts >= min_size
    if big.all() or not big.any():
        return inverse
    kept = np.flatnonzero(big)
    member_of = np.zeros((len(counts), len(labels)), dtype=sims.dtype)
    member_of[inverse, np.arange(len(labels))] = 1
    to_groups = sims @ member_of[kept].T  # rows × kept groups
    centre_length = np.sqrt(np.maximum((member_of[kept] * to_groups.T).sum(axis=1), 1e-9))
    small = np.flatnonzero(~big[inverse])
    cosines = to_groups[small] / centre_length
    best = cosines.argmax(axis=1)
    ok = cosines[np.arange(len(small)), best] >= attach
    out = inverse.copy()
    out[small[ok]] = kept[best[ok]]
    return out


def _buckets(keys: np.ndarray, rows: np.ndarray, min_size: int) -> list[np.ndarray]:
    if not len(keys):
        return []
    order = np.argsort(keys, kind="stable")
    keys, rows = keys[order], rows[order]
    cuts = np.flatnonzero(np.diff(keys)) + 1
    return [b for b in np.split(rows, cuts) if len(b) >= min_size]


def _matters(
    matrix: sparse.csr_matrix, members: np.ndarray, bar: float, min_size: int, *, local: bool
) -> list[list[int]]:
    rows = _narrow(matrix[members])
    attach = ATTACH_BAR if local else bar
    if len(members) <= DENSE_ROWS:
        # Most anchors hold a few dozen tickets: dense arrays cost less than sparse ones.
        dense = rows.toarray()
        labels = _attach_dense(dense, _average_linkage(dense @ dense.T, bar), min_size, attach)
    else:
        labels = _cluster(rows, bar, attach, min_size)
    out: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(labels.tolist()):
        out[label].append(int(members[i]))
    return [g for g in out.values() if len(g) >= min_size]


def _attach_dense(dense: np.ndarray, labels: np.ndarray, min_size: int, attach: float) -> np.ndarray:
    """``_attach`` on dense rows."""
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    big = counts >= min_size
    if big.all() or not big.any():
        return inverse
    kept = np.flatnonzero(big)
    centres = np.zeros((len(counts), dense.shape[1]), dtype=dense.dtype)
    np.add.at(centres, inverse, dense)
    centres = centres[kept]
    centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-9)
    small = np.flatnonzero(~big[inverse])
    sims = dense[small] @ centres.T
    best = sims.argmax(axis=1)
    ok = sims[np.arange(len(small)), best] >= attach
    out = inverse.copy()
    out[small[ok]] = kept[best[ok]]
    return out


def _narrow(rows: sparse.csr_matrix) -> sparse.csr_matrix:
    """The rows with only the columns they use: every product over the two million
    hashed columns would otherwise cost a pass over all of them."""
    keep, inverse = unique_inverse(rows.indices)
    return sparse.csr_matrix(
        (rows.data.copy(), inverse, rows.indptr.copy()), shape=(rows.shape[0], len(keep))
    )


def _normalise(rows: sparse.csr_matrix) -> None:
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    rows.data /= np.repeat(norms, np.diff(rows.indptr)).astype(rows.dtype)


def _cluster(rows: sparse.csr_matrix, bar: float, attach: float, min_size: int) -> np.ndarray:
    """A label per row. Up to DENSE_LIMIT rows: average linkage, then the rows left in
    groups too small to show join the nearest shown group. Above it (a spot with
    thousands of tickets), the same on an even sample, every other row joining the
    nearest group of the sample, and again on the rows that joined none."""
    n = rows.shape[0]
    if n <= DENSE_LIMIT:
        return _attach(rows, _average_linkage((rows @ rows.T).toarray(), bar), min_size, attach)
    sample = np.linspace(0, n - 1, DENSE_LIMIT).astype(np.int64)
    labels = _average_linkage((rows[sample] @ rows[sample].T).toarray(), bar)
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    out = np.full(n, -1, dtype=np.int64)
    shown = np.flatnonzero(counts >= 2)
    if len(shown):
        centres = _centres(rows[sample], inverse, len(counts))[shown]
        sims = (rows @ centres.T).toarray()
        best = sims.argmax(axis=1)
        ok = sims[np.arange(n), best] >= attach
        out[ok] = shown[best[ok]]
    rest = np.flatnonzero(out < 0)
    if len(rest) == n:  # nothing in common: each its own
        return np.arange(n)
    if len(rest):
        out[rest] = _cluster(rows[rest], bar, attach, min_size) + len(counts)
    return out


def _centres(rows: sparse.csr_matrix, inverse: np.ndarray, k: int) -> sparse.csr_matrix:
    member_of = sparse.csr_matrix(
        (np.ones(len(inverse), dtype=rows.dtype), (inverse, np.arange(len(inverse)))), shape=(k, len(inverse))
    )
    centres = (member_of @ rows).tocsr()
    _normalise(centres)
    return centres


def _attach(rows: sparse.csr_matrix, labels: np.ndarray, min_size: int, attach: float) -> np.ndarray:
    """Rows in groups too small to show join the shown group whose centre they are most
    like (cosine ≥ ``attach``): a message worded unlike each of the others but about
    the same matter at the same spot."""
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    big = counts >= min_size
    if big.all() or not big.any():
        return inverse
    kept = np.flatnonzero(big)
    centres = _centres(rows, inverse, len(counts))[kept]
    small = np.flatnonzero(~big[inverse])
    sims = (rows[small] @ centres.T).toarray()
    best = sims.argmax(axis=1)
    ok = sims[np.arange(len(small)), best] >= attach
    out = inverse.copy()
    out[small[ok]] = kept[best[ok]]
    return out


def _average_linkage(sims: np.ndarray, bar: float) -> np.ndarray:
    """Labels of the groups whose average similarity stays at ``bar`` or above."""
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import squareform

    n = sims.shape[0]
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    distance = np.clip(1 - sims, 0, 1).astype(np.float64)
    np.fill_diagonal(distance, 0)
    tree = linkage(squareform(distance, checks=False), method="average")
    # Cut the tree at 1 - bar (the merges below it, in order; fcluster's checks cost
    # more than the linkage on a small group).
    parent = list(range(2 * n - 1))
    for k, (a, b, height, _) in enumerate(tree.tolist()):
        if height > 1 - bar:
            break
        parent[int(a)] = parent[int(b)] = n + k
    labels = np.empty(n, dtype=np.int64)
    for i in range(n):
        j = i
        while parent[j] != j:
            j = parent[j]
        labels[i] = j
    return labels
