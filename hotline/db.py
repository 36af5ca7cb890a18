"""Write transactions that queue well on both databases.

SQLite allows one writer at a time. Left to itself, a waiting writer polls in SQLite's
busy handler with sleeps of up to 100 ms, which makes latency jump under concurrent
load. ``write_transaction`` first takes a blocking ``flock`` on a file beside the
database, so writers (threads and processes alike) queue in the kernel and each wakes
the moment the previous one commits. On PostgreSQL it is a plain ``atomic`` block; row
locks do the ordering there.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


def _gate_path() -> str | None:
    if connection.vendor != "sqlite":
        return None
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        return None
    return f"{name}.writelock"


@contextmanager
def write_gate() -> Iterator[None]:
    """Hold the SQLite writers' queue (no-op on PostgreSQL or inside a transaction)."""
    path = _gate_path()
    if path is None or connection.in_atomic_block:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@contextmanager
def write_transaction() -> Iterator[None]:
    with write_gate(), transaction.atomic():
        yield
