"""Staff search (tickets.search) at prefecture scale: p50/p99 of a mix of queries.

    python bench/search.py [--db sqlite|postgresql|both] [--tickets 1000000] [--reps 40]
                           [--compare-trgm] [--json]

For each database (a temporary SQLite file, or a new PostgreSQL database
``hotline_bench_search_<pid>``), a child process:

1. migrates it (``migrate``: on PostgreSQL that includes the trigram indexes of
   tickets 0006_search_indexes);
2. creates a prefecture's units with the ORM (12 counties, each with its government, three
   bureaus and eight townships) and bulk-inserts ``--tickets`` tickets with raw SQL
   (``executemany`` on SQLite, ``COPY`` on PostgreSQL): only the rows the search reads —
   the ticket row, one contact each (the first call, the ticket's phone; 10 % get a second
   call from another number), one lead assignment each for the dispatched ones (what the
   data scope filters on). No events, no audit chain, no facts: the search reads none of
   them, and this database is thrown away. Texts are the demo's request templates
   (``demo.requests``) filled with the demo's places, names and numbers, created over the
   last 365 days, 80 % archived and the rest spread over the other states; then
   ``ANALYZE`` (what production's ``PRAGMA optimize`` / autovacuum do);
3. times ``search.search(scope, search.parse(params))`` — parse, scope, query, one page
   of 20 rows with their lead units — ``--reps`` times per kind of query, each time with
   other values drawn from the data (a number, a phone, a village …), after a warm-up.
   Baselines in the same run: ``Ticket.objects.get(pk=…)`` and ``Ticket.objects.count()``.
   ``--compare-trgm`` (PostgreSQL) then drops the trigram indexes and times the substring
   queries again.

The figures are printed as a table (p50, p99 in ms, and p50 as a multiple of the primary-
key lookup). Everything is removed at the end, also on Ctrl-C. ``--json`` prints the
figures on stdout (the report goes to stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql://postgres@127.0.0.1:5432/{name}"
BATCH = 10_000
SUBSTRING_KINDS = (
    "name",
    "address: village",
    "address: road",
    "text: common",
    "text: rare",
    "text: no match",
)

_children: list[subprocess.Popen[str]] = []


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------
# The parent: databases, the child per database, the table, clean-up.
# ---------------------------------------------------------------------------------------


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def _child(url: str, data_dir: str, args: argparse.Namespace) -> dict[str, Any]:
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_DATA_DIR": data_dir,
        "HOTLINE_NOTIFY": "off",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    cmd = [sys.executable, str(Path(__file__).resolve()), "--stage", "--tickets", str(args.tickets)]
    cmd += ["--reps", str(args.reps)] + (["--compare-trgm"] if args.compare_trgm else [])
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
    _children.append(proc)
    out, _ = proc.communicate()
    _children.remove(proc)
    if proc.returncode != 0:
        raise RuntimeError(f"the benchmark of {url.split(':')[0] or 'sqlite'} failed ({proc.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def _kill_children() -> None:
    for proc in list(_children):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)


def run_db(db: str, args: argparse.Namespace) -> dict[str, Any]:
    tmp = tempfile.mkdtemp(prefix="hotline-bench-search-")
    name = f"hotline_bench_search_{os.getpid()}"
    try:
        if db == "sqlite":
            url = f"sqlite:///{tmp}/bench.sqlite3"
        else:
            _pg_admin(f'CREATE DATABASE "{name}"')
            url = PG_URL.format(name=name)
        return {"db": db, **_child(url, tmp, args)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if db == "postgresql":
            with contextlib.suppress(Exception):
                _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def print_table(results: list[dict[str, Any]]) -> None:
    for r in results:
        base = r["timings"]["baseline: get(pk)"]["p50"]
        print(
            f"\n{r['db']}: {r['tickets']:,} tickets (insert {r['build_s']:.0f} s, size {r['size_mb']:.0f} MB)",
            file=sys.stderr,
        )
        print(f"{'query':<34}{'p50 ms':>10}{'p99 ms':>10}{'p50 / get(pk)':>15}{'rows':>7}", file=sys.stderr)
        for kind, t in r["timings"].items():
            print(
                f"{kind:<34}{t['p50']:>10.2f}{t['p99']:>10.2f}{t['p50'] / base:>15.1f}{t['rows']:>7.0f}",
                file=sys.stderr,
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=40)
    parser.add_argument("--compare-trgm", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--stage", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tickets < 1000 or args.reps < 5:
        parser.error("--tickets at least 1000, --reps at least 5")
    if args.stage:
        print(json.dumps(stage(args)))
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results = []
    try:
        for db in dbs:
            log(f"{db}: building {args.tickets:,} tickets …")
            results.append(run_db(db, args))
    finally:
        _kill_children()
    print_table(results)
    if args.json:
        print(json.dumps(results, indent=1))


# ---------------------------------------------------------------------------------------
# The child: one database (HOTLINE_DATABASE_URL), build, measure, print JSON.
# ---------------------------------------------------------------------------------------


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class World:
    """The prefecture's units and the values the queries draw from."""

    def __init__(self) -> None:
        from hotline.demo.geography import build_counties
        from hotline.org.models import Level, Unit, UnitKind

        def unit(code: str, name: str, level: str, kind: str, parent: Unit | None, area: str = "") -> Unit:
            return Unit.objects.create(code=code, name=name, level=level, kind=kind, parent=parent, area=area)

        self.counties = build_counties(12, 8, 6)
        unit("CENTRE", "12345热线中心", Level.CENTRE, UnitKind.CENTRE, None)
        pref = unit("Q", "青山州人民政府", Level.PREFECTURE, UnitKind.GOVERNMENT, None)
        # (unit, county, township or None): the units tickets are dispatched to.
        self.leads: list[tuple[Unit, Any, Any]] = []
        self.townships: list[Unit] = []
        self.county_units: list[Unit] = []
        for c in self.counties:
            gov = unit(c.code, f"{c.name}人民政府", Level.COUNTY, UnitKind.GOVERNMENT, pref, c.name)
            self.county_units.append(gov)
            for key, bureau in (("ZJJ", "住房和城乡建设局"), ("SWJ", "水务局"), ("SCJ", "市场监督管理局")):
                b = unit(f"{c.code}-{key}", f"{c.name}{bureau}", Level.COUNTY, UnitKind.FUNCTIONAL, gov)
                self.leads.append((b, c, None))
            for t in c.townships:
                town = unit(
                    f"{c.code}-{t.index:02d}",
                    f"{c.name}{t.name}",
                    Level.TOWNSHIP,
                    UnitKind.GOVERNMENT,
                    gov,
                    t.name,
                )
                self.leads.append((town, c, t))
                self.townships.append(town)
        self.numbers: list[str] = []
        self.phones: list[str] = []
        self.names: list[str] = []
        self.snippets: list[str] = []  # six characters from the texts of sampled tickets


