"""The platform's notion of "now".

Actions and the audit chain read the time here, so that the demo generator can replay
a realistic history (tickets over past weeks) through the very same action functions.
Outside ``replaying_at`` it is simply ``timezone.now()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_override: ContextVar[datetime | None] = ContextVar("hotline_clock_override", default=None)


def now() -> datetime:
    return _override.get() or timezone.now()


@contextmanager
def replaying_at(moment: datetime) -> Iterator[None]:
    """Within this block, actions happen at ``moment`` (an aware datetime)."""
    if timezone.is_naive(moment):
        raise ValueError("replaying_at needs an aware datetime")
    token = _override.set(moment)
    try:
        yield
    finally:
        _override.reset(token)
