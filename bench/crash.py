"""Crash benchmark: no ticket lost, none duplicated, when the server dies mid-intake.

Usage::

    python bench/crash.py [--requests 2000] [--clients 8] [--kills 3] [--db sqlite|postgresql|both]
                          [--json]

For each database it makes a fresh, migrated database with an operator (as
``bench/intake.py`` does), starts ``python -m hotline serve --no-migrate`` and lets
``--clients`` threads POST ``--requests`` realistic intakes, each with its own
idempotency key, to ``/api/v1/tickets``. Three times (``--kills``), when a share of the
requests has been acknowledged, the whole server process group (gunicorn master and
workers) gets ``SIGKILL`` — ``kill -9``, no shutdown, requests cut off mid-transaction —
and is started again. A client whose request failed (connection refused or reset, a
timeout, any non-2xx answer) does not know whether the ticket was made; like a real
client it re-sends the very same body, idempotency key included, until it is
acknowledged.

At the end, in the database:

* **lost**: acknowledged requests whose idempotency key has no contact (must be 0);
* **duplicated**: tickets beyond one per idempotency key, and contacts whose text was
  stored twice under different keys (must be 0 and 0);
* **mismatched**: acknowledgements whose ticket number is not the one the database
  holds for that key (a replay must answer with the first ticket; must be 0);
* ``hotline audit verify`` on the database after the crashes (the trace of every
  acknowledged intake is whole).

Beside them: how many requests were cut off and re-sent, and how many of the re-sends
found that the first attempt had in fact committed (answered 200 with the existing
ticket instead of 201). The baseline of this benchmark is the arithmetic itself: every
figure is a count that must be exactly 0, whatever the machine.

Everything it creates is removed at the end (server processes, temporary files, the
PostgreSQL databases), also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import intake  # noqa: E402 - bench/intake.py: databases, the server, realistic requests

PYTHON = sys.executable
log = intake.log


@dataclass
class Outcome:
    """What the clients saw."""

    acknowledged: dict[str, str] = field(default_factory=dict)  # idempotency key -> ticket number
    created_201: int = 0
    replayed_200: int = 0  # a re-send answered with the ticket the first attempt made
    failures: Counter[str] = field(default_factory=Counter)  # why a try did not get an answer
    resent: int = 0
    kills: list[dict[str, Any]] = field(default_factory=list)


class CrashingServer:
    """The server under test, killed with SIGKILL and restarted on demand. Clients read
    ``base_url`` before each try: a restart may move the server to another port."""

    def __init__(self, db: intake.BenchDB, logdir: Path) -> None:
        self.db = db
        self.logdir = logdir
        self.lock = threading.Lock()
        self.server = self._start()

    def _start(self) -> intake.Server:
        server = intake.Server(self.db, self.logdir, None, None)
        server.wait_ready()
        return server

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def kill_and_restart(self) -> float:
        """``kill -9`` the whole process group, then start again; the seconds it was down."""
        with self.lock:
            down = time.perf_counter()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.server.proc.pid, signal.SIGKILL)
            self.server.proc.wait(timeout=30)
            self.server._log.close()
            self.server = self._start()
            return time.perf_counter() - down

    def stop(self) -> None:
        self.server.stop()


def run_clients(
    crashing: CrashingServer, token: str, requests: int, clients: int, kills: int, run: str
) -> Outcome:
    import httpx

    outcome = Outcome()
    pending: queue.Queue[int] = queue.Queue()
    for i in range(requests):
        pending.put(i)
    lock = threading.Lock()
    acked = [0]
    # Kill when 20 %, 45 %, 70 % … of the requests are acknowledged: mid-run, with load.
    kill_points = [int(requests * (0.2 + 0.25 * k)) for k in range(kills)]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client() -> None:
        http = httpx.Client(headers=headers, timeout=20.0)
        try:
            while True:
                try:
                    i = pending.get_nowait()
                except queue.Empty:
                    return
                body = intake.make_request(i, run)
                payload = json.dumps(body, ensure_ascii=False).encode()
                attempts = 0
                while True:
                    attempts += 1
                    try:
                        response = http.post(f"{crashing.base_url}/api/v1/tickets", content=payload)
                    except httpx.HTTPError as exc:
                        reason = type(exc).__name__
                    else:
                        if response.status_code in (200, 201):
                            number = response.json()["number"]
                            with lock:
                                outcome.acknowledged[body["idempotency_key"]] = number
                                if response.status_code == 201:
                                    outcome.created_201 += 1
                                elif attempts > 1:
                                    outcome.replayed_200 += 1
                                if attempts > 1:
                                    outcome.resent += 1
                                acked[0] += 1
                            break
                        reason = f"HTTP {response.status_code}"
                    with lock:
                        outcome.failures[reason] += 1
                    # The server is down or restarting: a fresh connection, a short pause.
                    http.close()
                    http = httpx.Client(headers=headers, timeout=20.0)
                    time.sleep(0.2)
        finally:
            http.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for point in kill_points:
        while acked[0] < point and any(t.is_alive() for t in threads):
            time.sleep(0.005)
        if not any(t.is_alive() for t in threads):
            break
        at = acked[0]
        down = crashing.kill_and_restart()
        outcome.kills.append({"after_acknowledged": at, "down_seconds": round(down, 2)})
        log(f"   kill -9 after {at} acknowledged; back in {down:.1f} s")
    for thread in threads:
        thread.join()
    return outcome


# --------------------------------------------------------------------------------------
# Counting, in a child process with Django set up on the bench database
# --------------------------------------------------------------------------------------


def child_count(acknowledged_file: str) -> dict[str, Any]:
    from django.db.models import Count

    from hotline.tickets.models import Contact, Ticket

    acknowledged: dict[str, str] = json.loads(Path(acknowledged_file).read_text())
    stored = dict(
        Contact.objects.filter(idempotency_key__isnull=False).values_list("idempotency_key", "ticket__number")
    )
    lost = [key for key in acknowledged if key not in stored]
    mismatched = [key for key, number in acknowledged.items() if key in stored and stored[key] != number]
    same_text_twice = Contact.objects.values("text", "phone").annotate(n=Count("id")).filter(n__gt=1).count()
    tickets = Ticket.objects.count()
    return {
        "tickets": tickets,
        "contacts_with_key": len(stored),
        "lost": len(lost),
        "duplicated": (tickets - len(stored)) + same_text_twice,
        "mismatched": len(mismatched),
        "examples": {"lost": lost[:5], "mismatched": mismatched[:5]},
    }


def audit_verify(db: intake.BenchDB) -> dict[str, Any]:
    proc = subprocess.run(
        [PYTHON, "-m", "hotline", "audit", "verify"],
        env=intake.child_env(db),
        cwd=intake.REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    return {"ok": proc.returncode == 0, "output": (proc.stdout + proc.stderr).strip()[-500:]}


def crash_one(kind: str, args: argparse.Namespace, dbs: intake.Databases) -> dict[str, Any]:
    log(f"\n== {kind}: preparing a fresh database")
    db = dbs.fresh(kind, "crash")
    intake.migrate(db)
    intake.run_child(db, "setup")
    crashing = CrashingServer(db, dbs.tmpdir)
    started = time.perf_counter()
    try:
        token = intake.get_token(crashing.server)
        log(f"   {args.requests} intakes, {args.clients} clients, {args.kills} × kill -9 of the server")
        outcome = run_clients(crashing, token, args.requests, args.clients, args.kills, kind)
    finally:
        crashing.stop()
    elapsed = time.perf_counter() - started
    acknowledged_file = dbs.tmpdir / f"acknowledged-{kind}.json"
    acknowledged_file.write_text(json.dumps(outcome.acknowledged))
    counts = intake.run_child(db, "count", str(acknowledged_file), script=__file__)
    verify = audit_verify(db)
    result = {
        "db": kind,
        "requests": args.requests,
        "acknowledged": len(outcome.acknowledged),
        "seconds": round(elapsed, 1),
        "kills": outcome.kills,
        "failed_tries": dict(outcome.failures),
        "resent_then_acknowledged": outcome.resent,
        "resend_found_first_attempt_committed": outcome.replayed_200,
        **counts,
        "audit_verify": verify,
    }
    print_result(result)
    return result


def print_result(r: dict[str, Any]) -> None:
    log(f"   acknowledged        {r['acknowledged']} of {r['requests']} in {r['seconds']} s")
    log(f"   tickets in database {r['tickets']}")
    log(f"   lost                {r['lost']}")
    log(f"   duplicated          {r['duplicated']}")
    log(f"   mismatched numbers  {r['mismatched']}")
    log(f"   tries cut off       {sum(r['failed_tries'].values())} {r['failed_tries']}")
    log(
        f"   re-sent, then acked {r['resent_then_acknowledged']} "
        f"(of which the first try had committed: {r['resend_found_first_attempt_committed']})"
    )
    log(
        f"   audit verify        {'ok' if r['audit_verify']['ok'] else 'FAILED'}: {r['audit_verify']['output']}"
    )


def child_main(argv: list[str]) -> None:
    name, *rest = argv
    intake._django()
    if name == "setup":
        result = intake.child_setup()
    elif name == "count":
        result = child_count(rest[0])
    else:
        raise SystemExit(f"unknown child {name}")
    print(json.dumps(result, ensure_ascii=False))


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
        return 0
    parser = argparse.ArgumentParser(description="Crash benchmark: kill -9 the server during intake")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-admin-url", default=intake.DEFAULT_PG_ADMIN_URL)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON on stdout")
    args = parser.parse_args()
    if args.json:
        intake._REPORT_STREAM[0] = sys.stderr
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    dbs = intake.Databases(args.pg_admin_url)
    results = []
    try:
        with intake.terminate_as_interrupt():
            for kind in kinds:
                results.append(crash_one(kind, args, dbs))
    except KeyboardInterrupt:
        log("\ninterrupted: cleaning up")
        return 130
    finally:
        dbs.cleanup()
    if args.json:
        print(json.dumps({"config": vars(args) | {"pg_admin_url": None}, "results": results}, indent=2))
    bad = [
        r for r in results if r["lost"] or r["duplicated"] or r["mismatched"] or not r["audit_verify"]["ok"]
    ]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
