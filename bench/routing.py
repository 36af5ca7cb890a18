"""Dispatch-suggestion latency on a realistic prefecture.

Usage::

    python bench/routing.py [--requests 2000] [--tickets 20000] [--counties 12] [--db URL]
    python bench/routing.py --demo-db sqlite:////tmp/r.sqlite3     # a database ``hotline demo`` filled

Builds, in a fresh temporary SQLite database (or the database ``--db`` names, which
must be empty and is migrated), a prefecture of ~3,300 units: 30 prefecture bureaus, and
per county 30 bureaus and 15 townships, each with 3 stations and 12 villages; seeds
the duty catalogue (default + derived from duties); writes ``--tickets`` tickets with
lead units, states and deadlines (so the batched load query has rows to count). Then it
times, per request:

* ``suggest(fields)`` — a suggestion computed from a dict (no write),
* ``suggest(ticket)`` + ``record_suggestion`` — from a stored ticket, storing the suggestion,
* the baseline: ``Ticket.objects.get(number=...)``, one indexed read of one row.

and prints p50 / p99 / max of each and the ratio to the baseline. Nothing is written
into the repository; the temporary database is removed at the end.

With ``--demo-db`` it works on the demo instead, inside a transaction it rolls back
(the demo database is left as it was): it seeds the catalogue, forgets what routing
learned while the history was generated, and replays every dispatched ticket in the
order of its first dispatch. The truth is the unit the centre finally dispatched to
(the re-dispatch after an accepted return, else the first dispatch). It prints the
first-time-right rate of the recorded history, the engine's top-1 / top-3 agreement with
the truth from the catalogue alone and with online learning (after each ticket the
dispatcher's choice is learned, as the ``routing.learning`` follower does), the share of
tickets at or above the auto-dispatch threshold and its accuracy there, and the latency
of ``suggest`` on the demo org against ``Ticket.objects.get``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

BUREAUS = [
    ("ZJJ", "住房和城乡建设局"), ("CGJ", "城市管理综合执法局"), ("RSJ", "人力资源和社会保障局"),
    ("JYJ", "教育局"), ("WJJ", "卫生健康局"), ("SCJ", "市场监督管理局"), ("GAJ", "公安局"),
    ("STJ", "生态环境分局"), ("GDJ", "供电局"), ("SWJ", "水务局"), ("JTJ", "交通运输局"),
    ("ZRJ", "自然资源局"), ("YJJ", "应急管理局"), ("MZJ", "民政局"), ("YBJ", "医疗保障局"),
    ("NYJ", "农业农村局"), ("FGJ", "发展和改革局"), ("SFJ", "司法局"), ("WLJ", "文化广电旅游局"),
    ("TJJ", "退役军人事务局"), ("ZWJ", "政务服务管理局"), ("LYJ", "林业局"), ("SWU", "税务局"),
    ("ZLS", "自来水有限公司"), ("XZJ", "乡村振兴局"), ("SWB", "商务局"), ("GXJ", "工业和信息化局"),
    ("CZJ", "财政局"), ("XFD", "消防救援大队"), ("YZG", "邮政管理局"),
]  # fmt: skip
STATIONS = [
    ("GAJ", "派出所", "治安 户籍"),
    ("WJJ", "卫生院", "医疗服务 公共卫生"),
    ("GDJ", "供电所", "停电 供电"),
]
SYLLABLES = (
    "安宝昌成大东丰福高光和红华吉金锦康乐立龙茂明南宁平青清庆仁瑞山胜石顺泰天通万文西祥新兴阳永云长正中"
)
TEXTS = [
    "{p}小区物业不作为,电梯坏了一个月没人修", "{p}路口路灯不亮,晚上很危险", "{p}有餐馆油烟直排扰民",
    "{p}工地夜间施工噪音很大", "{p}公司拖欠工资三个月", "{p}菜市场占道经营严重", "{p}经常停水,水压很低",
    "{p}学校周边交通拥堵", "反映{p}低保评定不公平", "{p}河道有人倾倒垃圾,污染严重",
]  # fmt: skip


def _name(rng: random.Random, suffix: str, used: set[str]) -> str:
    while True:
        name = "".join(rng.sample(SYLLABLES, 2)) + suffix
        if name not in used:
            used.add(name)
            return name


def build_org(counties: int, rng: random.Random) -> list[str]:
    from hotline.org.models import Level, Unit, UnitKind

    used: set[str] = set()
    places: list[str] = []
    Unit.objects.create(code="CENTRE", name="12345热线中心", level=Level.CENTRE, kind=UnitKind.CENTRE)
    pref = Unit.objects.create(code="Q", name="青山州人民政府", level=Level.PREFECTURE,
                               kind=UnitKind.GOVERNMENT, area="青山州")  # fmt: skip
    for abbr, name in BUREAUS:
        Unit.objects.create(code=f"Q-{abbr}", name=f"州{name}", level=Level.PREFECTURE,
                            kind=UnitKind.FUNCTIONAL, parent=pref)  # fmt: skip
    for c in range(1, counties + 1):
        cname = _name(rng, "县", used)
        county = Unit.objects.create(code=f"Q{c:02d}", name=f"{cname}人民政府", level=Level.COUNTY,
                                     kind=UnitKind.GOVERNMENT, parent=pref, area=cname)  # fmt: skip
        bureaus = {}
        for abbr, name in BUREAUS:
            bureaus[abbr] = Unit.objects.create(code=f"Q{c:02d}-{abbr}", name=f"{cname}{name}",
                                                level=Level.COUNTY, kind=UnitKind.FUNCTIONAL, parent=county)  # fmt: skip
        for t in range(1, 16):
            tname = _name(rng, "镇", used)
            places.append(f"{cname}{tname}")
            town = Unit.objects.create(code=f"Q{c:02d}-{t:02d}", name=f"{cname}{tname}", level=Level.TOWNSHIP,
                                       kind=UnitKind.GOVERNMENT, parent=county, area=tname)  # fmt: skip
            for abbr, what, duties in STATIONS:
                Unit.objects.create(code=f"Q{c:02d}-{abbr}-{t:02d}", name=f"{tname}{what}", level=Level.TOWNSHIP,
                                    kind=UnitKind.EXECUTING, parent=bureaus[abbr], area=tname, duties=duties)  # fmt: skip
            villages = [
                Unit(code=f"Q{c:02d}-{t:02d}-{v:02d}", name=f"{tname}{(vn := _name(rng, '村', used))}村民委员会",
                     level=Level.VILLAGE, kind=UnitKind.GOVERNMENT, parent=town, area=vn)
                for v in range(1, 13)
            ]  # fmt: skip
            for v in villages:
                v.save()
                places.append(f"{tname}{v.area}")
    return places


def build_tickets(n: int, rng: random.Random) -> list[str]:
    from datetime import timedelta

    from django.utils import timezone

    from hotline.org.models import Level, Unit
    from hotline.tickets.models import Ticket

    leads = list(Unit.objects.filter(level__in=[Level.COUNTY, Level.TOWNSHIP]).values_list("id", flat=True))
    now = timezone.now()
    states = ["dispatched", "handling", "handling", "archived", "archived", "archived", "awaiting_callback"]
    rows = []
    for i in range(n):
        created = now - timedelta(hours=rng.randint(1, 24 * 60))
        state = rng.choice(states)
        deadline = created + timedelta(days=rng.randint(3, 15))
        closed = (
            created + timedelta(days=rng.randint(1, 20))
            if state in ("archived", "awaiting_callback")
            else None
        )
        rows.append(Ticket(number=f"B{i:012d}", text="bench", channel="phone", state=state, created_at=created,
                           updated_at=created, lead_unit_id=rng.choice(leads), dispatched_at=created,
                           resolve_deadline=deadline, closed_at=closed))  # fmt: skip
    Ticket.objects.bulk_create(rows, batch_size=2000)
    return [r.number for r in rows]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--tickets", type=int, default=20000)
    parser.add_argument("--counties", type=int, default=12)
    parser.add_argument("--db", default="")
    parser.add_argument("--demo-db", default="", help="evaluate on a database filled by `hotline demo`")
    args = parser.parse_args()
    if args.demo_db:
        demo(args.demo_db)
        return
    tmp = None
    if not args.db:
        tmp = tempfile.NamedTemporaryFile(suffix=".sqlite3", delete=False)  # noqa: SIM115
        args.db = f"sqlite:///{tmp.name}"
    os.environ["HOTLINE_DATABASE_URL"] = args.db
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    os.environ.setdefault("HOTLINE_AUTO_DISPATCH_CONFIDENCE", "off")
    import django

    django.setup()
    from django.core.management import call_command

    try:
        call_command("migrate", verbosity=0)
        rng = random.Random(12345)
        t0 = time.perf_counter()
        places = build_org(args.counties, rng)
        numbers = build_tickets(args.tickets, rng)
        from hotline.org.models import Unit
        from hotline.routing.catalogue import catalogue, read_default, seed_duty_catalogue
        from hotline.routing.suggest import record_suggestion, suggest
        from hotline.tickets.models import Ticket

        seeded = seed_duty_catalogue()
        print(f"org: {Unit.objects.count()} units, {Ticket.objects.count()} tickets, "
              f"{seeded['total']} duty rules; built in {time.perf_counter() - t0:.1f}s")  # fmt: skip
        topics = sorted({r["topic"] for r in read_default() if r["topic"]})
        requests = []
        for _ in range(args.requests):
            place = rng.choice(places)
            requests.append({"text": rng.choice(TEXTS).format(p=place), "topic": rng.choice(topics),
                             "address": place + "某路"})  # fmt: skip
        stored = []
        for i, req in enumerate(requests[: min(500, len(requests))]):
            stored.append(Ticket.objects.create(number=f"R{i:012d}", channel="phone", created_at=rng_now(),
                                                updated_at=rng_now(), **req))  # fmt: skip
        suggest(requests[0])  # warm the caches (unit index, catalogue)
        assert len(catalogue()) == seeded["total"]
        base, plain, with_ticket = [], [], []
        for req in requests:
            number = rng.choice(numbers)
            s = time.perf_counter()
            Ticket.objects.get(number=number)
            base.append(time.perf_counter() - s)
            s = time.perf_counter()
            result = suggest(req)
            plain.append(time.perf_counter() - s)
            assert result.lead is not None
        for ticket in stored:
            s = time.perf_counter()
            record_suggestion(ticket, suggest(ticket))
            with_ticket.append(time.perf_counter() - s)
        b50 = statistics.median(base)
        print(f"{'':34s}{'p50 ms':>9s}{'p99 ms':>9s}{'max ms':>9s}{'p50/baseline':>14s}")
        for label, xs in (("baseline Ticket.objects.get", base), ("suggest(fields)", plain),
                          ("suggest(ticket) + store", with_ticket)):  # fmt: skip
            print(f"{label:34s}{statistics.median(xs) * 1e3:9.3f}{pct(xs, 0.99) * 1e3:9.3f}"
                  f"{max(xs) * 1e3:9.3f}{statistics.median(xs) / b50:13.1f}x")  # fmt: skip
    finally:
        if tmp is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(tmp.name + suffix).unlink(missing_ok=True)


def demo(url: str) -> None:
    os.environ["HOTLINE_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from hotline.audit.models import Event
    from hotline.cache import reset_all
    from hotline.org.models import Unit
    from hotline.routing.auto import auto_dispatch_threshold
    from hotline.routing.catalogue import seed_duty_catalogue
    from hotline.routing.learning import _lessons
    from hotline.routing.metrics import first_time_right
    from hotline.routing.models import FeedbackKind, RoutingFeedback
    from hotline.routing.suggest import suggest
    from hotline.tickets.models import Ticket

    now = timezone.now()
    ftr = first_time_right(now - timedelta(days=3650), now + timedelta(days=1))
    print(f"demo: {Unit.objects.count()} units, {Ticket.objects.count()} tickets")
    print(f"first-time-right rate of the recorded history: {ftr['rate']:.1%} "
          f"({ftr['numerator']}/{ftr['denominator']}; returned to the centre {ftr['returned']})")  # fmt: skip
    threshold = auto_dispatch_threshold() or 0.85
    with transaction.atomic():
        RoutingFeedback.objects.all().delete()
        seeded = seed_duty_catalogue()
        reset_all()
        truth: dict[int, str] = {}
        order: list[int] = []
        for e in Event.objects.filter(action__in=["dispatch", "rule_return"]).order_by("seq"):
            if e.ticket_id is None:
                continue
            p = e.payload or {}
            if e.action == "dispatch" and e.ticket_id not in truth:
                order.append(e.ticket_id)
            if p.get("lead_unit") and (e.action == "dispatch" or p.get("decision") == "redispatch"):
                truth[e.ticket_id] = p["lead_unit"]
        tickets = Ticket.objects.in_bulk(order)
        tallies = {"catalogue": [0, 0], "learning": [0, 0]}
        cuts = (0.8, 0.85, 0.9, 0.95)
        above = {c: [0, 0] for c in cuts}
        for mode in ("catalogue", "learning"):
            RoutingFeedback.objects.all().delete()
            reset_all()
            for tid in order:
                ticket, right = tickets[tid], truth[tid]
                s = suggest(ticket)
                codes = [c.unit.code for c in s.leads]
                tallies[mode][0] += bool(codes) and codes[0] == right
                tallies[mode][1] += right in codes[:3]
                for cut in cuts if mode == "catalogue" else ():
                    if s.confidence >= cut:
                        above[cut][0] += 1
                        above[cut][1] += codes[0] == right
                if mode == "learning" and (not codes or codes[0] != right):
                    chosen = Unit.objects.get(code=right).pk
                    _lessons(ticket, FeedbackKind.OVERRIDE, chosen, s.leads[0].unit.id if s.leads else None)
        n = len(order)
        print(f"duty catalogue: {seeded['total']} rules; {n} dispatched tickets replayed in dispatch order")
        for mode, (top1, top3) in tallies.items():
            print(f"  engine {mode:9s}  top-1 {top1 / n:6.1%}  top-3 {top3 / n:6.1%}")
        for cut, (k, right_k) in above.items():
            mark = " (the auto-dispatch threshold)" if abs(cut - threshold) < 1e-9 else ""
            print(
                f"  confidence ≥ {cut:.2f}: {k / n:6.1%} of tickets, {(right_k / k if k else 0):6.1%} of them right{mark}"
            )
        base, lat = [], []
        numbers = [t.number for t in tickets.values()]
        for t in tickets.values():
            start = time.perf_counter()
            Ticket.objects.get(number=random.choice(numbers))
            base.append(time.perf_counter() - start)
            start = time.perf_counter()
            suggest(t)
            lat.append(time.perf_counter() - start)
        print(f"latency on the demo org: suggest p50 {statistics.median(lat) * 1e3:.3f} ms, p99 "
              f"{pct(lat, 0.99) * 1e3:.3f} ms; Ticket.objects.get p50 {statistics.median(base) * 1e3:.3f} ms, "
              f"p99 {pct(base, 0.99) * 1e3:.3f} ms")  # fmt: skip
        transaction.set_rollback(True)


def rng_now():  # type: ignore[no-untyped-def]
    from django.utils import timezone

    return timezone.now()


if __name__ == "__main__":
    main()
