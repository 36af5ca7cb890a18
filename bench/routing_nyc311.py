"""Routing on real data: NYC 311 service requests → the responsible agency.

Usage::

    python bench/routing_nyc311.py [--file ../shared/data/nyc311/service_requests_2023-02_sample.csv]

Reads the file at run time (and exits cleanly, status 0, when it is absent: the data
is never copied into the repository). Sorts the requests by Created Date, learns on
the earlier 80 % and tests on the later 20 %, and prints the accuracy of

* the majority class (every request to the agency most often responsible),
* a complaint-type lookup (the agency most often responsible for the complaint type),
* the learned router — the same idea as ``hotline.routing``'s learned preferences: for
  the matter (complaint type / descriptor, like a topic path) at the place (borough,
  zip — like township / county), count which agency ended up responsible; answer with
  the most specific (matter, place) key seen at least ``--min-support`` times, backing
  off to (matter), then (complaint type, place), then (complaint type), then majority,
* a one-hot logistic regression on the same fields, if scikit-learn is installed,

each with a 95 % Wilson interval, and where the router and the lookup disagree.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "nyc311"
DEFAULT_FILE = DEFAULT / "service_requests_2023-02_sample.csv"


def load(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("Agency") and r.get("Complaint Type")]
    for r in rows:
        r["_t"] = datetime.strptime(r["Created Date"], "%m/%d/%Y %I:%M:%S %p").isoformat()  # noqa: DTZ007
    rows.sort(key=lambda r: (r["_t"], r.get("Unique Key", "")))
    return rows


def keys(r: dict[str, str]) -> list[tuple[str, ...]]:
    """Most specific first: (matter, place) … (complaint type)."""
    ct, desc = r["Complaint Type"].strip().lower(), r.get("Descriptor", "").strip().lower()
    boro, zipc = r.get("Borough", "").strip().lower(), r.get("Incident Zip", "").strip()[:5]
    loc = r.get("Location Type", "").strip().lower()
    return [
        ("ct-desc-zip", ct, desc, zipc),
        ("ct-desc-boro", ct, desc, boro),
        ("ct-desc-loc", ct, desc, loc),
        ("ct-desc", ct, desc),
        ("ct-boro", ct, boro),
        ("ct-loc", ct, loc),
        ("ct", ct),
    ]


class BackoffRouter:
    def __init__(self, min_support: int = 2) -> None:
        self.min_support = min_support
        self.table: dict[tuple[str, ...], Counter[str]] = {}
        self.majority = ""

    def fit(self, rows: list[dict[str, str]]) -> BackoffRouter:
        for r in rows:
            for k in keys(r):
                self.table.setdefault(k, Counter())[r["Agency"]] += 1
        self.majority = Counter(r["Agency"] for r in rows).most_common(1)[0][0]
        return self

    def predict(self, r: dict[str, str]) -> str:
        for k in keys(r):
            counts = self.table.get(k)
            if counts and sum(counts.values()) >= (1 if k[0] == "ct" else self.min_support):
                return counts.most_common(1)[0][0]
        return self.majority


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (0.0, 0.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (centre - half, centre + half)


def report(name: str, preds: list[str], gold: list[str]) -> float:
    k = sum(p == g for p, g in zip(preds, gold, strict=True))
    lo, hi = wilson(k, len(gold))
    print(f"{name:42s}{k / len(gold):8.2%}   ({k}/{len(gold)}; 95% CI {lo:.1%}–{hi:.1%})")
    return k / len(gold)


def logistic(train: list[dict[str, str]], test: list[dict[str, str]]) -> list[str] | None:
    try:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        return None

    def feats(r: dict[str, str]) -> dict[str, float]:
        return {"|".join(k): 1.0 for k in keys(r)}

    vec = DictVectorizer()
    x = vec.fit_transform([feats(r) for r in train])
    model = LogisticRegression(max_iter=2000, C=5.0)
    model.fit(x, [r["Agency"] for r in train])
    return list(model.predict(vec.transform([feats(r) for r in test])))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--train", type=float, default=0.8)
    parser.add_argument("--min-support", type=int, default=2)
    args = parser.parse_args()
    if not args.file.exists():
        print(f"skipped: {args.file} not found (the NYC 311 sample is read at run time only)")
        return
    rows = load(args.file)
    cut = int(len(rows) * args.train)
    train, test = rows[:cut], rows[cut:]
    gold = [r["Agency"] for r in test]
    print(f"NYC 311: {len(rows)} requests, {len({r['Agency'] for r in rows})} agencies, "
          f"{len({r['Complaint Type'] for r in rows})} complaint types")  # fmt: skip
    print(f"time-ordered split: train {len(train)} (to {train[-1]['_t']}), test {len(test)} "
          f"(from {test[0]['_t']})\n")  # fmt: skip
    majority = Counter(r["Agency"] for r in train).most_common(1)[0][0]
    report(f"majority class ({majority})", [majority] * len(test), gold)
    lookup: dict[str, Counter[str]] = {}
    for r in train:
        lookup.setdefault(r["Complaint Type"], Counter())[r["Agency"]] += 1
    by_type = [lookup[r["Complaint Type"]].most_common(1)[0][0] if r["Complaint Type"] in lookup else majority
               for r in test]  # fmt: skip
    report("complaint-type lookup", by_type, gold)
    router = BackoffRouter(args.min_support).fit(train)
    routed = [router.predict(r) for r in test]
    report("learned router (matter × place back-off)", routed, gold)
    lr = logistic(train, test)
    if lr is not None:
        report("logistic regression (same features)", lr, gold)
    unseen = sum(r["Complaint Type"] not in lookup for r in test)
    print(f"\ntest requests whose complaint type never occurs in training: {unseen}")
    diff = Counter(
        (r["Complaint Type"], g, a, b)
        for r, g, a, b in zip(test, gold, by_type, routed, strict=True)
        if a != b
    )
    if diff:
        print("router vs lookup disagreements (complaint type: truth / lookup / router × n):")
        for (ct, g, a, b), n in diff.most_common(8):
            print(f"  {ct}: {g} / {a} / {b} × {n}")
    errors = Counter(
        (r["Complaint Type"], g, b) for r, g, b in zip(test, gold, routed, strict=True) if g != b
    )
    if errors:
        print("router's remaining errors (complaint type: truth → predicted × n):")
        for (ct, g, b), n in errors.most_common(8):
            print(f"  {ct}: {g} → {b} × {n}")


if __name__ == "__main__":
    main()
    sys.exit(0)
