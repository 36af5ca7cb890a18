"""常用语 for the intake page: the phrases an admin set for the call's topic."""

from __future__ import annotations

from hotline.knowledge.models import StockPhrase

MAX_SHOWN = 8


def _path(topic: str) -> tuple[str, ...]:
    # Admins may write 城乡建设/市政设施 or 城乡建设 / 市政设施: both name the same branch.
    return tuple(part.strip() for part in (topic or "").split("/") if part.strip())


def phrases_for(topic: str) -> list[StockPhrase]:
    """The active phrases for ``topic`` (a taxonomy path): the general ones and those whose
    branch it falls under, most specific first, then in the admins' order. The table is
    a few dozen rows an admin keeps: read whole."""
    path = _path(topic)
    fitting = [
        p for p in StockPhrase.objects.filter(active=True) if path[: len(_path(p.topic))] == _path(p.topic)
    ]
    return sorted(fitting, key=lambda p: (-len(_path(p.topic)), p.position, p.pk))[:MAX_SHOWN]
