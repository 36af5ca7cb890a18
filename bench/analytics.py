"""KPI query time: daily rollups vs a full scan of the tickets, in the same run.

    python bench/analytics.py --db sqlite --tickets 1000000
    python bench/analytics.py --db postgres --tickets 10000000

Builds a scratch database (SQLite file in /tmp, or PostgreSQL database
``bench_analytics``), inserts synthetic units and tickets with bulk SQL, builds the
rollups with one INSERT … SELECT … GROUP BY (the table the rollups follower,
``analytics.rollups.count_change``, keeps), then times "one month's KPIs for every unit" both ways and checks that both
give the same counters. Prints figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

PG_URL = "postgresql://postgres@127.0.0.1:5432/{db}"
SPAN_DAYS = 730  # the tickets are spread over two years
EPOCH = 1672502400  # 2023-01-01 00:00 +08:00


def _setup(db: str) -> str:
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_URL.format(db="postgres"), autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench_analytics")
            conn.execute("CREATE DATABASE bench_analytics")
        url = PG_URL.format(db="bench_analytics")
    else:
        path = Path(tempfile.gettempdir()) / "bench_analytics.sqlite3"
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    os.environ["HOTLINE_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def _units(n_counties: int, per_county: int) -> tuple[int, int]:
    from hotline.org.models import Level, Unit, UnitKind

    centre = Unit.objects.create(code="CENTRE", name="12345中心", level=Level.CENTRE, kind=UnitKind.CENTRE)
    pref = Unit.objects.create(code="P", name="州政府", level=Level.PREFECTURE, kind=UnitKind.GOVERNMENT)
    for c in range(n_counties):
        county = Unit.objects.create(
            code=f"C{c}", name=f"第{c}县", level=Level.COUNTY, kind=UnitKind.GOVERNMENT, parent=pref
        )
        kids = Unit.objects.bulk_create(
            [
                Unit(
                    code=f"C{c}-{k}",
                    name=f"第{c}县单位{k}",
                    level=Level.COUNTY if k % 2 else Level.TOWNSHIP,
                    kind=UnitKind.FUNCTIONAL,
                    parent=county,
                    path="",
                )
                for k in range(per_county)
            ]
        )
        for kid in kids:
            Unit.objects.filter(pk=kid.pk).update(path=f"{county.path}{kid.pk}/")
    ids = list(Unit.objects.exclude(pk=centre.pk).values_list("pk", flat=True).order_by("pk"))
    return ids[0], len(ids)


def _exprs(vendor: str, n: int, first_unit: int, n_units: int) -> dict[str, str]:
    step = SPAN_DAYS * 86400 / n
    h = "((i * 2654435761) % 1000)"
    if vendor == "postgresql":

        def ts(offset: str) -> str:
            return f"(to_timestamp({EPOCH} + i * {step} + {offset}))"

        day = "((created_at AT TIME ZONE 'Asia/Shanghai')::date)"
        json_empty = "'{}'::jsonb"
    else:

        def ts(offset: str) -> str:
            return f"strftime('%Y-%m-%d %H:%M:%f', {EPOCH} + i * {step} + {offset}, 'unixepoch')"

        day = "date(created_at, '+8 hours')"
        json_empty = "'{}'"
    # Tickets of the last 30 days are in every state; older ones are finished, as in a
    # real centre (whose backlog is weeks of work, not a fifth of its history).
    recent = f"i > {n - n * 30 // SPAN_DAYS}"
    disp = f"{h} >= 100"
    closed = f"({h} >= 300 OR ({h} >= 100 AND NOT ({recent})))"
    state = (
        f"CASE WHEN {h} < 50 AND {recent} THEN 'accepted' WHEN {h} < 50 THEN 'archived' "
        f"WHEN {h} < 100 THEN 'rejected' WHEN {h} < 300 AND {recent} THEN 'handling' "
        f"WHEN {h} < 400 AND {recent} THEN 'reported' WHEN {h} < 500 AND {recent} THEN 'awaiting_callback' "
        "ELSE 'archived' END"
    )
    return {
        "number": "printf('B%013d', i)" if vendor != "postgresql" else "'B' || lpad(i::text, 13, '0')",
        "title": "'路灯不亮'",
        "text": "'小区门口路灯不亮已经一周'",
        "channel": "'phone'",
        "type": "'投诉类'",
        "topic": "'城乡建设 / 市政设施 / 路灯'",
        "urgency": "'一般'",
        "emotion": "'平静'",
        "triage": json_empty,
        "address": "''",
        "citizen_name": "''",
        "phone": "''",
        "phone_last4": "''",
        "state": state,
        "lead_unit_id": f"CASE WHEN {disp} THEN {first_unit} + (i * 7919) % {n_units} END",
        "result": "''",
        "rehandle_count": "0",
        "urge_count": f"CASE WHEN {h} % 7 = 0 THEN 1 ELSE 0 END",
        "supervise_count": "0",
        "pending_request": json_empty,
        "satisfaction": f"CASE WHEN {h} >= 500 AND {h} % 3 > 0 THEN 'satisfied' "
        f"WHEN {h} >= 500 THEN 'dissatisfied' ELSE '' END",
        "dispatched_at": f"CASE WHEN {disp} THEN {ts('600')} END",
        "sign_deadline": f"CASE WHEN {disp} THEN {ts('7800')} END",
        "resolve_deadline": f"CASE WHEN {disp} THEN {ts('432000')} END",
        "closed_at": f"CASE WHEN {closed} THEN {ts(f'86400 * ({h} % 8)')} END",
        "sla": json_empty,
        "created_at": ts("0"),
        "updated_at": ts("0"),
        "version": "1",
        "_day": day,
    }


FULL_SCAN_COUNTERS = {
    "received": "COUNT(*)",
    "dispatched": "COUNT(dispatched_at)",
    "resolved": "SUM(CASE WHEN dispatched_at IS NOT NULL AND closed_at IS NOT NULL "
    "AND state IN ('reported','awaiting_callback','archived') THEN 1 ELSE 0 END)",
    "resolved_on_time": "SUM(CASE WHEN dispatched_at IS NOT NULL AND closed_at IS NOT NULL "
    "AND state IN ('reported','awaiting_callback','archived') AND closed_at <= resolve_deadline THEN 1 ELSE 0 END)",
    "callback_reached": "SUM(CASE WHEN satisfaction <> '' THEN 1 ELSE 0 END)",
    "satisfied": "SUM(CASE WHEN satisfaction IN ('satisfied','basically_satisfied') THEN 1 ELSE 0 END)",
    "urged": "SUM(CASE WHEN urge_count > 0 THEN 1 ELSE 0 END)",
}


def _fill(n: int, first_unit: int, n_units: int, chunk: int = 500_000) -> None:
    from django.db import connection

    vendor = connection.vendor
    e = _exprs(vendor, n, first_unit, n_units)
    day = e.pop("_day")
    cols = ", ".join(e)
    vals = ", ".join(e.values())
    with connection.cursor() as cur:
        for lo in range(1, n + 1, chunk):
            hi = min(n, lo + chunk - 1)
            if vendor == "postgresql":
                series = f"SELECT generate_series({lo}::bigint, {hi}::bigint) AS i"
            else:
                series = f"WITH RECURSIVE s(i) AS (SELECT {lo} UNION ALL SELECT i + 1 FROM s WHERE i < {hi}) SELECT i FROM s"  # noqa: S608
            cur.execute(f"INSERT INTO tickets_ticket ({cols}) SELECT {vals} FROM ({series}) AS g")  # noqa: S608
            print(f"  tickets {hi:,}/{n:,}", flush=True)
        from hotline.analytics.models import COUNTER_NAMES

        zeros = [c for c in COUNTER_NAMES if c not in FULL_SCAN_COUNTERS]
        counters = ", ".join([*FULL_SCAN_COUNTERS, *zeros])
        sums = ", ".join([*FULL_SCAN_COUNTERS.values(), *("0" for _ in zeros)])
        cur.execute(
            f"INSERT INTO analytics_dailyrollup (day, unit_id, {counters}) "  # noqa: S608
            f"SELECT {day}, COALESCE(lead_unit_id, 0), {sums} FROM tickets_ticket GROUP BY 1, 2 ORDER BY 1, 2"
        )
    from hotline.analytics.rollups import months_from_days

    months_from_days()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def _timed(fn, repeat: int = 3) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--counties", type=int, default=20)
    parser.add_argument("--per-county", type=int, default=100)
    args = parser.parse_args()
    url = _setup(args.db)
    from django.db import connection

    from hotline.analytics import queries
    from hotline.org.scope import DataScope

    t0 = time.perf_counter()
    first, n_units = _units(args.counties, args.per_county)
    _fill(args.tickets, first, n_units)
    build = time.perf_counter() - t0
    from hotline.analytics.models import DailyRollup

    n_rollup = DailyRollup.objects.count()
    period = queries.parse_period("2024-06")
    everyone = DataScope(everything=True)
    t_roll, rows = _timed(lambda: queries.kpi_rows(everyone, period, live=False))
    t_roll_live, _ = _timed(lambda: queries.kpi_rows(everyone, period, live=True))
    t_rank, _ = _timed(lambda: queries.ranking(everyone, "county", period))

    start = f"{period.start.isoformat()} 00:00:00+08:00"
    end = f"{period.end.isoformat()} 23:59:59.999999+08:00"
    if connection.vendor == "sqlite":  # stored as naive UTC text
        start, end = "2024-05-31 16:00:00", "2024-06-30 16:00:00"
    sums = ", ".join(f"{v} AS {k}" for k, v in FULL_SCAN_COUNTERS.items())
    sql = (
        f"SELECT COALESCE(lead_unit_id, 0), {sums} FROM tickets_ticket "  # noqa: S608
        f"WHERE created_at >= %s AND created_at < %s GROUP BY 1"
    )
    # A full scan: the tickets table read without the help of the created_at index.
    scan_sql = sql.replace("WHERE created_at", "WHERE (created_at + INTERVAL '0 second')")
    if connection.vendor == "sqlite":
        scan_sql = sql.replace(
            "WHERE created_at >= %s AND created_at < %s", "WHERE +created_at >= %s AND +created_at < %s"
        )

    def run(q: str) -> dict[int, tuple[int, ...]]:
        with connection.cursor() as cur:
            cur.execute(q, [start, end])
            return {int(r[0]): tuple(int(x or 0) for x in r[1:]) for r in cur.fetchall()}

    t_index, by_index = _timed(lambda: run(sql))
    t_scan, by_scan = _timed(lambda: run(scan_sql), repeat=1)
    from_rollups = {
        r.unit_id: tuple(r.counters[k] for k in FULL_SCAN_COUNTERS) for r in rows if r.counters["received"]
    }
    same = (
        from_rollups
        == {k: v for k, v in by_scan.items() if v[0]}
        == {k: v for k, v in by_index.items() if v[0]}
    )
    month_tickets = sum(v[0] for v in by_scan.values())
    print(f"\nDB {connection.vendor} ({url.split('@')[-1]}), {args.tickets:,} tickets, {n_units:,} units")
    print(f"build (bulk SQL, tickets + rollups): {build:.1f} s; rollup rows: {n_rollup:,}")
    print(f"one month ({month_tickets:,} tickets), every unit, all KPIs:")
    print(f"  rollups                      {t_roll * 1000:8.1f} ms  (baseline 1.0x)")
    print(f"  rollups + live overdue       {t_roll_live * 1000:8.1f} ms")
    print(f"  ranking of a level           {t_rank * 1000:8.1f} ms")
    print(f"  tickets, created_at index    {t_index * 1000:8.1f} ms  ({t_index / t_roll:.1f}x)")
    print(f"  tickets, full scan           {t_scan * 1000:8.1f} ms  ({t_scan / t_roll:.1f}x)")
    print(f"  same counters both ways: {same}")


if __name__ == "__main__":
    main()
