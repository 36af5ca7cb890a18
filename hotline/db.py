"""Write transactions that queue well on both databases.

SQLite allows one writer at a time. Left to itself, a waiting writer polls in SQLite's
busy handler with sleeps of up to 100 ms, which makes latency jump under concurrent
load. ``write_transaction`` first takes a blocking ``flock`` on a file beside the
database, so writers (threads and processes alike) queue in the kernel and each wakes
the moment the previous one commits. On PostgreSQL it is a plain ``atomic`` block; row
locks do the ordering there.

What follows a commit (``after_writes``: notifications, the SMS gateway, the 110 link)
runs once the writers' queue is released, not while it is held: a gateway that takes
seconds to answer must not hold up every other writer on SQLite.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction


class _FifoLock:
    """A lock that serves threads in arrival order. ``flock`` is not fair: a thread that
    just released it often takes it again, and others starve. Queuing the threads of one
    process here first leaves at most one contender per process at the file lock."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next_ticket = 0
        self._serving = 0

    def __enter__(self) -> None:
        with self._cond:
            ticket = self._next_ticket
            self._next_ticket += 1
            while ticket != self._serving:
                self._cond.wait()

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._serving += 1
            self._cond.notify_all()


_process_queue = _FifoLock()


def _gate_path() -> str | None:
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return f"{name}.writelock"


_held = threading.local()
log = logging.getLogger(__name__)


def after_writes(work: Callable[[], object]) -> None:
    """Run ``work`` (after-commit work, e.g. a gateway call) now, or, while this thread
    holds the SQLite writers' queue, right after it lets go of it. Each piece runs once;
    one failing is logged and the others still run (``on_commit(robust=True)``'s way)."""
    if not getattr(_held, "gate", False):
        work()
        return
    pending: list[Callable[[], object]] = getattr(_held, "pending", [])
    pending.append(work)
    _held.pending = pending


def _run_pending() -> None:
    pending: list[Callable[[], object]] = getattr(_held, "pending", [])
    _held.pending = []
    for work in pending:
        try:
            work()
        except Exception:
            log.exception("after-commit work failed")


@contextmanager
def write_gate() -> Iterator[None]:
    """Hold the SQLite writers' queue (no-op on PostgreSQL, inside a transaction, or
    when this thread holds it already: the after-commit followers of an action run
    while its gate is still held, and write in transactions of their own)."""
    path = _gate_path()
    if path is None or connection.in_atomic_block or getattr(_held, "gate", False):
        yield
        return
    try:
        with _process_queue:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                _held.gate = True
                yield
            finally:
                _held.gate = False
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
    finally:
        _run_pending()  # out of both locks: the work may write (and queue) again


@contextmanager
def write_transaction() -> Iterator[None]:
    with write_gate(), transaction.atomic():
        yield


def checkpoint_sqlite() -> None:
    """Copy the SQLite write-ahead log into the database without blocking writers.

    Left to ``wal_autocheckpoint``, the request that happens to fill the log pays for
    the checkpoint (copy + fsync) while holding the write lock, and every writer queued
    behind it waits: that is the long tail of intake latency. The worker calls this every
    few seconds so that the automatic checkpoint (raised to 10,000 pages) seldom fires.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")


def optimize_sqlite() -> None:
    """Refresh SQLite's statistics where they are stale (``PRAGMA optimize``): without
    them, at a hundred thousand tickets SQLite picks poor indexes for event look-ups."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")


def run_checkpoints(every: float = 2.0, optimize_every: float = 600.0) -> None:  # pragma: no cover - a loop
    import logging
    import time

    from django.db import connections

    last_optimize = time.monotonic()
    optimize_sqlite()
    while True:
        try:
            checkpoint_sqlite()
            if time.monotonic() - last_optimize >= optimize_every:
                optimize_sqlite()
                last_optimize = time.monotonic()
        except Exception:
            logging.getLogger(__name__).exception("WAL checkpoint failed")
        finally:
            connections.close_all()
        time.sleep(every)
