"""Triage speed and size figures (prints, never fails).

    python bench/triage.py [--n 4000] [--real]

Measures, on one core: model load time, full ``analyse`` throughput on a batch of
synthetic requests (and of real-length requests: three synthetic ones joined), single
request latency (p50/p99), model file size; with ``--real`` and the real data present,
the cold-start macro-F1 of the shipped default model on the dev messages. Ratios are
against a baseline measured in the same run: the rules alone (no model, no gazetteer).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# Triage reads the tickets' choices, so Django is set up; no database (no gazetteer).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
os.environ.setdefault("HOTLINE_DATABASE_URL", "sqlite:///:memory:")

REAL = (
    Path(__file__).resolve().parents[1].parent / "shared" / "data" / "teddy2020" / "messages_labeled_dev.csv"
)


def _rate(fn, items) -> float:  # type: ignore[no-untyped-def]
    """Requests per second of CPU time of this process (one core; immune to other load)."""
    t = time.process_time()
    for title, text in items:
        fn(title, text)
    return len(items) / max(time.process_time() - t, 1e-9)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument(
        "--real", action="store_true", help="also measure cold-start macro-F1 on the real dev set"
    )
    args = ap.parse_args()

    import django

    django.setup()
    from hotline.triage import analyse, rules
    from hotline.triage.corpus import generate
    from hotline.triage.model import DEFAULT_DIR, TextModel, get_model
    from hotline.triage.text import join_fields

    t = time.perf_counter()
    TextModel.load(DEFAULT_DIR)
    load_s = time.perf_counter() - t
    size = sum(p.stat().st_size for p in DEFAULT_DIR.iterdir())
    get_model()

    rows = generate(args.n, seed=99)
    short = [(str(r["title"]), str(r["text"])) for r in rows]
    long = [
        (short[i][0], short[i][1] + short[i + 1][1] + short[i + 2][1]) for i in range(0, len(short) - 2, 3)
    ]
    analyse(*short[0])  # warm caches

    base = _rate(lambda a, b: rules.apply(join_fields(a, b), len(a)), short)
    full = _rate(analyse, short)
    full_long = _rate(analyse, long)

    lat, wall = [], []
    for title, text in long[:1000] + short[:1000]:
        t, w = time.thread_time(), time.perf_counter()
        analyse(title, text)
        lat.append((time.thread_time() - t) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    lat.sort()
    wall.sort()
    p50, p99 = lat[len(lat) // 2], lat[int(len(lat) * 0.99) - 1]
    wall_p99 = wall[int(len(wall) * 0.99) - 1]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    avg_short = sum(len(b) for _, b in short) / len(short)
    avg_long = sum(len(b) for _, b in long) / len(long)

    print("triage bench (one core)")
    print(f"  model files            {size / 1e6:8.2f} MB   (limit 50 MB)")
    print(f"  model load             {load_s * 1000:8.1f} ms   (limit 2000 ms)")
    print(f"  baseline: rules only   {base:8.0f} req/s")
    print(
        f"  full triage, batch     {full:8.0f} req/s  = {full / base:.2f}× baseline   (avg {avg_short:.0f} chars; target ≥ 2000)"
    )
    print(
        f"  full triage, long      {full_long:8.0f} req/s  = {full_long / base:.2f}× baseline   (avg {avg_long:.0f} chars)"
    )
    print(f"  single request (CPU)   p50 {p50:.2f} ms, p99 {p99:.2f} ms   (target p99 ≤ 5 ms)")
    print(f"  single request (wall)  p99 {wall_p99:.2f} ms   (machine load average {load:.1f})")

    if args.real:
        if not REAL.exists():
            print("  real data absent: cold-start figure skipped")
            return
        from hotline.triage.training import metrics, read_rows

        docs, labels, rows = read_rows(REAL, ["title", "text"], "label")
        real = [(r["title"], r["text"]) for r in rows] * 4
        avg_real = sum(len(b) for _, b in real) / len(real)
        print(f"  full triage, real msgs {_rate(analyse, real):8.0f} req/s   (avg {avg_real:.0f} chars)")
        model = TextModel.load(DEFAULT_DIR)
        m = metrics(labels, model.predict(docs))
        print(
            f"  cold start (default model → 7 real labels): macro-F1 {m['macro_f1']:.4f}, accuracy {m['accuracy']:.4f}"
        )


if __name__ == "__main__":
    main()
