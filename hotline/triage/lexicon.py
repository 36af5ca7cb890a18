"""Fast multi-word matching: many cue words, one regular expression, one pass.

A naive ``a|b|c|…`` alternation makes the regex engine try every word at every
position. Compiling the words into a trie-shaped pattern (``路(?:灯|面)|…``) makes each
position cost one branch per character, so a few hundred words scan a 400-character
request in microseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple


def trie_pattern(words: Iterable[str]) -> str:
    """A regex alternation equivalent to ``|``-joining ``words`` (longest match first)."""
    trie: dict[str, dict] = {}
    for word in {w for w in words if w}:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _render(trie)


def _render(node: dict[str, dict]) -> str:
    end = "" in node
    branches = [re.escape(ch) + _render(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if end:
        # The word may stop here; the longer continuations are tried first.
        body = f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else body + "?"
    return body


class Hit(NamedTuple):
    word: str
    start: int
    end: int
    tags: tuple[tuple[str, float], ...]


class Lexicon:
    """Words tagged with (group, weight) pairs, matched in one scan."""

    def __init__(self, entries: dict[str, list[tuple[str, float]]]):
        self.entries = {w: tuple(tags) for w, tags in entries.items() if w}
        pattern = trie_pattern(self.entries)
        self._regex = re.compile(pattern) if pattern else None

    @classmethod
    def from_groups(cls, groups: Mapping[str, Mapping[str, float] | Iterable[str]]) -> Lexicon:
        entries: dict[str, list[tuple[str, float]]] = {}
        for group, words in groups.items():
            weighted = words if isinstance(words, Mapping) else dict.fromkeys(words, 1.0)
            for word, weight in weighted.items():
                entries.setdefault(word, []).append((group, float(weight)))
        return cls(entries)

    def scan(self, text: str) -> list[Hit]:
        if self._regex is None or not text:
            return []
        entries = self.entries
        return [
            Hit(m.group(), m.start(), m.end(), entries[m.group()])
            for m in self._regex.finditer(text)
            if m.group() in entries
        ]
