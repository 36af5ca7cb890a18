"""The 110 link's cost, next to the same work without it, in the same run.

    python bench/police.py [--db sqlite|postgresql|both] [--tickets 200]

A fresh database (a temporary SQLite file, or a new PostgreSQL database through
``--pg-admin-url``) is migrated and given the 12345 centre and an operator; a real HTTP
server on a free local port plays 110 (it checks the HMAC signature of every request and
answers with a case number, or 503 while it is "down"). In one process:

1. 转110 with the link off (the baseline) and on, alternating ticket by ticket: the time of ``transfer_police`` (with
   the link on: outbox row, the after-commit send to 110 and the ``police_ack`` event
   recorded from its answer) and the hand-off latency (call → 110 has the request).
2. 110 down: every transfer's first send fails (503); then 110 is up, the backoff is
   declared elapsed, and the worker's ``deliver_due`` drains the outbox: messages per
   second and attempts per message.
3. 110 hands matters in: signed ``POST /channels/police/`` (Django's test client, no
   sockets) next to ``take_in`` of the same contacts (the baseline).
"""

from __future__ import annotations

import argparse
import hmac
import json
import logging
import os
import secrets
import statistics
import sys
import tempfile
import time
from email.message import Message
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _load import percentile  # noqa: E402 - bench/_load.py: the percentile the benches report
from _peer import Peer, hmac_hex  # noqa: E402 - bench/_peer.py: the fake HTTP peers

SECRET = secrets.token_hex(32)
TEXTS = [
    "小区门口有人打架,已经有人受伤流血",
    "楼下有人持刀威胁路人,情况紧急",
    "停车场有人砸车窗偷东西",
    "夜里有人在小区里撬门入室",
]


class Police110(Peer):
    """110's side: checks the signature, answers with a case number (or 503 when down)."""

    def __init__(self) -> None:
        self.down = False
        self.arrived: dict[str, float] = {}  # ticket number → perf_counter at arrival
        self.bad = 0
        self.cases: dict[str, str] = {}
        super().__init__()
        self.url = f"http://127.0.0.1:{self.port}/api"

    def answer(self, headers: Message, body: bytes) -> tuple[int, dict[str, Any]]:
        arrived = time.perf_counter()
        mac = hmac_hex(
            SECRET, "12345->110", headers["X-Hotline-Timestamp"], headers["X-Hotline-Nonce"], body=body
        )
        message = json.loads(body)
        with self.lock:
            if not hmac.compare_digest("v1=" + mac, headers["X-Hotline-Signature"]):
                self.bad += 1
                return 403, {"ok": False}
            if self.down:
                return 503, {"ok": False}
            self.arrived.setdefault(message["ticket"], arrived)
            case = self.cases.setdefault(message["request_id"], f"110-B{len(self.cases) + 1:06d}")
            return 200, {"ok": True, "case_number": case}


