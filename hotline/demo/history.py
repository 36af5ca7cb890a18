"""A month of hotline history, replayed through the real lifecycle actions.

Each ticket's life is a generator (``life.Life.run``) that yields steps — "after this
delay, in these hours, do this action" — and receives the ticket back. A scheduler runs
the steps of all tickets in time order, each inside ``clock.replaying_at(moment)``, so
ticket numbers, events and the audit chain come out chronological, exactly as if the
centre had worked through the month. Nothing here writes a ticket directly.

Steps that would fall after "now" are dropped (that ticket is still open, as in life);
tickets planned to stay open in a given state squeeze their steps before "now".
"""

from __future__ import annotations

import heapq
import os
import random
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any

import chinese_calendar
from django.utils import timezone

from hotline import clock
from hotline.demo import requests as rq
from hotline.demo.geography import County, address, citizen_name, estate, mobile, road
from hotline.demo.life import Life, Place, Step, TicketPlan, mins
from hotline.demo.orgtree import handler_name
from hotline.demo.routing import Router
from hotline.errors import ActionError
from hotline.org.actor import Actor
from hotline.org.models import User
from hotline.tickets.lifecycle import END_STATES
from hotline.tickets.models import Channel, State, Ticket

S = State
OPEN_STOPS = [S.ACCEPTED, S.DISPATCHED, S.HANDLING, S.SUSPENDED, S.REPORTED, S.AWAITING_CALLBACK, S.RETURNED]
SCENARIOS = {  # outcome → weight, for tickets not planned to stay open
    "normal": 52,
    "answer": 11,
    "reject": 4,
    "police": 3,
    "merge": 4,
    "return": 5,
    "overrule": 2,
    "rehandle": 5,
    "review_fail": 2,
    "extension": 4,
    "suspend": 3,
    "urge": 4,
    "unreachable": 2,
}
CHANNELS = {Channel.PHONE: 65, Channel.APP: 12, Channel.WECHAT: 10, Channel.WEB: 8, Channel.SMS: 5}
HOUR_WEIGHTS = [1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 6, 8, 8, 7, 5, 6, 7, 7, 6, 5, 4, 4, 3, 3, 2, 1.5]
ZERO = timedelta(0)


@contextmanager
def no_outbound_notifications() -> Iterator[None]:
    """Write in-app notifications but send none out (``HOTLINE_NOTIFY=off``).

    The history is invented: its messages must never reach a real SMS gateway or
    webhook, and delivering each one after commit would take minutes at full scale.
    """
    key = "HOTLINE_NOTIFY"
    before = os.environ.get(key)
    os.environ[key] = "off"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = before


class _Workdays:
    def __init__(self) -> None:
        self.cache: dict[date, bool] = {}
        self.calendar: Any = chinese_calendar

    def __call__(self, day: date) -> bool:
        if day not in self.cache:
            try:
                self.cache[day] = bool(self.calendar.is_workday(day))
            except NotImplementedError:  # outside the calendar's years
                self.cache[day] = day.weekday() < 5
        return self.cache[day]


