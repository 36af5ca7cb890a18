"""Per-process caches with cheap invalidation.

Each cached thing (unit index, catalogue, boundaries, learned preferences) is built
once per process. It is rebuilt when

* a row it depends on is saved or deleted in this process (signals call
  ``invalidate``), or
* a cheap "stamp" query (row counts, max ids, last update times), run at most every
  ``check_every`` seconds, differs from the one it was built with — that catches
  changes made by other processes, or
* it is older than ``max_age`` seconds (catches edits a stamp cannot see, such as a
  unit renamed by another process).

So a suggestion costs no query for these tables on the hot path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

_registry: list[Cached[object]] = []


class Cached(Generic[T]):
    def __init__(
        self,
        build: Callable[[], T],
        stamp: Callable[[], object],
        *,
        check_every: float = 5.0,
        max_age: float = 120.0,
    ) -> None:
        self._build = build
        self._stamp = stamp
        self.check_every = check_every
        self.max_age = max_age
        self._value: T | None = None
        self._stamp_value: object = None
        self._built_at = 0.0
        self._checked_at = 0.0
        self._lock = threading.Lock()
        _registry.append(self)  # type: ignore[arg-type]

    def invalidate(self) -> None:
        self._value = None

    def get(self) -> T:
        now = time.monotonic()
        value = self._value
        if value is not None and now - self._checked_at < self.check_every:
            return value
        with self._lock:
            value = self._value
            stamp = self._stamp()
            self._checked_at = now
            fresh = value is not None and stamp == self._stamp_value and now - self._built_at < self.max_age
            if fresh and value is not None:
                return value
            value = self._build()
            self._value, self._stamp_value, self._built_at = value, stamp, now
            return value


def reset_all() -> None:
    """Drop every routing cache (tests, after bulk loads)."""
    for cached in _registry:
        cached.invalidate()