def fresh_database(kind: str, pg_admin: str) -> str:
    if kind == "sqlite":
        return "sqlite:///" + str(Path(tempfile.mkdtemp(prefix="bench-police-")) / "bench.sqlite3")
    import psycopg

    name = f"bench_police_{os.getpid()}"
    with psycopg.connect(pg_admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return pg_admin.rsplit("/", 1)[0] + "/" + name


def ms(values: list[float]) -> str:
    values = sorted(values)
    p99 = percentile(values, 0.99)
    return f"p50 {1000 * statistics.median(values):.1f} ms, p99 {1000 * p99:.1f} ms"


def run(url: str, n: int) -> None:
    os.environ["HOTLINE_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from hotline.channels.models import PoliceMessage
    from hotline.channels.police import deliver_due
    from hotline.org.actor import Actor
    from hotline.org.models import Level, Role, Unit, UnitKind, User
    from hotline.tickets import actions
    from hotline.tickets.intake import take_in

    call_command("migrate", verbosity=0)
    logging.getLogger("hotline.channels.police").setLevel(logging.ERROR)  # 110 "down" is on purpose
    centre = Unit.objects.create(
        code="CENTRE", name="12345热线中心", level=Level.CENTRE, kind=UnitKind.CENTRE
    )
    operator = Actor.of(
        User.objects.create_user("operator", password="x" * 12, role=Role.OPERATOR, unit=centre)
    )
    police = Police110()
    settings.ALLOWED_HOSTS = ["*"]

    def new(i: int) -> str:
        contact = actions.NewContact(
            channel="phone", text=TEXTS[i % 4], phone=f"138{i:08d}", address="城关镇"
        )
        return take_in(operator, contact).ticket.number

    def transfers(numbers: list[str]) -> list[float]:
        took = []
        for number in numbers:
            started = time.perf_counter()
            actions.transfer_police(operator, number, reason="属警情,转110")
            took.append(time.perf_counter() - started)
        return took

    new(0)  # triage's model and dictionaries load once, outside the figures
    print(f"\n== {url.split(':', 1)[0]}: {n} tickets each ==")

    def link(on: bool) -> None:
        settings.HOTLINE_POLICE_URL = police.url if on else ""
        settings.HOTLINE_POLICE_SECRET = SECRET if on else ""

    # Off and on alternate, ticket by ticket: a neighbour's load falls on both alike.
    pairs = [(new(2 * i), new(2 * i + 1)) for i in range(n)]
    off, on, latency = [], [], []
    for plain, linked in pairs:
        link(False)
        off += transfers([plain])
        link(True)
        started = time.perf_counter()
        on += transfers([linked])
        latency.append(police.arrived[linked] - started)
    acked = PoliceMessage.objects.filter(acknowledged_at__isnull=False).count()
    print(f"转110, link off (baseline): {ms(off)}")
    print(
        f"转110, link on, 110 up:     {ms(on)}  ({statistics.median(on) / statistics.median(off):.2f}× baseline)"
    )
    print(
        f"hand-off latency (call → 110 has it): {ms(latency)}; acknowledged {acked}/{n}, bad signatures {police.bad}"
    )

    police.down = True
    down = transfers([new(i) for i in range(n)])
    police.down = False
    waiting = PoliceMessage.objects.filter(acknowledged_at__isnull=True)
    assert waiting.count() == n, waiting.count()
    waiting.update(next_attempt_at=timezone.now())  # the backoff has passed
    started = time.perf_counter()
    sent = 0
    while True:
        round_ = deliver_due()
        sent += round_.sent
        if not round_.sent and not round_.failed:
            break
    drained = time.perf_counter() - started
    attempts = [m.attempts for m in PoliceMessage.objects.order_by("-id")[:n]]
    print(
        f"转110, 110 down (first send 503): {ms(down)} ({statistics.median(down) / statistics.median(off):.2f}× baseline); "
        f"worker retry: {sent} sent in {drained:.2f} s ({sent / drained:.0f}/s), "
        f"{statistics.mean(attempts):.1f} attempts per message"
    )

    client = Client()

    def hand_in(i: int) -> float:
        body = json.dumps(
            {
                "type": "handoff",
                "case_number": f"110-IN{i:06d}",
                "request": {"text": f"{TEXTS[i % 4]}(非警情,转12345){i}"},
                "caller": {"phone": f"139{i:08d}"},
            },
            ensure_ascii=False,
        ).encode()
        ts, nonce = str(int(time.time())), secrets.token_hex(12)
        mac = hmac_hex(SECRET, "110->12345", ts, nonce, body=body)
        headers = {"X-Hotline-Timestamp": ts, "X-Hotline-Nonce": nonce, "X-Hotline-Signature": "v1=" + mac}
        started = time.perf_counter()
        answer = client.post("/channels/police/", body, content_type="application/json", headers=headers)
        took = time.perf_counter() - started
        assert answer.status_code == 201, answer.content
        return took

    def direct(i: int) -> float:
        contact = actions.NewContact(
            channel="police", text=f"{TEXTS[i % 4]}(直接受理){i}", phone=f"137{i:08d}"
        )
        started = time.perf_counter()
        take_in(Actor.system(), contact)
        return time.perf_counter() - started

    direct(n), hand_in(n)  # the first request loads the URL conf and the views
    base, inbound = [], []
    for i in range(n):  # alternating, as above
        base.append(direct(i))
        inbound.append(hand_in(i))
    print(f"take_in of the same contacts (baseline): {ms(base)}")
    print(
        f"signed POST /channels/police/ (hand-in): {ms(inbound)} "
        f"({statistics.median(inbound) / statistics.median(base):.2f}× baseline)"
    )
    police.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--pg-admin-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run(args.child, args.tickets)
        return
    import subprocess

    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:  # one process per database: Django is set up once per process
        url = fresh_database(kind, args.pg_admin_url)
        subprocess.run(  # noqa: S603 - this script, with the database it made
            [sys.executable, __file__, "--child", url, "--tickets", str(args.tickets)], check=True
        )


if __name__ == "__main__":
    main()
