"""Triage of an import's batches in a worker process, beside the writing.

Triage is a third of an import's work. Where there is a second CPU and ``fork`` (Linux),
one worker process triages the next batch while the batch before it is written
(``Triage``); elsewhere, or when the worker fails, the import triages in its own process.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from hotline.tickets import actions as a
from hotline.tickets import replay

log = logging.getLogger(__name__)


def default_workers() -> int:
    """One worker process for triage where there is a second CPU and ``fork`` (Linux):
    triage is a third of an import's work, and the worker does it beside the writing."""
    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return 1


class Triage:
    """Triage of each batch's contacts in a worker process, while the batch before it is
    written (``workers``: 0 = none, triage runs in the import's own process, row by row).

    Every imported ticket is triaged either way, by the same code (``replay.triage``:
    ``triage.analyse`` as ``create_ticket`` calls it) on the same model, cue words and
    gazetteer: the worker is forked from the import once those are loaded, and serves
    them as they were (``Cached.pin``) without touching the database — it has none. When
    the worker fails (or any row's triage raises there), that batch is triaged here, as
    without a worker: a worker never changes what an imported ticket says."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None

    def submit(self, contacts: list[a.NewContact]) -> Future[list[dict[str, Any]]] | None:
        if self.workers <= 0:
            return None
        try:
            if self.pool is None:
                replay.triage(a.NewContact(channel="phone", text="预热"))  # load what triage reads
                self.pool = ProcessPoolExecutor(
                    self.workers, mp_context=multiprocessing.get_context("fork"), initializer=_worker_start
                )
            return self.pool.submit(
                _triage_in_worker, [(c.title, c.text, c.channel, c.address) for c in contacts]
            )
        except Exception:
            log.exception("import: no triage worker; triaging in this process")
            self.workers = 0
            return None

    @staticmethod
    def result(future: Future[list[dict[str, Any]]] | None, count: int) -> list[dict[str, Any] | None]:
        if future is not None:
            try:
                suggestions = future.result()
                if len(suggestions) == count:
                    return list(suggestions)
            except Exception:
                log.warning("import: the triage worker failed on a batch; triaging it here", exc_info=True)
        return [None] * count

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


_INHERITED: list[Any] = []  # the import's database connections, as the worker got them


def _worker_start() -> None:
    """In the forked worker: the import's database connections are the import's (kept,
    never used nor closed: closing one would end the import's session), any use of a
    database raises, and the caches triage reads serve what the import had loaded."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the import, which stops this
    from django.db import connections

    from hotline import cache

    def no_database(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the import's triage worker has no database")

    for conn in connections.all():
        _INHERITED.append(conn.connection)
        conn.connection = None
        conn.connect = no_database  # type: ignore[method-assign]
    for cached in cache._registry:
        if cached._value is not None:
            cached.pin(cached._value)


def _triage_in_worker(items: list[tuple[str, str, str, str]]) -> list[dict[str, Any]]:
    from hotline.tickets.actions.intake import _compact
    from hotline.triage.engine import _analyse

    # ``_analyse``, not ``analyse``: a failure raises here and the batch is triaged in the
    # import's process, where ``analyse`` handles it as every intake does.
    return [
        _compact(_analyse(title, text, channel, address).to_dict()) for title, text, channel, address in items
    ]
