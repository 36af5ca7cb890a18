"""Hotspot computation time on a synthetic window of N tickets (in memory, no writes).

    python bench/hotspots.py --tickets 1000000 [--baseline]

Runs on a scratch SQLite database (only the unit names are read from it). Prints the
time of each stage, how pure the top groups are (share of their tickets that are one
true place + matter), and with ``--baseline`` the time scikit-learn's
``TfidfVectorizer`` takes to vectorise the same texts, as the unit of comparison.

Texts are built from 400 places × 60 matters with varied wording, so the window holds
many true groups and much noise; places are spread over 300 place units, topics over 15
level-1 labels, as a month of a large prefecture's hotline would be.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

MATTERS = [
    "油烟扰民",
    "噪音扰民",
    "垃圾清运不及时",
    "路灯不亮",
    "下水道堵塞",
    "违章停车占道",
    "电梯故障",
    "物业乱收费",
    "停水",
    "停电",
    "工地夜间施工",
    "广场舞噪音",
    "占道经营",
    "积水内涝",
    "拖欠工资",
    "学校周边交通拥堵",
    "公交站台破损",
    "树木倒伏",
    "污水直排",
    "小区消防通道堵塞",
]
FILLER = [
    "请相关部门尽快处理",
    "已经反映多次没有解决",
    "严重影响居民生活",
    "希望政府管一管",
    "每天晚上都这样",
    "老人小孩都受不了",
    "多次投诉无果",
    "请尽快派人查看",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--baseline", action="store_true")
    args = parser.parse_args()
    scratch = Path(tempfile.gettempdir()) / "bench_hotspots.sqlite3"
    scratch.unlink(missing_ok=True)
    os.environ["HOTLINE_DATABASE_URL"] = f"sqlite:///{scratch}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.utils import timezone

    from hotline.analytics import hotspots, textvec

    rng = random.Random(7)
    end = timezone.now()
    places = [f"第{i}街道{rng.choice('东西南北')}{i % 97}号路" for i in range(400)]
    rows = []
    for i in range(args.tickets):
        p = rng.randrange(400)
        m = (
            rng.randrange(len(MATTERS))
            if rng.random() < 0.6
            else rng.randrange(len(MATTERS) * 3) % len(MATTERS)
        )
        text = f"{places[p]}附近{MATTERS[m]},{rng.choice(FILLER)},{rng.choice(FILLER)}{rng.randrange(10000)}"
        rows.append(
            {
                "id": i,
                "number": f"B{i:012d}",
                "title": "",
                "text": text,
                "topic": f"T{m % 15} / x",
                "place_id": 1000 + p % 300,
                "lead_unit_id": None,
                "urgency": "一般",
                "emotion": "平静",
                "created_at": end - timedelta(seconds=rng.randrange(30 * 86400)),
                "lat": None,
                "lng": None,
                "truth": (p, m),
            }
        )
    rows.sort(key=lambda r: r["created_at"])
    docs = [hotspots._doc(r) for r in rows]
    started = time.perf_counter()
    textvec.tfidf(docs, max_df=0.05)
    vectorise = time.perf_counter() - started
    started = time.perf_counter()
    found = hotspots.find_hotspots(hotspots.DataScope(everything=True), as_of=end, rows=rows, top=10)
    elapsed = time.perf_counter() - started
    print(f"{args.tickets:,} tickets in a 30-day window: {len(found)} hotspots shown")
    print(f"  find_hotspots        {elapsed:8.1f} s  (of which vectorising ≈ {vectorise:.1f} s)")
    if args.baseline:
        from sklearn.feature_extraction.text import TfidfVectorizer

        started = time.perf_counter()
        TfidfVectorizer(
            analyzer="char", ngram_range=(2, 3), min_df=2, max_df=0.05, sublinear_tf=True
        ).fit_transform(docs)
        sk = time.perf_counter() - started
        print(
            f"  baseline: scikit-learn TfidfVectorizer alone {sk:.1f} s (find_hotspots = {elapsed / sk:.2f}x)"
        )
    truth = {r["number"]: r["truth"] for r in rows}
    for h in found[:10]:
        top_share = max(Counter(truth[n] for n in h.tickets).values()) / h.count
        print(f"   {h.name}  (purity {top_share:.0%})")


if __name__ == "__main__":
    main()
