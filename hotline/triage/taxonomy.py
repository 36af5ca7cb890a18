"""The three-level topic taxonomy (一级 / 二级 / 三级分类) and keyword matching on it.

The default ships as ``data/taxonomy.csv`` (written by the project). Admins edit the
``triage.Topic`` table, seeded from that file; when the table has rows they win.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps

from hotline.cache import Cached
from hotline.triage.datafiles import DATA_DIR
from hotline.triage.lexicon import Lexicon

DEFAULT_FILE = DATA_DIR / "taxonomy.csv"
SEP = " / "


@dataclass(frozen=True)
class TopicNode:
    level1: str
    level2: str
    level3: str
    keywords: tuple[str, ...]

    @property
    def path(self) -> str:
        return SEP.join(p for p in (self.level1, self.level2, self.level3) if p)


def read_csv(path: Path = DEFAULT_FILE) -> list[TopicNode]:
    """Nodes of a taxonomy file (columns level1, level2, level3, optional keywords); rows
    without a level-1 name are skipped. Spreadsheet exports may start with a BOM."""
    nodes = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            l1 = (row.get("level1") or "").strip()
            if not l1:
                continue
            kw = tuple(k for k in (row.get("keywords") or "").replace(",", " ").split() if k)
            nodes.append(
                TopicNode(l1, (row.get("level2") or "").strip(), (row.get("level3") or "").strip(), kw)
            )
    return nodes


class Taxonomy:
    def __init__(self, nodes: list[TopicNode]):
        self.nodes = nodes
        self.by_path = {n.path: n for n in nodes}
        groups: dict[str, dict[str, float]] = {}
        for n in nodes:
            words: dict[str, float] = {}
            for k in n.keywords:
                words[k.lower()] = 1.0 + 0.25 * min(len(k), 4)
            for name in (n.level3, n.level2):
                if name and len(name) >= 2 and name not in ("其他",):
                    words.setdefault(name.lower(), 1.5)
            groups[n.path] = words
        self.lexicon = Lexicon.from_groups(groups)
        self.level1 = sorted({n.level1 for n in nodes})

    def first_path(self, level1: str) -> str:
        """A representative path under ``level1`` (its first row)."""
        for n in self.nodes:
            if n.level1 == level1:
                return n.path
        return level1

    def match(self, doc: str, title_len: int = 0) -> tuple[dict[str, float], dict[str, list[str]]]:
        """Keyword score of every topic path, with the words that matched."""
        scores: dict[str, float] = {}
        words: dict[str, list[str]] = {}
        for hit in self.lexicon.scan(doc):
            boost = 2.0 if hit.start < title_len else 1.0
            for path, w in hit.tags:
                scores[path] = scores.get(path, 0.0) + w * boost
                lst = words.setdefault(path, [])
                if hit.word not in lst:
                    lst.append(hit.word)
        return scores, words

    def best_under(self, level1: str, scores: dict[str, float]) -> str:
        """The best-scoring path under ``level1`` (or its first path)."""
        cands = [(s, p) for p, s in scores.items() if p.startswith(level1 + SEP) or p == level1]
        if cands:
            return max(cands)[1]
        return self.first_path(level1)


CHECK_EVERY = 30.0


def _db_stamp() -> tuple[int, object] | None:
    """(count, last change) of the Topic table, or None when no database is usable."""
    if not apps.ready:
        return None
    from django.db.models import Count, Max

    from hotline.triage.models import Topic

    try:
        agg = Topic.objects.filter(active=True).aggregate(n=Count("id"), m=Max("updated_at"))
    except Exception:  # no usable database (none, not migrated, not allowed here): the file serves
        return None
    return (agg["n"] or 0, agg["m"])


def _from_db() -> list[TopicNode]:
    from hotline.triage.models import Topic

    return [
        TopicNode(
            t.level1, t.level2, t.level3, tuple(t.keywords.replace(",", " ").replace("，", " ").split())
        )
        for t in Topic.objects.filter(active=True).order_by("level1", "level2", "level3")
    ]


def _build() -> Taxonomy:
    """The admin-edited table if it has rows, else the shipped file."""
    nodes: list[TopicNode] = []
    if apps.ready:
        try:
            nodes = _from_db()
        except Exception:  # no usable database, or the table went away: the file serves
            nodes = []
    return Taxonomy(nodes or read_csv())


TAXONOMY: Cached[Taxonomy] = Cached("triage.taxonomy", _build, stamp=_db_stamp, check_every=CHECK_EVERY)


def get_taxonomy() -> Taxonomy:
    """The current taxonomy, re-checked at most every ``CHECK_EVERY`` seconds."""
    return TAXONOMY.get()


def reset_cache() -> None:
    TAXONOMY.invalidate()