def _fill(template: str, rng: random.Random, county: Any, town: Any, village: Any, addr: str) -> str:
    from hotline.demo import geography as g
    from hotline.demo.requests import COMPANIES, SCHOOLS

    values = {
        "addr": addr,
        "county": county.name,
        "town": town.name,
        "village": village.name,
        "road": g.road(rng),
        "estate": g.estate(rng),
        "days": rng.randint(2, 30),
        "months": rng.randint(1, 12),
        "amount": rng.randint(2, 90) * 100,
        "company": rng.choice(COMPANIES),
        "n": rng.randint(2, 9),
        "bus": rng.randint(1, 40),
        "school": rng.choice(SCHOOLS),
    }
    return template.format_map(values)


STATES = [("archived", 80), ("merged", 2), ("rejected", 3)] + [
    (s, 2)
    for s in (
        "accepted",
        "dispatched",
        "returned",
        "handling",
        "suspended",
        "reported",
        "awaiting_callback",
        "transferred",
    )
]
UNDISPATCHED = {"accepted", "rejected", "transferred"}


def build(n: int, rng: random.Random) -> tuple[World, float]:
    """The units (ORM) and ``n`` tickets with their contacts and lead assignments (raw SQL)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from hotline.demo import geography as g
    from hotline.demo.requests import REQUESTS
    from hotline.tickets.models import Assignment, Contact, Ticket

    world = World()
    t0 = time.perf_counter()
    state_names = [s for s, _ in STATES]
    state_weights = [w for _, w in STATES]
    now = timezone.now().replace(microsecond=0)
    start = now - timedelta(days=365)
    step = timedelta(days=365) / n
    tz = timezone.get_default_timezone()
    ticket_cols = _columns(Ticket)
    contact_cols = _columns(Contact)
    assignment_cols = _columns(Assignment)
    day_counter: dict[str, int] = {}
    tickets: list[dict[str, Any]] = []
    contacts: list[dict[str, Any]] = []
    assignments: list[dict[str, Any]] = []

    def flush() -> None:
        _insert(connection, Ticket, ticket_cols, tickets)
        _insert(connection, Contact, contact_cols, contacts)
        _insert(connection, Assignment, assignment_cols, assignments)
        tickets.clear()
        contacts.clear()
        assignments.clear()

    trigram = _trigram_indexes(connection)
    with connection.cursor() as cursor:
        # A bulk load builds a GIN index faster once, afterwards, than row by row.
        for name in trigram:
            cursor.execute(f"DROP INDEX {name}")
    with transaction.atomic():
        for i in range(1, n + 1):
            at = start + step * i
            day = at.astimezone(tz).strftime("%Y%m%d")
            day_counter[day] = day_counter.get(day, 0) + 1
            number = f"{day}{day_counter[day]:05d}"
            lead, county, town = rng.choice(world.leads)
            town = town or rng.choice(county.townships)
            village = rng.choice(town.villages)
            addr = g.address(rng, county, town, village)
            req = rng.choice(REQUESTS)
            text = _fill(req.text, rng, county, town, village, addr)
            phone, name = g.mobile(rng), g.citizen_name(rng)
            state = rng.choices(state_names, state_weights)[0]
            dispatched = state not in UNDISPATCHED
            deadline = at + timedelta(days=15) if state in ("dispatched", "handling", "returned") else None
            tickets.append(
                {
                    "id": i,
                    "number": number,
                    "title": req.title,
                    "text": text,
                    "channel": rng.choice(("phone", "phone", "phone", "web", "app", "wechat", "sms")),
                    "type": req.type,
                    "topic": req.topic,
                    "urgency": req.urgency,
                    "address": addr,
                    "citizen_name": name,
                    "phone": phone,
                    "phone_last4": phone[-4:],
                    "state": state,
                    "lead_unit_id": lead.pk if dispatched else None,
                    "dispatched_at": at + timedelta(hours=1) if dispatched else None,
                    "resolve_deadline": deadline,
                    "created_at": at,
                    "updated_at": at,
                    "query_code": "",
                }
            )
            contacts.append(
                {
                    "ticket_id": i,
                    "channel": "phone",
                    "received_at": at,
                    "citizen_name": name,
                    "phone": phone,
                    "text": text[:40],
                }
            )
            if rng.random() < 0.1:
                contacts.append(
                    {
                        "ticket_id": i,
                        "channel": "phone",
                        "received_at": at,
                        "phone": g.mobile(rng),
                        "text": "再次来电催问",
                    }
                )
            if dispatched:
                assignments.append(
                    {
                        "ticket_id": i,
                        "unit_id": lead.pk,
                        "unit_path": lead.path,
                        "role": "lead",
                        "status": "signed",
                        "assigned_at": at + timedelta(hours=1),
                    }
                )
            if i % 997 == 0:
                world.numbers.append(number)
                world.phones.append(phone)
                world.names.append(name)
                k = rng.randrange(max(1, len(text) - 6))
                world.snippets.append(text[k : k + 6])
            if len(tickets) >= BATCH:
                flush()
                if i % 100_000 == 0:
                    log(f"  {i:,} tickets ({time.perf_counter() - t0:.0f} s)")
        flush()
    with connection.cursor() as cursor:
        for name, sql in trigram.items():
            log(f"  {name} …")
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            for model in (Ticket, Contact, Assignment):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
                )
        cursor.execute("ANALYZE")
    return world, time.perf_counter() - t0


def _trigram_indexes(connection: Any) -> dict[str, str]:
    """The trigram indexes of migration tickets 0006 (PostgreSQL): name → CREATE statement."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'ticket_%_trgm'")
        return dict(cursor.fetchall())


