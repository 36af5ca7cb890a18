"""Hotspot time on a million tickets in the database, beside scikit-learn's vectoriser.

    python bench/hotspots.py [--tickets 1000000] [--windows 30,365] [--database-url URL]

For each window (30 and 365 days) a fresh window of ``--tickets`` labelled tickets from
``bench/hotspots_corpus.py`` is written to a scratch database (SQLite in the temp
folder, or ``--database-url``, e.g. a PostgreSQL database of your own: its tickets are
deleted), then ``find_hotspots`` runs on it as the page and the command do: the read of
the window through the data scope, the grouping, the naming of the top 20. Printed: the
time of each, and scikit-learn's ``TfidfVectorizer`` (character 2–3-grams, the same
texts) alone as the unit of comparison, and the purity of the top ten.

Writing the tickets: rows of the ticket table only, written with ``executemany`` (on
PostgreSQL ``COPY``) in one transaction (no intake, no events, no rollups: those are not what is measured,
and a million intakes take hours). The place units are real units of the scratch
database.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def setup(url: str) -> None:
    if not url:
        scratch = Path(tempfile.gettempdir()) / "bench_hotspots.sqlite3"
        scratch.unlink(missing_ok=True)
        url = f"sqlite:///{scratch}"
    os.environ["HOTLINE_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def towns() -> dict[int, int]:
    """The corpus's township numbers → units of the scratch database."""
    import hotspots_corpus

    from hotline.org.models import Level, Unit, UnitKind

    top, _ = Unit.objects.get_or_create(
        code="BENCH",
        defaults={"name": "基准州人民政府", "level": Level.PREFECTURE, "kind": UnitKind.GOVERNMENT},
    )
    out = {}
    k = 0
    for c, county in enumerate(hotspots_corpus.COUNTIES):
        cu, _ = Unit.objects.get_or_create(
            code=f"BENCH-{c}",
            defaults={
                "name": f"{county}人民政府",
                "level": Level.COUNTY,
                "kind": UnitKind.GOVERNMENT,
                "parent": top,
                "area": county,
            },
        )
        for t, town in enumerate(hotspots_corpus.TOWNS):
            tu, _ = Unit.objects.get_or_create(
                code=f"BENCH-{c}-{t}",
                defaults={
                    "name": f"{county}{town}",
                    "level": Level.TOWNSHIP,
                    "kind": UnitKind.GOVERNMENT,
                    "parent": cu,
                    "area": town,
                },
            )
            out[1000 + k] = tu.pk
            k += 1
    return out


def write(rows: list[dict[str, Any]], units: dict[int, int]) -> float:
    """The tickets as rows of the ticket table, by ``executemany`` (every other column at
    its model default): Django's ``bulk_create`` spends most of a million rows' time on
    the model instances."""
    from django.db import connection, transaction

    from hotline.tickets.models import Ticket

    table = Ticket._meta.db_table
    given = [
        "number",
        "title",
        "text",
        "topic",
        "urgency",
        "emotion",
        "place_id",
        "lead_unit_id",
        "created_at",
        "updated_at",
    ]
    fixed = {"channel": "web", "query_code": "", "state": "dispatched"}
    fields = [f for f in Ticket._meta.concrete_fields if not f.primary_key and f.attname not in given]
    defaults = [
        f.get_db_prep_save(fixed[f.attname] if f.attname in fixed else f.get_default(), connection)
        for f in fields
    ]
    columns = ", ".join(connection.ops.quote_name(c) for c in [*given, *(f.column for f in fields)])
    marks = ", ".join(["%s"] * (len(given) + len(fields)))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 (names from the model)
    adapt = connection.ops.adapt_datetimefield_value
    with transaction.atomic(), connection.cursor() as cursor:
        # The last run's tickets: nothing else refers to them. (Not timed: PostgreSQL
        # checks every table that refers to tickets for each row it deletes.)
        cursor.execute(f"DELETE FROM {table} WHERE number LIKE 'B%%'")  # noqa: S608
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for lo in range(0, len(rows), 20_000):
            batch = []
            for r in rows[lo : lo + 20_000]:
                at = adapt(r["created_at"])
                batch.append(
                    (
                        r["number"],
                        r["title"],
                        r["text"],
                        r["topic"],
                        r["urgency"],
                        r["emotion"],
                        units.get(r["place_id"]) if r["place_id"] else None,
                        units.get(r["lead_unit_id"]) if r["lead_unit_id"] else None,
                        at,
                        at,
                        *defaults,
                    )
                )
            if connection.vendor == "postgresql":
                # COPY: PostgreSQL takes a million rows in a minute, not ten.
                copy_sql = f"COPY {table} ({columns}) FROM STDIN"  # noqa: S608 (names from the model)
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                cursor.executemany(sql, batch)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--windows", default="30,365")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    setup(args.database_url)
    import hotspots_corpus
    from django.db import connection

    from hotline.analytics import hotspots
    from hotline.org.scope import DataScope

    units = towns()
    end = datetime(2025, 12, 31, 23, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    print(f"database: {connection.vendor}")
    for days in (int(d) for d in args.windows.split(",")):
        rows = hotspots_corpus.window(args.tickets, end=end, days=days, seed=11)
        written = write(rows, units)
        truth = {r["number"]: r["truth"] for r in rows}
        print(f"\n{len(rows):,} tickets in a {days}-day window (written in {written:.0f} s)")
        started = time.perf_counter()
        read = hotspots.window_rows(DataScope(everything=True), end - timedelta(days=days), end)
        reading = time.perf_counter() - started
        del read
        started = time.perf_counter()
        found = hotspots.find_hotspots(DataScope(everything=True), as_of=end, days=days, top=20)
        elapsed = time.perf_counter() - started
        print(
            f"  find_hotspots (read, group, name the top 20)  {elapsed:6.1f} s  (of which reading ≈ {reading:.1f} s)"
        )
        if not args.no_baseline:
            from sklearn.feature_extraction.text import TfidfVectorizer

            docs = [hotspots._doc(r["title"], r["text"]) for r in rows]
            started = time.perf_counter()
            TfidfVectorizer(analyzer="char", ngram_range=(2, 3), min_df=2, sublinear_tf=True).fit_transform(
                docs
            )
            sk = time.perf_counter() - started
            print(
                f"  baseline: scikit-learn TfidfVectorizer alone {sk:6.1f} s  → find_hotspots = {elapsed / sk:.2f}× it"
            )
        for h in found[:10]:
            main_share = Counter(truth[n] for n in h.tickets).most_common(1)[0]
            purity = main_share[1] / h.count if main_share[0] >= 0 else 0.0
            print(f"     {h.count:5d}  {h.name}  {h.trend}  (purity {purity:.0%})")


if __name__ == "__main__":
    main()
