"""Guessing benchmark: how many guesses an attacker gets at a password and at a ticket.

Usage::

    python bench/guess.py [--db sqlite|postgresql|both] [--clients 8] [--json]

For each database it makes a fresh, migrated database with an operator (as
``bench/intake.py`` does), starts ``python -m hotline serve --no-migrate`` (several
gunicorn worker processes) with ``HOTLINE_TRUSTED_PROXIES=127.0.0.1``, so that each
request can say which client address it comes from in ``X-Forwarded-For``, and attacks
it with ``--clients`` threads at once, a new connection per request (so the guesses
spread over the workers):

* **password**: wrong passwords for the operator's account from many addresses, then the
  right one: how many wrong ones were answered (401) before the refusals (429), and
  whether the right one was refused too;
* **password, one address**: wrong passwords for many accounts from one address;
* **ticket by phone digits**: all 10,000 values of ``phone_last4`` for one ticket, each
  from its own address (the attack the issue describes: all 10,000 were answered in
  24 s): how many were answered (404) before the refusals, whether the right digits got
  through, and whether the query code still opens the ticket afterwards;
* **lookups, one address**: wrong query codes at many ticket numbers from one address.

The baseline of this benchmark is the arithmetic itself: each figure is a count that the
limits in ``settings.HOTLINE_LIMITS`` fix, whatever the machine and however many
requests arrive at once (the limiter counts an attempt before it tries it).

Everything it creates is removed at the end (server processes, temporary files, the
PostgreSQL databases), also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import intake  # noqa: E402 - bench/intake.py: databases, the server, the operator

log = intake.log
PHONE = "13712345678"  # the ticket's phone: the right digits are 5678


def _statuses(calls: list[Callable[[], int]], clients: int) -> list[int]:
    """Run ``calls`` from ``clients`` threads at once; their statuses, in call order."""
    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(lambda call: call(), calls))


def attack(kind: str, clients: int, dbs: intake.Databases) -> dict[str, Any]:
    import httpx

    log(f"\n== {kind}: preparing a fresh database")
    db = dbs.fresh(kind, "guess")
    intake.migrate(db)
    intake.run_child(db, "setup")
    os.environ["HOTLINE_TRUSTED_PROXIES"] = "127.0.0.1"  # read by the server's environment
    server = intake.Server(db, dbs.tmpdir, workers=None, threads=None)
    try:
        server.wait_ready()
        workers = len(server.worker_pids()) - 1
        base = server.base_url

        def token(username: str, password: str, address: str) -> int:
            body = {"username": username, "password": password}
            headers = {"X-Forwarded-For": address}
            return httpx.post(f"{base}/api/v1/auth/token", json=body, headers=headers, timeout=60).status_code

        def lookup(number: str, address: str, **params: str) -> int:
            url = f"{base}/api/v1/public/tickets/{number}"
            return httpx.get(url, params=params, headers={"X-Forwarded-For": address}, timeout=60).status_code

        headers = {"Authorization": f"Bearer {intake.get_token(server)}"}
        made = httpx.post(
            f"{base}/api/v1/tickets",
            json={"channel": "phone", "text": "小区路灯不亮已经一周", "phone": PHONE},
            headers=headers,
            timeout=60,
        ).json()
        number, code = made["number"], made["query_code"]

        log(f"   {workers} worker processes; password guesses")
        wrong = [
            lambda i=i: token(intake.OPERATOR, f"wrong-guess-{i}", f"198.51.{i // 250}.{i % 250 + 1}")
            for i in range(50)
        ]
        passwords = Counter(_statuses(wrong, clients))
        right_after = token(intake.OPERATOR, intake.OPERATOR_PASSWORD, "203.0.113.200")
        spray = [lambda i=i: token(f"nobody{i}", "wrong-guess", "203.0.113.9") for i in range(100)]
        one_address = Counter(_statuses(spray, clients))

        log("   10,000 phone-digit guesses at one ticket, each from its own address")
        started = time.perf_counter()
        digits = [lambda i=i: lookup(number, f"10.{i // 62500}.{i // 250 % 250}.{i % 250 + 1}", phone_last4=f"{i:04d}") for i in range(10_000)]  # fmt: skip
        guesses = _statuses(digits, clients)
        seconds = time.perf_counter() - started
        code_after = lookup(number, "192.0.2.77", query_code=code)
        codes = [
            lambda i=i: lookup(f"20990101{i:06d}", "192.0.2.55", query_code="ZZZZZZ") for i in range(100)
        ]
        lookups_one_address = Counter(_statuses(codes, clients))
    finally:
        server.stop()
        os.environ.pop("HOTLINE_TRUSTED_PROXIES", None)
    return {
        "database": kind,
        "workers": workers,
        "clients": clients,
        "wrong_passwords_answered": passwords[401],
        "wrong_passwords_refused": passwords[429],
        "right_password_after": right_after,
        "one_address_accounts_answered": one_address[401],
        "one_address_accounts_refused": one_address[429],
        "digit_guesses": len(guesses),
        "digit_guesses_answered": guesses.count(404),
        "digit_guesses_refused": guesses.count(429),
        "digit_guesses_found": guesses.count(200),
        "digit_guess_seconds": round(seconds, 1),
        "query_code_after": code_after,
        "one_address_lookups_answered": lookups_one_address[404],
        "one_address_lookups_refused": lookups_one_address[429],
    }


def report(r: dict[str, Any]) -> None:
    log(
        f"\n{r['database']} ({r['workers']} workers, {r['clients']} clients at once):\n"
        f"  password, one account, many addresses: {r['wrong_passwords_answered']} wrong answered, "
        f"{r['wrong_passwords_refused']} refused; then the right one: HTTP {r['right_password_after']}\n"
        f"  password, one address, many accounts:  {r['one_address_accounts_answered']} answered, "
        f"{r['one_address_accounts_refused']} refused\n"
        f"  phone digits at one ticket, {r['digit_guesses']:,} addresses: {r['digit_guesses_answered']} answered, "
        f"{r['digit_guesses_refused']:,} refused, {r['digit_guesses_found']} found it "
        f"({r['digit_guess_seconds']} s); the query code afterwards: HTTP {r['query_code_after']}\n"
        f"  lookups, one address, many tickets:    {r['one_address_lookups_answered']} answered, "
        f"{r['one_address_lookups_refused']} refused"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--pg-admin-url", default=intake.DEFAULT_PG_ADMIN_URL)
    parser.add_argument("--json", action="store_true", help="figures as JSON on stdout")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    dbs = intake.Databases(args.pg_admin_url)
    results = []
    try:
        with intake.terminate_as_interrupt():
            for kind in kinds:
                results.append(attack(kind, args.clients, dbs))
                report(results[-1])
    finally:
        dbs.cleanup()
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
