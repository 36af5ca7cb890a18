"""What the HTTP benches share: a JSON call to the server under test, the threaded load
runner that fires requests at it, and the percentile they report.

``run`` starts ``clients`` threads that share the requests i = 0, 1, 2 … (thread w does
w, w + clients, w + 2·clients …): the first ``requests`` of them, or as many as fit in
``seconds``. Each request is ``one(i)``, which returns its latency in seconds, or None
for a failure (an exception is a failure too); ``timed`` makes such a function of one
that only does the request.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any


def call(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the server under test
        return json.loads(response.read())


def percentile(ordered: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) of ``ordered`` (sorted, not empty): the value at rank q·n."""
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(one: Callable[[int], Any]) -> Callable[[int], float]:
    """``one`` as ``run`` calls it: the request i, answered with its latency (s)."""

    def request(i: int) -> float:
        started = time.perf_counter()
        one(i)
        return time.perf_counter() - started

    return request


def run(
    name: str,
    clients: int,
    one: Callable[[int], float | None],
    *,
    requests: int | None = None,
    seconds: float | None = None,
) -> dict[str, Any]:
    """``one(i)`` for i = 0 … ``requests`` - 1, or until ``seconds`` have passed, from
    ``clients`` threads: the successes (``ok``), the failures (``errors``), the rate of
    successes per second and their median and p99 latency (ms)."""
    if (requests is None) == (seconds is None):
        raise ValueError("run needs either requests or seconds")
    stop = None if seconds is None else time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker(w: int) -> None:
        i = w
        while (requests is None or i < requests) and (stop is None or time.monotonic() < stop):
            try:
                took = one(i)
            except Exception:
                took = None
            with lock:
                if took is None:
                    errors[0] += 1
                else:
                    latencies.append(took)
            i += clients

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()

    def pct(q: float) -> float:
        return percentile(latencies, q) * 1000 if latencies else 0.0

    return {
        "name": name,
        "ok": len(latencies),
        "errors": errors[0],
        "per_second": len(latencies) / elapsed,
        "p50_ms": pct(0.5),
        "p99_ms": pct(0.99),
    }