def _columns(model: Any) -> list[tuple[str, Any]]:
    """(column, default) of the model's concrete fields; JSON defaults as their text."""
    cols = []
    for f in model._meta.concrete_fields:
        default = f.get_default() if f.has_default() else (None if f.null else "")
        if f.get_internal_type() == "JSONField":
            default = json.dumps(default)
        cols.append((f.column, default))
    return cols


def _insert(connection: Any, model: Any, cols: list[tuple[str, Any]], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    table = model._meta.db_table
    pairs = [(c, d) for c, d in cols if c != "id" or "id" in rows[0]]
    names, defaults = [c for c, _ in pairs], [d for _, d in pairs]
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy,
        ):
            for r in rows:
                copy.write_row(tuple(map(r.get, names, defaults)))
        return
    # As the ORM stores them in SQLite: naive UTC text (sqlite3's own adapter would add
    # "+00:00"); the times here are all UTC.
    values = [
        tuple(
            str(v.replace(tzinfo=None)) if isinstance(v, datetime) else v for v in map(r.get, names, defaults)
        )
        for r in rows
    ]
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"  # noqa: S608
    connection.connection.executemany(sql, values)


def queries(world: World, rng: random.Random) -> dict[str, Any]:
    """Kind of query → a function of the rep's index giving (scope, params)."""
    from hotline.org.scope import DataScope

    everything = DataScope(everything=True)

    def town_scope() -> DataScope:
        return DataScope(everything=False, unit_path=rng.choice(world.townships).path)

    def county_scope() -> DataScope:
        return DataScope(everything=False, unit_path=rng.choice(world.county_units).path)

    def village() -> str:
        c = rng.choice(world.counties)
        return rng.choice(rng.choice(c.townships).villages).name

    from hotline.demo import geography as g

    def day_range() -> dict[str, str]:
        first = datetime.now() - timedelta(days=rng.randint(30, 330))  # noqa: DTZ005 - a day's name
        return {"from": f"{first:%Y-%m-%d}", "to": f"{first + timedelta(days=30):%Y-%m-%d}"}

    return {
        "number": lambda: (everything, {"number": rng.choice(world.numbers)}),
        "number prefix (a day)": lambda: (everything, {"number": rng.choice(world.numbers)[:8]}),
        "phone": lambda: (everything, {"phone": rng.choice(world.phones)}),
        "phone last 4": lambda: (everything, {"phone": rng.choice(world.phones)[-4:]}),
        "name": lambda: (everything, {"name": rng.choice(world.names)}),
        "address: village": lambda: (everything, {"address": village()}),
        "address: road": lambda: (everything, {"address": g.road(rng)}),
        "text: common": lambda: (
            everything,
            {"text": rng.choice(["路灯", "停水", "噪音", "拖欠工资", "垃圾"])},
        ),
        "text: rare": lambda: (everything, {"text": rng.choice(world.snippets)}),
        "text: no match": lambda: (everything, {"text": f"量子{rng.randint(100, 999)}"}),
        "unit + state + 30 days": lambda: (
            everything,
            {"unit": rng.choice(world.leads)[0].code, "state": "archived", **day_range()},
        ),
        "township handler: all": lambda: (town_scope(), {}),
        "township handler: text": lambda: (town_scope(), {"text": rng.choice(["路灯", "停水", "噪音"])}),
        "township handler: phone": lambda: (town_scope(), {"phone": rng.choice(world.phones)}),
        "county handler: text": lambda: (county_scope(), {"text": rng.choice(["路灯", "停水", "噪音"])}),
        "county handler: name": lambda: (county_scope(), {"name": rng.choice(world.names)}),
    }


