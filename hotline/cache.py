"""The per-process cache: a value built once per process, rebuilt when it may be stale.

Some things are read on every request and change rarely: the unit index, the duty
catalogue, the boundaries and the learned preferences (routing), the deadline policies
and the working calendar (sla), the taxonomy, the gazetteer and the serving model
(triage). Each is one ``Cached``, and ``get()`` answers:

* within ``check_every`` seconds of the last check: the value as it is, no query;
* then the ``stamp`` is read — a cheap query (row count, max id, last update, a revision
  number) or a file's mtime — and the value is rebuilt only when the stamp differs from
  the one it was built with. That is how changes made by other processes arrive. Without
  a stamp, every check rebuilds: the value simply lives ``check_every`` seconds;
* ``max_age`` (optional): rebuilt anyway when older, for edits no stamp sees (a unit
  renamed by another process);
* ``keep_on_error``: a failing build is logged and the previous value kept (its stamp
  too, so the next check tries again) — for a file that may be half-written.

A build may return None ("nothing to serve"): nothing is kept then, and the next call
checks again. ``invalidate()`` drops the value — this process changed a row (signals,
admin saves); ``reset_all()`` drops every cache (tests, after bulk loads). ``pin(value)``
serves a given value until the next ``invalidate`` (a model chosen on the command line).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar, cast

T = TypeVar("T")

log = logging.getLogger(__name__)

_registry: list[Cached[object]] = []


class Cached(Generic[T]):
    def __init__(
        self,
        name: str,
        build: Callable[[], T],
        *,
        stamp: Callable[[], object] | None = None,
        check_every: float,
        max_age: float | None = None,
        keep_on_error: bool = False,
    ) -> None:
        self.name = name
        self._build = build
        self._stamp = stamp
        self.check_every = check_every
        self.max_age = max_age
        self.keep_on_error = keep_on_error
        self._value: T | None = None
        self._stamp_value: object = None
        self._built_at = 0.0
        self._checked_at = 0.0
        self._pinned = False
        self._lock = threading.Lock()
        _registry.append(self)  # type: ignore[arg-type]

    def invalidate(self) -> None:
        self._value, self._pinned = None, False

    def pin(self, value: T) -> None:
        """Serve ``value`` without checking until ``invalidate``; None unpins."""
        self._value, self._pinned = value, value is not None

    def get(self) -> T:
        now = time.monotonic()
        value = self._value
        if value is not None and (self._pinned or now - self._checked_at < self.check_every):
            return value
        with self._lock:
            value = self._value
            stamp = self._stamp() if self._stamp is not None else None
            self._checked_at = now
            if value is not None and self._still_good(stamp, now):
                return value
            try:
                value = self._build()
            except Exception:
                if not self.keep_on_error:
                    raise
                log.exception("%s: rebuild failed; serving the previous value", self.name)
                return cast(T, self._value)
            self._value, self._stamp_value, self._built_at = value, stamp, now
            return value

    def _still_good(self, stamp: object, now: float) -> bool:
        """Whether the value built with the previous stamp may serve on (no stamp: never)."""
        if self._stamp is None or stamp != self._stamp_value:
            return False
        return self.max_age is None or now - self._built_at < self.max_age


def reset_all() -> None:
    """Drop every cache of this process (tests, after bulk loads)."""
    for cached in _registry:
        cached.invalidate()
