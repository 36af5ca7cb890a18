"""Time-limit figures: deadline arithmetic across holidays, and the sweep's cost.

    python bench/sla.py [--db sqlite|postgresql|both] [--sizes 10000,1000000] [--due 1000]

1. Deadlines per second across the 2026 Spring Festival and National Day, for working
   days and working hours, next to plain ``datetime + timedelta`` in the same run.
2. Sweep cost: a fresh database holds N open tickets of which ``--due`` are due; the
   sweep (claim + warn/urge through the action functions) is timed for each N. The
   claim reads the ``next_due_at`` index, so its cost follows the due tickets, not N.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
BEIJING = ZoneInfo("Asia/Shanghai")


def deadline_figures() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    from hotline.sla.calendar import WorkingCalendar, seed_exceptions_from_package

    cal = WorkingCalendar(exceptions=seed_exceptions_from_package(), known_years=frozenset())
    rng = random.Random(7)
    periods = {
        "春节 2026 (2/10–2/28)": datetime(2026, 2, 10, tzinfo=BEIJING),
        "国庆 2026 (9/25–10/12)": datetime(2026, 9, 25, tzinfo=BEIJING),
    }
    n = 20_000
    print("\n== Deadline computation (one core) ==")
    for label, base in periods.items():
        starts = [base + timedelta(minutes=rng.randrange(0, 18 * 24 * 60)) for _ in range(n)]
        t0 = time.perf_counter()
        for s in starts:
            s + timedelta(days=5)
        plain = time.perf_counter() - t0
        t0 = time.perf_counter()
        for s in starts:
            cal.add_working_days(s, 5)
        days = time.perf_counter() - t0
        t0 = time.perf_counter()
        for s in starts:
            cal.add_working_hours(s, 2)
        hours = time.perf_counter() - t0
        print(
            f"{label}: 5 working days {n / days:,.0f}/s, 2 working hours {n / hours:,.0f}/s; "
            f"plain timedelta {n / plain:,.0f}/s (working days cost {days / plain:,.1f}× plain)"
        )


def _run(url: str, *args: str) -> None:
    env = {**os.environ, "HOTLINE_DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "hotline", *args], env=env, check=True, cwd=ROOT)  # noqa: S603


SWEEP_SCRIPT = r"""
import sys, time, json
from datetime import timedelta
from django.db import connection, transaction
from hotline import clock
from hotline.sla.sweep import sweep_all
from hotline.tickets.models import Ticket

total, due = int(sys.argv[1]), int(sys.argv[2])
now = clock.now()
future, past = now + timedelta(days=3), now - timedelta(days=2)
deadline_past = (now - timedelta(days=1)).isoformat()
cols = ("number,title,text,channel,type,topic,urgency,emotion,triage,address,citizen_name,phone,phone_last4,state,"
        "result,rehandle_count,urge_count,supervise_count,pending_request,satisfaction,created_at,updated_at,version,"
        "sign_deadline,next_due_at,sla,dispatched_at")
placeholders = ",".join(["%s"] * len(cols.split(",")))
sql = f"INSERT INTO tickets_ticket ({cols}) VALUES ({placeholders})"
sla_json = '{"units": {"sign": "working_hours"}, "start": {"sign": "%s"}, "done": []}' % (past.isoformat(),)
t0 = time.perf_counter()
batch = []
with connection.cursor() as cur:
    for i in range(total):
        is_due = i < due
        batch.append((f"B{i:012d}", "路灯不亮", "路灯不亮", "phone", "投诉类", "", "一般", "平静", "{}", "", "", "", "",
                      "dispatched", "", 0, 0, 0, "{}", "", now, now, 1,
                      past + timedelta(hours=1) if is_due else future, past if is_due else future, sla_json, past))
        if len(batch) == 20000:
            with transaction.atomic():
                cur.executemany(sql, batch)
            batch = []
    if batch:
        with transaction.atomic():
            cur.executemany(sql, batch)
load = time.perf_counter() - t0
t0 = time.perf_counter()
claim_ids = list(Ticket.objects.filter(next_due_at__lte=now).order_by("next_due_at").values_list("id", flat=True)[:200])
claim = time.perf_counter() - t0
t0 = time.perf_counter()
result = sweep_all(now=now)
elapsed = time.perf_counter() - t0
print(json.dumps({"total": total, "due": due, "load_s": load, "claim_ms": claim * 1000,
                  "sweep_s": elapsed, "claimed": result.claimed, "steps": result.steps}))
"""


def sweep_figures(db: str, sizes: list[int], due: int) -> None:
    import json

    import psycopg

    print(f"\n== Sweep on {db}: {due} due tickets among N open ==")
    rows = []
    for size in sizes:
        if db == "sqlite":
            tmp = tempfile.mkdtemp(prefix="hotline-bench-")
            url = f"sqlite:///{tmp}/sweep.sqlite3"
        else:
            name = f"hotline_bench_sweep_{size}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                conn.execute(f'CREATE DATABASE "{name}"')
            url = f"postgresql://postgres@127.0.0.1:5432/{name}"
        _run(url, "migrate", "--verbosity", "0")
        env = {**os.environ, "HOTLINE_DATABASE_URL": url, "HOTLINE_NOTIFY": "off"}
        out = subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "hotline",
                "shell",
                "-c",
                SWEEP_SCRIPT.replace("sys.argv[1]", str(size)).replace("sys.argv[2]", str(due)),
            ],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
        figures = json.loads(out.strip().splitlines()[-1])
        rows.append(figures)
        print(
            f"N = {size:>9,}: load {figures['load_s']:.1f} s, claim query {figures['claim_ms']:.2f} ms, "
            f"sweep {figures['sweep_s']:.2f} s for {figures['claimed']} due ({figures['steps']})"
        )
        if db == "postgresql":
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    if len(rows) >= 2:
        small, large = rows[0], rows[-1]
        print(
            f"open tickets ×{large['total'] / small['total']:,.0f} → sweep time ×{large['sweep_s'] / small['sweep_s']:.2f}, "
            f"claim ×{large['claim_ms'] / small['claim_ms']:.2f} (grows with the due tickets, not the open ones)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--skip-sweep", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    django.setup()
    deadline_figures()
    if args.skip_sweep:
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    for db in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        sweep_figures(db, sizes, args.due)


if __name__ == "__main__":
    main()