def _time(fn: Any, reps: int) -> dict[str, float]:
    times, rows = [], []
    for _ in range(3):
        fn()
    for _ in range(reps):
        t0 = time.perf_counter()
        found = fn()
        times.append((time.perf_counter() - t0) * 1000)
        rows.append(found)
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    return {"p50": statistics.median(times), "p99": p99, "rows": statistics.mean(rows)}


def measure(world: World, reps: int, rng: random.Random, only: tuple[str, ...] = ()) -> dict[str, Any]:
    from hotline.tickets import search
    from hotline.tickets.models import Ticket

    timings: dict[str, Any] = {}
    if not only:
        n = Ticket.objects.count()
        timings["baseline: get(pk)"] = _time(lambda: bool(Ticket.objects.get(pk=rng.randint(1, n))), reps)
        timings["baseline: count(*)"] = _time(lambda: Ticket.objects.count() and 1, reps)
    for kind, make in queries(world, rng).items():
        if only and kind not in only:
            continue

        def run(make: Any = make) -> int:
            scope, params = make()
            return len(search.search(scope, search.parse(params)).items)

        timings[kind] = _time(run, reps)
        log(f"  {kind}: p50 {timings[kind]['p50']:.1f} ms, p99 {timings[kind]['p99']:.1f} ms")
    if not only:
        # The intake page's caller panel (tickets.citizens): every ticket of one number.
        from hotline.org.scope import DataScope
        from hotline.tickets.citizens import caller_history

        centre = DataScope(everything=True)
        kind = "caller history (intake panel)"
        timings[kind] = _time(lambda: len(caller_history(centre, rng.choice(world.phones)).tickets), reps)
        log(f"  {kind}: p50 {timings[kind]['p50']:.1f} ms, p99 {timings[kind]['p99']:.1f} ms")
    return timings


def _size_mb() -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0] / 1e6
        cursor.execute("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
        return cursor.fetchone()[0] / 1e6


def stage(args: argparse.Namespace) -> dict[str, Any]:
    _setup()
    from django.db import connection

    rng = random.Random(12345)
    world, build_s = build(args.tickets, rng)
    log(f"  built in {build_s:.0f} s; measuring …")
    result: dict[str, Any] = {"tickets": args.tickets, "build_s": build_s, "size_mb": _size_mb()}
    result["timings"] = measure(world, args.reps, rng)
    if args.compare_trgm and connection.vendor == "postgresql":
        names = list(_trigram_indexes(connection))
        with connection.cursor() as cursor:
            for name in names:
                cursor.execute(f"DROP INDEX {name}")
        log(f"  dropped {', '.join(names) or 'no trigram index'}; measuring the substrings again …")
        again = measure(world, args.reps, rng, only=SUBSTRING_KINDS)
        result["timings"].update({f"{k} (no trigram)": v for k, v in again.items()})
    return result


if __name__ == "__main__":
    main()
