"""Weak labels from government replies: the department that answered a request says a
lot about its topic (住建局 → 城乡建设, 人社局 → 劳动和社会保障 …).

The mapping (``data/departments.json``) is written by the project from the usual names of
Chinese government departments; it is applied at training time to whatever reply texts the
user supplies (``hotline triage train --weak-data``). Only the opening of a reply is read, where the
answering department names itself.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

from hotline.triage.datafiles import load_json

HEAD = 400


@cache
def departments() -> dict[str, list[str]]:
    """Level-1 topic → the department names that point to it (``data/departments.json``)."""
    return load_json("departments.json")  # type: ignore[no-any-return]


def weak_label(reply: str, allowed: set[str] | None = None) -> str | None:
    """The topic the answering department suggests, or None when unclear."""
    head = (reply or "")[:HEAD]
    found: Counter[str] = Counter()
    for label, words in departments().items():
        if allowed is not None and label not in allowed:
            continue
        for w in words:
            n = head.count(w)
            if n:
                found[label] += n
    if not found:
        return None
    top = found.most_common(2)
    if len(top) > 1 and top[1][1] >= top[0][1]:
        return None
    return top[0][0]
