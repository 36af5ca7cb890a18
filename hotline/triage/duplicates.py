"""Repeat requests (重复件): the open tickets most likely about the same matter.

Reads only a bounded recent window of tickets (``created_at`` is indexed), newest first,
at most ``MAX_CANDIDATES`` rows, within the caller's data scope when one is given. The
score mixes text similarity (character bigram cosine on the normalised title + text),
the same place (unit), address overlap and recency; each part is reported as a reason.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from hotline.triage.text import normalise

WINDOW_DAYS = 30
MAX_CANDIDATES = 2000
MIN_SCORE = 0.35
# Characters that carry no meaning for "same matter".
_SKIP = set(" ,.!?;:，。！？；：、…\"'()（）《》“”‘’-—_/\\")


def bigrams(text: str) -> Counter[str]:
    s = "".join(ch for ch in text if ch not in _SKIP)
    return Counter(s[i : i + 2] for i in range(len(s) - 1)) if len(s) > 1 else Counter(s)


def cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(k, 0) for k, v in a.items())
    if not dot:
        return 0.0
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb)


def _doc(title: str, text: str) -> Counter[str]:
    return bigrams(normalise(title, 200) + " " + normalise(text, 1500))


def score_pair(
    new: Counter[str], new_addr: Counter[str], new_unit: int | None, row: Mapping[str, Any], now: datetime
) -> tuple[float, list[str]]:
    reasons: list[str] = []
    sim = cosine(new, _doc(row.get("title") or "", row.get("text") or ""))
    score = 0.7 * sim
    if sim >= 0.2:
        reasons.append(f"内容相似度 {sim:.2f}")
    if new_unit is not None and row.get("place_id") == new_unit:
        score += 0.15
        reasons.append("属地相同")
    if new_addr and row.get("address"):
        asim = cosine(new_addr, bigrams(normalise(row["address"], 300)))
        if asim >= 0.5:
            score += 0.1 * asim
            reasons.append(f"地址相近 {asim:.2f}")
    created = row.get("created_at")
    if isinstance(created, datetime):
        age_days = max(0.0, (now - created).total_seconds() / 86400)
        recency = max(0.0, 1 - age_days / WINDOW_DAYS)
        score += 0.05 * recency
        if age_days <= 3:
            reasons.append("近3天内受理")
    return min(1.0, score), reasons


def find_duplicates(
    text: str,
    *,
    title: str = "",
    place_unit_id: int | None = None,
    address: str = "",
    scope_queryset: Any = None,
    now: datetime | None = None,
    limit: int = 5,
) -> list[dict[str, Any]]:
    """Open tickets probably about the same matter, best first: dicts with number, score,
    reasons, title, state and created_at (ISO string)."""
    from django.utils import timezone

    from hotline.tickets.lifecycle import END_STATES
    from hotline.tickets.models import Ticket

    now = now or timezone.now()
    new = _doc(str(title or ""), str(text or ""))
    if not new:
        return []
    new_addr = bigrams(normalise(address or "", 300))
    qs = scope_queryset if scope_queryset is not None else Ticket.objects.all()
    rows = (
        qs.filter(
            created_at__gte=now - timedelta(days=WINDOW_DAYS), created_at__lte=now + timedelta(minutes=5)
        )
        .exclude(state__in=END_STATES)
        .order_by("-created_at")
        .values("number", "title", "text", "state", "place_id", "address", "created_at")[:MAX_CANDIDATES]
    )
    scored = []
    for row in rows:
        score, reasons = score_pair(new, new_addr, place_unit_id, row, now)
        if score >= MIN_SCORE:
            scored.append((score, row, reasons))
    scored.sort(key=lambda t: (-t[0], -t[1]["created_at"].timestamp()))
    out = []
    for score, row, reasons in scored[: max(0, int(limit))]:
        out.append(
            {
                "number": row["number"],
                "score": round(score, 4),
                "reasons": reasons,
                "title": row["title"],
                "state": row["state"],
                "created_at": row["created_at"].isoformat(),
            }
        )
    return out
