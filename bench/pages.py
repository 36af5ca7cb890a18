"""Page render times on a prefecture-size database: the consoles, the ticket page, the API.

    python bench/pages.py [--db sqlite|postgresql|both] [--tickets 100000] [--requests 30]
                          [--history 300] [--json] [--keep]

For each database (a temporary SQLite file, or a new PostgreSQL database):

1. ``hotline migrate`` and ``hotline demo --scale full --history N`` (timed; database size).
2. Growth to ``--tickets`` tickets: the demo's tickets are copied with raw SQL, in batches,
   in one transaction, with their contacts, assignments, events and notifications. Each
   copy moves its units to the same kind of unit in another county / township / village
   (so the load spreads over many units at every level, in the demo's proportions), and
   its times back by up to 60 days (closed tickets: created over the last 90 days) or up
   to 2 days (open tickets: deadlines kept, some now overdue). About 2.5 % of the target
   stays open in each open state, the rest is closed in the demo's proportions (mostly
   archived). Numbers are YYYYMMDD + the day's counter (unique). Then
   ``hotline analytics rebuild`` (timed) fills TicketFacts / DailyRollup.
   The audit chain of this throwaway database does not verify after the raw inserts.
3. In-process with Django's test ``Client``, logged in as the demo users of each role and
   as the handler of the busiest unit: every page is requested ``--requests`` times after
   a warm-up; p50 / p99 render time and the SQL statements per request
   (``CaptureQueriesContext``). Baseline in the same run: ``GET /healthz`` and one
   ``Ticket.objects.get(number=...)``; every p50 is also shown as a ratio of them.

Everything is removed at the end (also on Ctrl-C / SIGTERM): the temporary directory and
the PostgreSQL database ``hotline_bench_pages_<pid>``. ``--json`` prints the figures as
JSON on stdout (the report goes to stderr).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql://postgres@127.0.0.1:5432/{name}"
OPEN_STATES = ("accepted", "dispatched", "returned", "handling", "suspended", "reported", "awaiting_callback")
OPEN_SHARE = 0.025  # of the target, per open state
BATCH = 2000  # tickets per batch (with their contacts, assignments, events, notifications)

_children: list[subprocess.Popen[str]] = []


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------
# Orchestration (the parent process): databases, subprocesses, report, clean-up.
# ---------------------------------------------------------------------------------------


def _run(url: str, data_dir: str, *args: str, capture: bool = True) -> tuple[float, str]:
    """Run a command in a child process (its own process group); return (seconds, stdout)."""
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": url,
        "HOTLINE_DATA_DIR": data_dir,  # media and any file the app writes: not the repository
        "HOTLINE_NOTIFY": "off",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    t0 = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603
        ["nice", "-n", "10", sys.executable, *args],  # noqa: S607
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE if capture else sys.stderr,
        stderr=None,
        text=True,
        start_new_session=True,
    )
    _children.append(proc)
    out, _ = proc.communicate()
    _children.remove(proc)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} failed with exit code {proc.returncode}")
    return time.perf_counter() - t0, out or ""


def _hotline(url: str, data_dir: str, *args: str) -> tuple[float, str]:
    return _run(url, data_dir, "-m", "hotline", *args)


def _stage(url: str, data_dir: str, stage: str, *extra: str) -> dict[str, Any]:
    _, out = _run(url, data_dir, str(Path(__file__).resolve()), "--stage", stage, *extra)
    return json.loads(out.strip().splitlines()[-1])


def _kill_children() -> None:
    for proc in list(_children):
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


def _pg_admin(sql: str) -> Any:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        cur = conn.execute(sql)
        return cur.fetchone() if sql.lstrip().upper().startswith("SELECT") else None


def _db_size(db: str, url: str, sqlite_file: Path | None, pg_name: str) -> int:
    if db == "sqlite":
        assert sqlite_file is not None
        return sum(p.stat().st_size for p in sqlite_file.parent.glob(sqlite_file.name + "*"))
    return int(_pg_admin(f"SELECT pg_database_size('{pg_name}')")[0])


def bench_database(db: str, args: argparse.Namespace, tmp: Path, pg_names: list[str]) -> dict[str, Any]:
    data_dir = tmp / db
    data_dir.mkdir()
    sqlite_file: Path | None = None
    pg_name = ""
    if db == "sqlite":
        sqlite_file = data_dir / "pages.sqlite3"
        url = f"sqlite:///{sqlite_file}"
    else:
        pg_name = f"hotline_bench_pages_{os.getpid()}"
        _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{pg_name}"')
        pg_names.append(pg_name)
        url = PG_URL.format(name=pg_name)
    d = str(data_dir)
    res: dict[str, Any] = {"db": db}
    log(f"\n== {db}: migrate ==")
    res["migrate_s"], _ = _hotline(url, d, "migrate", "--verbosity", "0")
    log(f"migrate {res['migrate_s']:.1f} s; demo --scale full --history {args.history} …")
    res["demo_s"], out = _hotline(url, d, "demo", "--scale", "full", "--history", str(args.history))
    (data_dir / "demo.log").write_text(out)
    res["demo_size"] = _db_size(db, url, sqlite_file, pg_name)
    counts = _stage(url, d, "counts")
    res["demo_counts"] = counts
    log(
        f"demo: {res['demo_s']:.1f} s, {res['demo_size'] / 1e6:.1f} MB "
        f"({counts['units']:,} units, {counts['users']:,} users, {counts['tickets']:,} tickets)"
    )
    log(f"growing to {args.tickets:,} tickets …")
    res["grow"] = _stage(url, d, "grow", "--tickets", str(args.tickets), "--seed", str(args.seed))
    g = res["grow"]
    log(
        f"growth: +{g['inserted']['tickets']:,} tickets, +{g['inserted']['events']:,} events, "
        f"+{g['inserted']['notifications']:,} notifications in {g['seconds']:.1f} s"
    )
    res["rebuild_s"], _ = _hotline(url, d, "analytics", "rebuild")
    res["grown_size"] = _db_size(db, url, sqlite_file, pg_name)
    res["grown_counts"] = _stage(url, d, "counts")
    log(f"analytics rebuild {res['rebuild_s']:.1f} s; database {res['grown_size'] / 1e6:.0f} MB")
    log(f"measuring pages ({args.requests} requests each) …")
    res["pages"] = _stage(url, d, "measure", "--requests", str(args.requests))
    if db == "postgresql" and not args.keep:
        _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        pg_names.remove(pg_name)
    return res


def _ms(s: float) -> str:
    return f"{s * 1000:,.1f}"


def print_report(results: list[dict[str, Any]], args: argparse.Namespace, *, summary: bool = True) -> None:
    out = sys.stderr if args.json else sys.stdout

    def p(line: str = "") -> None:
        print(line, file=out)

    for res in results if not summary else []:
        m = res["pages"]
        g = res["grow"]
        c = res["grown_counts"]
        p(f"\n== {res['db']} ({m['vendor']}) ==")
        p(
            f"hotline demo --scale full --history {args.history}: {res['demo_s']:.1f} s, "
            f"{res['demo_size'] / 1e6:.1f} MB ({res['demo_counts']['units']:,} units, "
            f"{res['demo_counts']['users']:,} users)"
        )
        p(
            f"growth to {c['tickets']:,} tickets: {g['seconds']:.1f} s "
            f"(+{g['inserted']['tickets']:,} tickets, {g['inserted']['contacts']:,} contacts, "
            f"{g['inserted']['assignments']:,} assignments over {g['units_used']:,} units, "
            f"{g['inserted']['events']:,} events, {g['inserted']['notifications']:,} notifications; "
            f"{g['rows_per_s']:,.0f} rows/s); analytics rebuild {res['rebuild_s']:.1f} s; "
            f"database {res['grown_size'] / 1e6:,.0f} MB"
        )
        p(
            "states: "
            + ", ".join(f"{k} {v:,}" for k, v in c["states"].items())
            + f"; overdue open {c['overdue']:,}"
        )
        p("audit chain: not verifiable in this database (rows were copied with raw SQL).")
        base = m["baseline"]
        p(
            f"baseline: GET /healthz p50 {_ms(base['healthz']['p50'])} ms; "
            f"Ticket.objects.get(number=…) p50 {_ms(base['orm_get']['p50'])} ms"
        )
        p(
            f"users: handler {m['handler']} (unit {m['handler_unit']}, {m['handler_tickets']:,} tickets in scope); "
            f"long ticket {m['long_ticket']} ({m['long_ticket_events']} events)"
        )
        head = (
            f"{'page':<34} {'user':<14} {'p50 ms':>9} {'p99 ms':>9} {'SQL':>5} {'SQL ms':>8} "
            f"{'×healthz':>9} {'×get':>8}  slowest statement"
        )
        p(head)
        p("-" * len(head))
        for row in m["rows"]:
            flag = "" if row["status"] == 200 else f" [HTTP {row['status']}]"
            dup = f" dup×{row['dup']}" if row["dup"] >= 10 else ""
            p(
                f"{row['page']:<34} {row['user']:<14} {_ms(row['p50']):>9} {_ms(row['p99']):>9} "
                f"{row['queries']:>5} {_ms(row['sql_p50']):>8} {row['p50'] / base['healthz']['p50']:>9,.1f} "
                f"{row['p50'] / base['orm_get']['p50']:>8,.0f}  {_ms(row['top_sql_s'])} ms{dup}{flag}"
            )
    if not summary:
        return
    p("\n== summary ==")
    for res in results:
        rows = sorted(res["pages"]["rows"], key=lambda r: -r["p50"])
        base = res["pages"]["baseline"]["healthz"]["p50"]
        slow = ", ".join(f"{r['page']} ({r['user']}) {_ms(r['p50'])} ms" for r in rows[:4])
        many = [r for r in rows if r["queries"] >= 30 or r["dup"] >= 10]
        p(
            f"{res['db']}: demo full {res['demo_s']:.0f} s / {res['demo_size'] / 1e6:.0f} MB; "
            f"{res['grown_counts']['tickets']:,} tickets in {res['grow']['seconds']:.0f} s "
            f"+ rebuild {res['rebuild_s']:.0f} s = {res['grown_size'] / 1e6:,.0f} MB; "
            f"slowest pages: {slow}; median page {statistics.median(r['p50'] for r in rows) / base:,.0f}× /healthz"
        )
        for r in many:
            p(
                f"  {r['page']} ({r['user']}): {r['queries']} statements, the same one ×{r['dup']}: {r['dup_sql']}"
            )
    if len(results) == 2:
        a, b = ({r["page"] + r["user"]: r for r in res["pages"]["rows"]} for res in results)
        ratios = [b[k]["p50"] / a[k]["p50"] for k in a if k in b]
        p(f"{results[1]['db']} / {results[0]['db']} p50, median over pages: {statistics.median(ratios):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--history", type=int, default=300, help="tickets of the demo's played history")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="figures as JSON on stdout, report on stderr")
    parser.add_argument("--keep", action="store_true", help="keep the databases (prints where they are)")
    parser.add_argument("--stage", choices=["grow", "measure", "counts"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        run_stage(args)
        return

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    tmp = Path(tempfile.mkdtemp(prefix="hotline-bench-pages-"))
    pg_names: list[str] = []
    results = []
    try:
        for db in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
            try:
                results.append(bench_database(db, args, tmp, pg_names))
            except RuntimeError as exc:  # one database failing must not lose the other's figures
                log(f"{db}: {exc}")
                continue
            print_report(results[-1:], args, summary=False)
        if not results:
            sys.exit(1)
        print_report(results, args)
        if args.json:
            print(json.dumps({"args": vars(args), "results": results}, ensure_ascii=False, indent=1))
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
        sys.exit(130)
    finally:
        _kill_children()
        if args.keep:
            log(f"kept: {tmp} {' '.join(pg_names)}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
            for name in pg_names:
                try:
                    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                except Exception as exc:  # noqa: BLE001 - clean-up goes on
                    log(f"could not drop {name}: {exc}")


# ---------------------------------------------------------------------------------------
# Stages (child processes, with HOTLINE_DATABASE_URL set).
# ---------------------------------------------------------------------------------------


def run_stage(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()
    result = {"grow": grow, "measure": measure, "counts": counts}[args.stage](args)
    print(json.dumps(result, ensure_ascii=False, default=str))


def counts(args: argparse.Namespace) -> dict[str, Any]:
    from django.db.models import Count

    from hotline import clock
    from hotline.org.models import Unit, User
    from hotline.tickets.models import Ticket

    states = dict(Ticket.objects.values_list("state").annotate(n=Count("id")).order_by("-n"))
    overdue = Ticket.objects.filter(state__in=OPEN_STATES, next_due_at__lt=clock.now()).count()
    return {
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "tickets": Ticket.objects.count(),
        "states": states,
        "overdue": overdue,
    }


class _Table:
    """One table's copy plan: column order, the prepared values of each source row."""

    def __init__(self, model: Any, connection: Any) -> None:
        from django.db import models

        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in self.fields]
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        self.datetimes = [i for i, f in enumerate(self.fields) if isinstance(f, models.DateTimeField)]
        self.connection = connection
        q = connection.ops.quote_name
        per_stmt = max(1, min(500, 30000 // len(self.columns)))
        self.per_stmt = per_stmt
        table, cols = q(model._meta.db_table), ", ".join(q(c) for c in self.columns)
        self.head = f"INSERT INTO {table} ({cols}) VALUES "  # noqa: S608 - names from the models
        self.row_sql = "(" + ", ".join(["%s"] * len(self.columns)) + ")"
        self.rows: list[list[Any]] = []
        self.inserted = 0

    def template(self, obj: Any) -> list[Any]:
        """Values ready for the database, except datetimes (shifted per copy)."""
        out = []
        for i, f in enumerate(self.fields):
            value = getattr(obj, f.attname)
            out.append(value if i in self.datetimes else f.get_db_prep_save(value, self.connection))
        return out

    def add(self, row: list[Any], shift: timedelta) -> None:
        adapt = self.connection.ops.adapt_datetimefield_value
        for i in self.datetimes:
            if row[i] is not None:
                row[i] = adapt(row[i] - shift)
        self.rows.append(row)

    def flush(self, cursor: Any) -> None:
        for start in range(0, len(self.rows), self.per_stmt):
            chunk = self.rows[start : start + self.per_stmt]
            sql = self.head + ", ".join([self.row_sql] * len(chunk))
            cursor.execute(sql, [v for row in chunk for v in row])
        self.inserted += len(self.rows)
        self.rows = []


def grow(args: argparse.Namespace) -> dict[str, Any]:
    """Copy the demo's tickets (and their rows) until there are ``--tickets`` of them."""
    from zoneinfo import ZoneInfo

    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.db.models import Max

    from hotline import clock
    from hotline.audit.models import ChainHead, Event
    from hotline.org.models import Unit, User
    from hotline.sla.models import Notification
    from hotline.tickets.models import Assignment, Contact, DailySequence, Ticket

    rng = random.Random(args.seed)
    beijing = ZoneInfo("Asia/Shanghai")
    now = clock.now()
    t_start = time.perf_counter()

    tables = {
        "tickets": _Table(Ticket, connection),
        "contacts": _Table(Contact, connection),
        "assignments": _Table(Assignment, connection),
        "events": _Table(Event, connection),
        "notifications": _Table(Notification, connection),
    }
    tt, ct, at, et, nt = tables.values()
    # Source rows, grouped by ticket.
    sources = {t.pk: (t, tt.template(t)) for t in Ticket.objects.order_by("id")}
    contacts: dict[int, list[list[Any]]] = defaultdict(list)
    for o in Contact.objects.order_by("id"):
        contacts[o.ticket_id].append(ct.template(o))
    assignments: dict[int, list[list[Any]]] = defaultdict(list)
    for o in Assignment.objects.order_by("id"):
        assignments[o.ticket_id].append(at.template(o))
    events: dict[int, list[list[Any]]] = defaultdict(list)
    for o in Event.objects.filter(ticket__isnull=False).order_by("seq"):
        events[o.ticket_id].append(et.template(o))
    notes: dict[int, list[list[Any]]] = defaultdict(list)
    for o in Notification.objects.filter(ticket__isnull=False).order_by("id"):
        notes[o.ticket_id].append(nt.template(o))

    # Units: a copy moves every unit of the ticket to the same place in another county,
    # township and village (same bureau / office suffix), when such a unit exists.
    units = {u.pk: u for u in Unit.objects.only("id", "code", "path", "level")}
    by_code = {u.code: u for u in units.values()}
    counties = sorted({m.group(1) for c in by_code if (m := re.fullmatch(r"Q(\d\d)", c))})
    users_of: dict[tuple[int, str], list[int]] = defaultdict(list)
    rank: dict[int, tuple[int, str, int]] = {}
    for uid, unit_id, role in User.objects.order_by("id").values_list("id", "unit_id", "role"):
        if unit_id is None:
            continue
        key = (unit_id, role)
        rank[uid] = (unit_id, role, len(users_of[key]))
        users_of[key].append(uid)
    unit_cache: dict[tuple[int, str, str, str], int] = {}

    def move_unit(unit_id: int | None, place: tuple[str, str, str]) -> int | None:
        if unit_id is None or unit_id not in units:
            return unit_id
        key = (unit_id, *place)
        if key in unit_cache:
            return unit_cache[key]
        code = units[unit_id].code
        segs = code.split("-")
        found = unit_id
        if re.fullmatch(r"Q\d\d", segs[0]):
            digits = [i for i, s in enumerate(segs) if s.isdigit()]
            cc, tw, vv = place
            tries = []
            for t_, v_ in ((tw, vv), (tw, None), (None, None)):
                new = [f"Q{cc}", *segs[1:]]
                if digits and t_ is not None:
                    new[digits[0]] = t_
                if len(digits) > 1 and v_ is not None:
                    new[digits[1]] = v_
                tries.append("-".join(new))
            for c in tries:
                if c in by_code:
                    found = by_code[c].pk
                    break
        unit_cache[key] = found
        return found

    def move_user(user_id: int | None, unit_map: dict[int | None, int | None]) -> int | None:
        if user_id is None or user_id not in rank:
            return user_id
        unit_id, role, i = rank[user_id]
        new_unit = unit_map.get(unit_id, unit_id)
        if new_unit == unit_id:
            return user_id
        pool = users_of.get((new_unit, role))  # type: ignore[arg-type]
        return pool[min(i, len(pool) - 1)] if pool else user_id

    # How many copies of each source ticket: ~OPEN_SHARE of the target per open state,
    # the rest spread over the closed tickets.
    by_state: dict[str, list[int]] = defaultdict(list)
    for pk, (t, _) in sources.items():
        by_state[t.state].append(pk)
    needed = max(0, args.tickets - len(sources))
    plan: list[tuple[int, timedelta]] = []
    open_target = int(args.tickets * OPEN_SHARE)
    for state in OPEN_STATES:
        have = len(by_state.get(state, []))
        for i in range(max(0, min(open_target - have, needed // len(OPEN_STATES)))):
            pk = by_state[state][i % have]
            plan.append((pk, timedelta(seconds=rng.uniform(0, 2 * 86400))))
    closed = [pk for pk, (t, _) in sources.items() if t.state not in OPEN_STATES]
    for i in range(max(0, needed - len(plan))):
        pk = closed[i % len(closed)] if i < len(closed) * 3 else rng.choice(closed)
        plan.append((pk, timedelta(days=rng.randint(1, 60), seconds=rng.uniform(-3600, 3600))))
    # Insert in time order, as a live system would (ids grow with created_at).
    plan.sort(key=lambda p: sources[p[0]][0].created_at - p[1])

    def next_id(model: Any) -> int:
        return (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1

    ids = {name: next_id(t.model) for name, t in tables.items()}
    seq = ChainHead.objects.get(pk=1).last_seq + 1 if ChainHead.objects.filter(pk=1).exists() else 1
    seq = max(seq, (Event.objects.aggregate(m=Max("seq"))["m"] or 0) + 1)
    day_counter: dict[str, int] = dict(DailySequence.objects.values_list("day", "last"))
    used_units: set[int] = set()
    ti, ci, ai, ei, ni = (tt.index, ct.index, at.index, et.index, nt.index)

    with transaction.atomic(), connection.cursor() as cur:
        for n, (src, shift) in enumerate(plan, 1):
            ticket, trow = sources[src]
            place = (
                rng.choice(counties) if counties else "01",
                f"{rng.randint(1, 12):02d}",
                f"{rng.randint(1, 15):02d}",
            )
            unit_map: dict[int | None, int | None] = {}

            def mu(
                uid: int | None, place: tuple[str, str, str] = place, unit_map: dict = unit_map
            ) -> int | None:
                if uid not in unit_map:
                    unit_map[uid] = move_unit(uid, place)
                return unit_map[uid]

            new_tid = ids["tickets"]
            ids["tickets"] += 1
            created = (ticket.created_at - shift).astimezone(beijing)
            day = created.strftime("%Y%m%d")
            day_counter[day] = day_counter.get(day, 0) + 1
            row = list(trow)
            row[ti["id"]] = new_tid
            row[ti["number"]] = f"{day}{day_counter[day]:05d}"
            row[ti["lead_unit_id"]] = mu(ticket.lead_unit_id)
            row[ti["place_id"]] = mu(ticket.place_id)
            tt.add(row, shift)
            for c in contacts.get(src, []):
                row = list(c)
                row[ci["id"]] = ids["contacts"]
                ids["contacts"] += 1
                row[ci["ticket_id"]] = new_tid
                if row[ci["idempotency_key"]] is not None:
                    row[ci["idempotency_key"]] = f"bench-{row[ci['id']]}"
                row[ci["created_by_id"]] = move_user(row[ci["created_by_id"]], unit_map)
                ct.add(row, shift)
            amap: dict[int, int] = {}
            for a in assignments.get(src, []):
                row = list(a)
                amap[row[ai["id"]]] = ids["assignments"]
                row[ai["id"]] = ids["assignments"]
                ids["assignments"] += 1
                row[ai["ticket_id"]] = new_tid
                new_unit = mu(row[ai["unit_id"]])
                row[ai["unit_id"]] = new_unit
                row[ai["unit_path"]] = units[new_unit].path  # type: ignore[index]
                used_units.add(new_unit)  # type: ignore[arg-type]
                if row[ai["parent_id"]] is not None:
                    row[ai["parent_id"]] = amap.get(row[ai["parent_id"]], row[ai["parent_id"]])
                at.add(row, shift)
            for e in events.get(src, []):
                row = list(e)
                row[ei["id"]] = ids["events"]
                ids["events"] += 1
                row[ei["seq"]] = seq
                seq += 1
                row[ei["ticket_id"]] = new_tid
                row[ei["actor_unit_id"]] = mu(row[ei["actor_unit_id"]])
                row[ei["actor_id"]] = move_user(row[ei["actor_id"]], unit_map)
                et.add(row, shift)
            for o in notes.get(src, []):
                row = list(o)
                row[ni["id"]] = ids["notifications"]
                ids["notifications"] += 1
                row[ni["ticket_id"]] = new_tid
                row[ni["user_id"]] = move_user(row[ni["user_id"]], unit_map)
                nt.add(row, shift)
            if n % BATCH == 0 or n == len(plan):
                for t in tables.values():
                    t.flush(cur)
                if n % (BATCH * 10) == 0 or n == len(plan):
                    log(f"  {n:,} / {len(plan):,} tickets copied ({time.perf_counter() - t_start:.0f} s)")
        for day, last in day_counter.items():
            DailySequence.objects.update_or_create(day=day, defaults={"last": last})
        ChainHead.objects.filter(pk=1).update(last_seq=seq - 1)
        for sql in connection.ops.sequence_reset_sql(no_style(), [t.model for t in tables.values()]):
            cur.execute(sql)
    commit_done = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    else:
        with connection.cursor() as cur:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    inserted = {name: t.inserted for name, t in tables.items()}
    rows = sum(inserted.values())
    return {
        "inserted": inserted,
        "seconds": commit_done - t_start,
        "analyze_s": time.perf_counter() - commit_done,
        "rows_per_s": rows / (commit_done - t_start),
        "units_used": len(used_units),
        "now": now.isoformat(),
    }


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(q * len(ordered) + 0.5)) - 1))
    return ordered[k]


def _shape(sql: str) -> str:
    return re.sub(r"\b\d+\b|'[^']*'", "?", sql)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Count, Q
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from hotline.audit.models import Event
    from hotline.org.models import ApiToken, Role, User
    from hotline.org.scope import DataScope
    from hotline.sla.models import Notification
    from hotline.tickets.models import Assignment, Ticket
    from hotline.tickets.selectors import scoped_tickets

    n = args.requests
    # The busiest unit: most active assignments in open tickets; its first handler.
    busiest = (
        Assignment.objects.filter(active=True, ticket__state__in=OPEN_STATES, unit__users__role=Role.HANDLER)
        .values("unit_id", "unit__code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert busiest is not None
    handler = User.objects.filter(unit_id=busiest["unit_id"], role=Role.HANDLER).order_by("id").first()
    assert handler is not None
    long_ticket_id = (
        Event.objects.filter(ticket__isnull=False)
        .values("ticket_id")
        .annotate(n=Count("id"))
        .order_by("-n", "ticket_id")
        .first()
    )
    assert long_ticket_id is not None
    long_ticket = Ticket.objects.get(pk=long_ticket_id["ticket_id"])
    handler_ticket = scoped_tickets(DataScope.of(handler)).order_by("-created_at").first()
    assert handler_ticket is not None
    names = ["operator", "dispatcher", "supervisor", "reviewer", "callback", "leader"]
    users = {name: User.objects.get(username=name) for name in names}
    users["handler"] = handler
    # The centre user with the fullest inbox (reviewers are told of every report).
    inbox_user = (
        Notification.objects.filter(user__username__in=names)
        .values("user__username")
        .annotate(n=Count("id", filter=Q(read_at__isnull=True)))
        .order_by("-n")
        .first()
    )
    inbox_name = inbox_user["user__username"] if inbox_user else "dispatcher"
    clients: dict[str, Client] = {}
    for name, user in users.items():
        c = Client()
        c.force_login(user)
        clients[name] = c
    tokens = {name: ApiToken.issue(users[name]) for name in ("dispatcher", "handler")}

    def timed(fn: Any) -> dict[str, Any]:
        for _ in range(2):
            fn()
        times, counts_, sql_times = [], [], []
        status = 0
        last: list[dict[str, Any]] = []
        for _ in range(n):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                status = fn()
                times.append(time.perf_counter() - t0)
            counts_.append(len(ctx.captured_queries))
            sql_times.append(sum(float(q["time"]) for q in ctx.captured_queries))
            last = ctx.captured_queries
        shapes = Counter(_shape(q["sql"]) for q in last)
        dup_sql, dup = shapes.most_common(1)[0] if shapes else ("", 0)
        top = max(last, key=lambda q: float(q["time"]), default={"sql": "", "time": "0"})
        return {
            "p50": statistics.median(times),
            "p99": _pct(times, 0.99),
            "queries": int(statistics.median(counts_)),
            "sql_p50": statistics.median(sql_times),
            "status": status,
            "dup": dup,
            "dup_sql": dup_sql[:300],
            "top_sql": top["sql"][:600],
            "top_sql_s": float(top["time"]),
        }

    def page(user: str, url: str, **headers: str) -> Any:
        c = clients[user]

        def fn() -> int:
            r = c.get(url, **headers)
            if r.status_code == 200 and not getattr(r, "streaming", False):
                r.content  # noqa: B018 - render fully
            return r.status_code

        return fn

    anon = Client()
    number = long_ticket.number
    baseline = {
        "healthz": timed(lambda: anon.get("/healthz").status_code),
        "orm_get": timed(lambda: Ticket.objects.get(number=number) and 200),
    }
    plan: list[tuple[str, str, str, dict[str, str]]] = []
    for name in [*names, "handler"]:
        plan.append((f"/ ({name})", name, "/", {}))
    plan += [
        ("/inbox/", inbox_name, "/inbox/", {}),
        ("/inbox/", "handler", "/inbox/", {}),
        ("/intake/", "operator", "/intake/", {}),
        (f"/tickets/{number}/", "dispatcher", f"/tickets/{number}/", {}),
        (f"/tickets/{handler_ticket.number}/", "handler", f"/tickets/{handler_ticket.number}/", {}),
        ("/dispatch/?tab=queue", "dispatcher", "/dispatch/?tab=queue", {}),
        ("/dispatch/?tab=returns", "dispatcher", "/dispatch/?tab=returns", {}),
        ("/dispatch/?tab=requests", "dispatcher", "/dispatch/?tab=requests", {}),
        ("/unit/", "handler", "/unit/", {}),
        ("/supervise/?tab=red", "supervisor", "/supervise/?tab=red", {}),
        ("/supervise/?tab=yellow", "supervisor", "/supervise/?tab=yellow", {}),
        ("/supervise/?tab=complaints", "supervisor", "/supervise/?tab=complaints", {}),
        ("/review/", "reviewer", "/review/", {}),
        ("/callback/", "callback", "/callback/", {}),
        ("/leader/", "leader", "/leader/", {}),
        ("/kb/?q=社保", "operator", "/kb/?q=社保", {}),
    ]
    for who in ("dispatcher", "handler"):
        auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens[who]}"}
        num = number if who == "dispatcher" else handler_ticket.number
        plan.append(("GET /api/v1/tickets", who, "/api/v1/tickets", auth))
        plan.append(("GET /api/v1/tickets/<number>", who, f"/api/v1/tickets/{num}", auth))
    rows = []
    for label, user, url, headers in plan:
        figures = timed(page(user, url, **headers))
        rows.append({"page": label, "user": user, "url": url, **figures})
        log(f"  {label:<34} {user:<12} p50 {_ms(figures['p50'])} ms, {figures['queries']} SQL")
    return {
        "vendor": connection.vendor,
        "baseline": baseline,
        "rows": rows,
        "handler": handler.username,
        "handler_unit": busiest["unit__code"],
        "handler_tickets": scoped_tickets(DataScope.of(handler)).count(),
        "long_ticket": number,
        "long_ticket_events": long_ticket_id["n"],
    }


if __name__ == "__main__":
    main()
