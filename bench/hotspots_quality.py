"""Hotspot quality on a labelled synthetic window: today's method beside the old one.

    python bench/hotspots_quality.py [--tickets 6000] [--days 365] [--seed 2] [--old-rev 4704e9d]

The window comes from ``bench/hotspots_corpus.py`` (several matters per place, varied
wording, noise, clusters spread over long windows, a sparse cluster over a year). Both
methods see the same rows. The old method is the ``hotline/analytics/hotspots.py`` of
git revision ``--old-rev`` (the one measured in issue 15), loaded from git at run time.

Figures, over every true cluster of at least ``--min-size`` messages:
- recall: the share of the cluster's messages found in its best hotspot (the hotspot
  holding most of them), averaged over clusters (and weighted by size);
- purity: the share of a hotspot's messages from its main true cluster (noise counts
  against it), averaged over the hotspots that are some cluster's best;
- top-10: how many of the ten largest true clusters are the main cluster of a hotspot
  in the top ten shown.

With ``--real`` it also runs both on the 2019 messages of ../shared/data/teddy2020
(no labels: it prints the top hotspots of each, for reading) when the folder is there.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
BJ = ZoneInfo("Asia/Shanghai")


def setup() -> None:
    scratch = Path(tempfile.gettempdir()) / f"bench_hotspots_q_{os.getpid()}.sqlite3"
    os.environ["HOTLINE_DATABASE_URL"] = f"sqlite:///{scratch}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _load(rev: str, name: str) -> Any:
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:hotline/analytics/{name}.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.gettempdir()) / f"{name}_{rev}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"{name}_{rev}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def old_module(rev: str) -> Any:
    """The old hotspots with the spot names and vectoriser of its own revision."""
    module = _load(rev, "hotspots")
    module.spot_names = _load(rev, "spot_names")
    module.textvec = _load(rev, "textvec")
    return module


def score(groups: list[list[str]], truth: dict[str, int], min_size: int) -> dict[str, float]:
    sizes = Counter(t for t in truth.values() if t >= 0)
    clusters = [c for c, s in sizes.items() if s >= min_size]
    best: dict[int, tuple[int, int]] = {}  # cluster -> (found, hotspot index)
    for gi, g in enumerate(groups):
        for c, k in Counter(truth[n] for n in g).items():
            if c >= 0 and k > best.get(c, (0, -1))[0]:
                best[c] = (k, gi)
    recalls = [best.get(c, (0, -1))[0] / sizes[c] for c in clusters]
    weighted = sum(best.get(c, (0, -1))[0] for c in clusters) / max(1, sum(sizes[c] for c in clusters))
    shown = {gi for c in clusters if (gi := best.get(c, (0, -1))[1]) >= 0}
    # Noise as its own "cluster" must not make a hotspot pure.
    purities = [
        Counter(truth[n] for n in groups[gi] if truth[n] >= 0).most_common(1)[0][1] / len(groups[gi])
        if any(truth[n] >= 0 for n in groups[gi])
        else 0.0
        for gi in shown
    ]
    top_clusters = [c for c, _ in sizes.most_common(10)]
    mains = {Counter(truth[n] for n in g).most_common(1)[0][0] for g in groups[:10]}
    return {
        "clusters": len(clusters),
        "recall": sum(recalls) / max(1, len(recalls)),
        "recall_weighted": weighted,
        "recall_min": min(recalls) if recalls else 0.0,
        "purity": sum(purities) / max(1, len(purities)),
        "purity_min": min(purities) if purities else 0.0,
        "top10": sum(1 for c in top_clusters if c in mains),
        "hotspots": len(groups),
    }


def line(name: str, s: dict[str, float], seconds: float) -> str:
    return (
        f"  {name:<8} recall {s['recall']:.3f} (weighted {s['recall_weighted']:.3f}, min {s['recall_min']:.2f})"
        f"  purity {s['purity']:.3f} (min {s['purity_min']:.2f})  top-10 {int(s['top10'])}/10"
        f"  hotspots {int(s['hotspots'])}  {seconds:.1f} s"
    )


def run(module: Any, rows: list[dict[str, Any]], end: datetime, days: int) -> tuple[list[Any], float]:
    from hotline.org.scope import DataScope

    started = time.perf_counter()
    found = module.find_hotspots(DataScope(everything=True), as_of=end, days=days, rows=rows, top=0)
    return found, time.perf_counter() - started


def real(old: Any, new: Any) -> None:
    path = ROOT.parent / "shared" / "data" / "teddy2020" / "messages_with_replies.csv"
    if not path.exists():
        print("real data: ../shared/data/teddy2020 not found, skipped")
        return

    with path.open(encoding="utf-8") as f:
        messages = [m for m in csv.DictReader(f) if m["time"].startswith("2019")]
    rows = []
    for i, m in enumerate(messages):
        rows.append(
            {
                "id": i + 1,
                "number": f"R{i + 1:06d}",
                "title": m["title"],
                "text": m["text"],
                "topic": "",
                "place_id": None,
                "lead_unit_id": None,
                "urgency": "一般",
                "emotion": "平静",
                "created_at": datetime.fromisoformat(m["time"]).replace(tzinfo=BJ),
                "lat": None,
                "lng": None,
            }
        )
    rows.sort(key=lambda r: r["created_at"])
    end = datetime(2019, 12, 31, 23, 59, tzinfo=BJ)
    print(f"\nreal: {len(rows)} messages of 2019 (teddy2020), 365-day window, top 8 of each:")
    for name, module in (("old", old), ("new", new)):
        found, seconds = run(module, rows, end, 365)
        print(f"  {name}: {len(found)} hotspots, {seconds:.1f} s")
        for h in found[:8]:
            print(f"     {h.count:3d}  {h.name}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=6000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--min-size", type=int, default=5)
    parser.add_argument("--old-rev", default="4704e9d")
    parser.add_argument("--real", action="store_true")
    args = parser.parse_args()
    setup()
    import hotspots_corpus

    from hotline.analytics import hotspots

    old = old_module(args.old_rev)
    end = datetime(2025, 12, 31, 23, 0, tzinfo=BJ)
    rows = hotspots_corpus.window(args.tickets, end=end, days=args.days, seed=args.seed)
    truth = {r["number"]: r["truth"] for r in rows}
    sizes = Counter(t for t in truth.values() if t >= 0)
    print(
        f"{len(rows):,} messages over {args.days} days (seed {args.seed}): {len(sizes)} true clusters,"
        f" {sum(1 for s in sizes.values() if s >= args.min_size)} of ≥ {args.min_size},"
        f" noise {sum(1 for t in truth.values() if t < 0) / len(rows):.0%}"
    )
    for name, module in ((f"old {args.old_rev}", old), ("new", hotspots)):
        found, seconds = run(module, rows, end, args.days)
        print(line(name, score([h.tickets for h in found], truth, args.min_size), seconds))
    if args.real:
        real(old, hotspots)


if __name__ == "__main__":
    main()
