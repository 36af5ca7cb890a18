"""Audit anchor benchmark: checkpoints, verify --checkpoints and receipts at scale.

Usage::

    python bench/audit.py [--events 100000] [--db sqlite|postgresql|both] [--checkpoints 100]

For each database it makes a fresh one (a temporary SQLite file, or a new PostgreSQL
database beside ``HOTLINE_BENCH_PG_URL``), migrates it, and writes ``--events`` valid
chained events straight into it (bulk inserts, no actions: the events' content does not
matter to the tree). Then it times, in the same run:

- the baseline: ``chain.verify()`` (the hash chain walk that ``hotline audit verify``
  already does), which every other figure is printed as a ratio of;
- the first checkpoint (fills the stored Merkle nodes for the whole log, then signs);
- a checkpoint after 1,000 more events (the worker's usual case);
- ``verify_checkpoints`` against ``--checkpoints`` signed heads at sizes spread over the log;
- one citizen's receipt (10 events' inclusion proofs from the stored nodes), and its size.

The Merkle tree adds nothing to an action: nodes are filled by the checkpointer, so the
intake rate (``bench/intake.py``) is not changed by it. Everything created is removed at
the end; ``--json`` prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

REPO = Path(__file__).resolve().parent.parent
DEFAULT_PG_ADMIN_URL = os.environ.get("HOTLINE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def child(events: int, checkpoints: int) -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    django.setup()
    from datetime import UTC, datetime, timedelta

    from django.core.management import call_command

    from hotline.audit import chain, merkle, merkle_store, receipts, signing
    from hotline.audit import checkpoints as store
    from hotline.audit.models import ChainHead, Event

    call_command("migrate", verbosity=0)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    state = {"seq": 0, "hash": chain.GENESIS_HASH}

    def insert(n: int) -> None:
        rows = []
        for _ in range(n):
            state["seq"] += 1
            seq = state["seq"]
            event = Event(
                seq=seq,
                action="create",
                actor_role="operator",
                payload={"channel": "phone", "n": seq},
                created_at=base + timedelta(seconds=seq),
                prev_hash=state["hash"],
            )
            event.hash = chain.event_hash(event, state["hash"])
            state["hash"] = event.hash
            rows.append(event)
            if len(rows) == 5000:
                Event.objects.bulk_create(rows)
                rows = []
        Event.objects.bulk_create(rows)
        ChainHead.objects.filter(id=1).update(last_seq=state["seq"], last_hash=state["hash"])

    insert(events)
    figures: dict[str, Any] = {"events": events}
    started = time.perf_counter()
    assert chain.verify().ok
    figures["chain_verify_s"] = time.perf_counter() - started

    signing.generate(signing.key_path())
    made = store.make_checkpoint()
    figures["first_checkpoint_s"] = made.seconds
    insert(1000)
    made = store.make_checkpoint()
    figures["checkpoint_after_1000_s"] = made.seconds

    # More signed heads at sizes spread over the log, as the worker would have left them.
    tree = store.tree_of_events()
    key = signing.load()
    for i in range(1, checkpoints - 1):
        size = max(1, tree.size * i // checkpoints)
        store.append(signing.sign(key, size, tree.root(size), 1_767_225_600_000 + i))
    public = signing.public_hex(key.public_key())
    started = time.perf_counter()
    report = store.verify_checkpoints(store.store_dir(), [public])
    figures["verify_checkpoints_s"] = time.perf_counter() - started
    figures["checkpoints"] = report.checkpoints
    assert report.ok, report.problems

    picked = list(Event.objects.filter(seq__in=range(1, tree.size, tree.size // 10)).order_by("seq")[:10])
    started = time.perf_counter()
    receipt = receipts.receipt(picked)
    figures["receipt_10_events_ms"] = (time.perf_counter() - started) * 1000
    proof = receipt["events"][0]["proof"]
    figures["proof_hashes"] = len(proof)
    figures["proof_bytes_raw"] = 32 * len(proof)
    figures["receipt_json_bytes"] = len(json.dumps(receipt))
    assert receipts.check({"receipt": receipt}).ok
    figures["max_proof_hashes"] = max(len(merkle.inclusion_ranges(i, tree.size)) for i in (0, tree.size - 1))
    figures["stored_nodes"] = merkle_store.filled_size()
    return figures


def _pg_url(admin_url: str, name: str) -> str:
    return urlunparse(urlparse(admin_url)._replace(path=f"/{name}"))


def run(db: str, events: int, checkpoints: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="hotline-audit-bench-") as data:
        env = {**os.environ, "HOTLINE_DATA_DIR": data, "PYTHONPATH": str(REPO)}
        env.pop("HOTLINE_AUDIT_KEY", None)
        env.pop("HOTLINE_AUDIT_CHECKPOINTS", None)
        env.pop("HOTLINE_AUDIT_WEBHOOK", None)
        pg_name = ""
        if db == "sqlite":
            env["HOTLINE_DATABASE_URL"] = f"sqlite:///{data}/bench.sqlite3"
        else:
            import psycopg

            pg_name = f"hotline_audit_bench_{os.getpid()}"
            with psycopg.connect(DEFAULT_PG_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{pg_name}"')
            env["HOTLINE_DATABASE_URL"] = _pg_url(DEFAULT_PG_ADMIN_URL, pg_name)
        try:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    "--events",
                    str(events),
                    "--checkpoints",
                    str(checkpoints),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode != 0:
                raise SystemExit(f"{db} child failed:\n{out.stderr}")
            figures: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
        finally:
            if pg_name:
                import psycopg

                with psycopg.connect(DEFAULT_PG_ADMIN_URL, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    figures["db"] = db
    return figures


def report(f: dict[str, Any]) -> str:
    base = f["chain_verify_s"]
    return "\n".join(
        [
            f"[{f['db']}] {f['events']:,} events (+1,000), baseline chain.verify {base:.2f} s",
            f"  first checkpoint (fills the nodes of all {f['events']:,} events): {f['first_checkpoint_s']:.2f} s"
            f" ({f['first_checkpoint_s'] / base:.2f}× baseline)",
            f"  checkpoint after 1,000 more events: {f['checkpoint_after_1000_s'] * 1000:.0f} ms",
            f"  verify --checkpoints, {f['checkpoints']} heads: {f['verify_checkpoints_s']:.2f} s"
            f" ({f['verify_checkpoints_s'] / base:.2f}× baseline)",
            f"  receipt of 10 events: {f['receipt_10_events_ms']:.1f} ms; a proof {f['proof_hashes']} hashes"
            f" ({f['proof_bytes_raw']} bytes raw, at most {f['max_proof_hashes']}); receipt JSON"
            f" {f['receipt_json_bytes']:,} bytes",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--checkpoints", type=int, default=100)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.events, args.checkpoints)))
        return
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results = [run(db, args.events, args.checkpoints) for db in dbs]
    for figures in results:
        print(report(figures), file=sys.stderr if args.json else sys.stdout)
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