class History:
    """Plans ``count`` tickets over the ``days`` before ``end`` and plays them."""

    def __init__(
        self, router: Router, counties: list[County], *, seed: int, count: int, end: datetime, days: int = 30
    ) -> None:
        self.router = router
        self.counties = counties
        self.seed = seed
        self.count = count
        self.end = end
        self.start = end - timedelta(days=days)
        self.workday = _Workdays()
        self.centre: dict[str, list[Actor]] = {}
        for user in User.objects.filter(unit__code="CENTRE").select_related("unit").order_by("username"):
            self.centre.setdefault(user.role, []).append(Actor.of(user))
        self.handlers: dict[str, Actor] = {}
        self.open: dict[str, tuple[str, int, TicketPlan]] = {}  # number → (duty, county, plan)
        self.failures: list[str] = []
        self.skipped: Counter[str] = Counter()
        self.actions: Counter[str] = Counter()

    # ----- planning
    def plan(self) -> list[TicketPlan]:
        rng = random.Random(f"history-{self.seed}")
        span = (self.end - self.start).total_seconds() - 3600
        moments = []
        for _ in range(self.count):
            day = self.start + timedelta(seconds=rng.uniform(0, span))
            local = timezone.localtime(day)
            hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
            moment = local.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
            moments.append(min(moment, self.end - timedelta(minutes=rng.uniform(5, 90))))
        moments.sort()
        stops = self._open_stops(rng)
        names, weights = list(SCENARIOS), list(SCENARIOS.values())
        plans = []
        for i, moment in enumerate(moments):
            trng = random.Random(f"ticket-{self.seed}-{i}")
            stop = stops.get(i)
            scenario = "normal" if stop else rng.choices(names, weights)[0]
            plans.append(self._fill(i, moment, scenario, stop, trng))
        return plans

    def _open_stops(self, rng: random.Random) -> dict[int, str]:
        """Which tickets stay open, and in what state: some of the recent ones, every state."""
        n = self.count
        if n == 0:
            return {}
        k = min(n, max(len(OPEN_STOPS), round(n * 0.12)))
        first = int(n * 0.6)
        pool = list(range(first, n)) if n - first >= k else list(range(n - k, n))
        chosen = sorted(rng.sample(pool, k))
        return {idx: OPEN_STOPS[j % len(OPEN_STOPS)] for j, idx in enumerate(chosen)}

    def _fill(
        self, i: int, moment: datetime, scenario: str, stop: str | None, rng: random.Random
    ) -> TicketPlan:
        county = rng.choice(self.counties)
        town = rng.choice(county.townships)
        village = rng.choice(town.villages)
        place = Place(county, town, village)
        channel = rng.choices(list(CHANNELS), list(CHANNELS.values()))[0]
        kind = {"answer": "answer", "police": "police", "reject": "reject"}.get(scenario, "request")
        if stop == S.AWAITING_CALLBACK and rng.random() < 0.3:
            kind = "answer"
        if kind != "request":
            channel = Channel.PHONE
        plan = TicketPlan(i, moment, kind, scenario, stop, rng, place, channel)
        values = self._values(rng, place)
        if kind == "answer":
            plan.title, plan.text, plan.topic, plan.answer = rng.choice(rq.ANSWERABLE)
        elif kind == "police":
            plan.title, text = rng.choice(rq.POLICE_CALLS)
            plan.text = text.format_map(values)
        elif kind == "reject":
            plan.title, plan.text, plan.reject_category = rng.choice(rq.REJECTS)
        else:
            plan.request = rng.choice(rq.REQUESTS)
            plan.title = plan.request.title
            plan.text = plan.request.text.format_map(values)
            plan.topic = plan.request.topic
        plan.fields = values
        return plan

    def _values(self, rng: random.Random, place: Place) -> dict[str, Any]:
        return {
            "addr": address(rng, place.county, place.town, place.village),
            "county": place.county.name,
            "town": place.town.name,
            "village": place.village.name,
            "road": road(rng),
            "estate": estate(rng),
            "days": rng.randint(3, 30),
            "months": rng.randint(2, 8),
            "amount": rng.choice([1200, 3800, 5600, 8000, 12000, 26000, 45000]),
            "company": rng.choice(rq.COMPANIES),
            "school": place.county.short + rng.choice(rq.SCHOOLS),
            "n": rng.randint(2, 9),
            "bus": rng.randint(1, 36),
            "name": citizen_name(rng),
            "phone": mobile(rng),
        }

    # ----- playing
    def play(self, plans: list[TicketPlan], advance: Callable[[int], None] = lambda n: None) -> None:
        queue: list[tuple[datetime, int, int]] = []
        lives: dict[int, tuple[Generator[Step, Ticket, None], Step, TicketPlan]] = {}
        tiebreak = 0
        for plan in plans:
            life = Life(self, plan).run()
            first = next(life)
            lives[plan.index] = (life, first, plan)
            heapq.heappush(queue, (plan.at, tiebreak, plan.index))
            tiebreak += 1
        while queue:
            when, _, idx = heapq.heappop(queue)
            life, step, plan = lives[idx]
            try:
                with clock.replaying_at(when):
                    ticket = step.run()
            except ActionError as exc:
                if step.optional and plan.number:
                    self.skipped[f"{step.action}: {exc.message}"] += 1
                    ticket = Ticket.objects.get(number=plan.number)
                else:
                    self.failures.append(f"{plan.number or plan.index} {step.action}: {exc.message}")
                    life.close()
                    advance(1)
                    continue
            else:
                self.actions[step.action] += 1
                plan.number = ticket.number
            self._track(ticket, plan)
            try:
                nxt = life.send(ticket)
            except StopIteration:
                advance(1)
                continue
            at = self._when(when, nxt, plan)
            if at is None:
                life.close()
                advance(1)
                continue
            lives[idx] = (life, nxt, plan)
            heapq.heappush(queue, (at, tiebreak, idx))
            tiebreak += 1

    def _track(self, ticket: Ticket, plan: TicketPlan) -> None:
        if ticket.state in END_STATES:
            self.open.pop(ticket.number, None)
        elif plan.request is not None:
            self.open[ticket.number] = (plan.request.duty, plan.place.county.index, plan)

    def _when(self, prev: datetime, step: Step, plan: TicketPlan) -> datetime | None:
        at = self._align(prev + step.delay, step.hours, plan.rng)
        if at < self.end:
            return at
        if plan.stop is None:
            return None  # life goes on after "now": the ticket stays where it is
        # Planned to stay open in a later state: squeeze the rest of its life before now.
        return prev + (self.end - prev) * plan.rng.uniform(0.2, 0.6)

    def _align(self, at: datetime, hours_kind: str, rng: random.Random) -> datetime:
        if hours_kind == "any":
            return at
        local = timezone.localtime(at)
        if hours_kind == "centre":
            if 8 <= local.hour < 21:
                return at
            day = local.date() + (timedelta(days=1) if local.hour >= 21 else ZERO)
            return self._at(day, time(8, 0)) + mins(rng, 0, 60)
        day, opens, closes = local.date(), time(8, 30), time(17, 30)
        if self.workday(day) and opens <= local.time() < closes:
            return at
        if self.workday(day) and local.time() < opens:
            return self._at(day, opens) + mins(rng, 0, 90)
        day += timedelta(days=1)
        while not self.workday(day):
            day += timedelta(days=1)
        return self._at(day, opens) + mins(rng, 0, 120)

    @staticmethod
    def _at(day: date, t: time) -> datetime:
        return timezone.make_aware(datetime.combine(day, t))

    # ----- who acts
    def staff(self, role: str, rng: random.Random) -> Actor:
        people = self.centre[role]
        # The named demo user does a good share of the work, so its console is lively.
        return people[0] if len(people) == 1 or rng.random() < 0.4 else rng.choice(people)

    def handler(self, code: str) -> Actor:
        if code not in self.handlers:
            user = User.objects.select_related("unit").get(username=handler_name(code))
            self.handlers[code] = Actor.of(user)
        return self.handlers[code]

    def master_for(self, plan: TicketPlan) -> tuple[str, TicketPlan] | None:
        """An open ticket this one could repeat: same duty, same county if possible."""
        if plan.request is None:
            return None
        same = [(n, p) for n, (duty, county, p) in self.open.items() if duty == plan.request.duty]
        near = [(n, p) for n, p in same if p.place.county.index == plan.place.county.index]
        if near or same:
            return plan.rng.choice(sorted(near or same, key=lambda x: x[0]))
        anything = sorted((n, p) for n, (_, _, p) in self.open.items())
        return plan.rng.choice(anything[-20:]) if anything else None
