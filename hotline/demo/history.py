"""A month of hotline history, replayed through the real lifecycle actions.

Each ticket's life is a generator (``_Life.run``) that yields steps — "after this
delay, in these hours, do this action" — and receives the ticket back. A scheduler runs
the steps of all tickets in time order, each inside ``clock.replaying_at(moment)``, so
ticket numbers, events and the audit chain come out chronological, exactly as if the
centre had worked through the month. Nothing here writes a ticket directly.

Steps that would fall after "now" are dropped (that ticket is still open, as in life);
tickets planned to stay open in a given state squeeze their steps before "now".
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from hotline import clock
from hotline.demo import requests as rq
from hotline.demo.orgtree import handler_name
from hotline.demo.places import County, Township, Village, address, citizen_name, estate, mobile, road
from hotline.demo.routing import Router
from hotline.org.models import Role, User
from hotline.tickets import actions as act
from hotline.tickets.actions import Actor, NewContact
from hotline.tickets.errors import ActionError
from hotline.tickets.lifecycle import END_STATES
from hotline.tickets.models import Channel, State, Ticket
from hotline.tickets.signals import ticket_changed

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


def mins(rng: random.Random, a: float, b: float) -> timedelta:
    return timedelta(minutes=rng.uniform(a, b))


def hours(rng: random.Random, a: float, b: float) -> timedelta:
    return timedelta(hours=rng.uniform(a, b))


@dataclass
class Step:
    delay: timedelta
    hours: str  # "any" (24/7), "centre" (08–21 daily), "office" (working days 08:30–17:30)
    run: Callable[[], Ticket]
    action: str
    # A refused optional step (an extension the policy does not allow, say) is noted and
    # the ticket's life goes on; a refused essential step ends it where it is.
    optional: bool = False


@dataclass
class Place:
    county: County
    town: Township
    village: Village


@dataclass
class TicketPlan:
    index: int
    at: datetime
    kind: str  # request | answer | police | reject
    scenario: str
    stop: str | None  # the open state this ticket is planned to stay in
    rng: random.Random
    place: Place
    channel: str
    request: rq.Request | None = None
    title: str = ""
    text: str = ""
    answer: str = ""
    topic: str = ""
    reject_category: str = ""
    master: str = ""
    number: str = ""
    fields: dict[str, Any] = field(default_factory=dict)


@contextmanager
def deferred_rollups() -> Iterator[None]:
    """Replay without the analytics receiver, then rebuild its rollups once.

    Analytics keeps its daily rollups up to date with a receiver on every action; for a
    bulk replay, recomputing them once at the end (its own ``rollups.rebuild``) gives
    the same rows several times faster. Without the analytics app this does nothing.
    """
    uid = "analytics.rollups"
    try:
        from hotline.analytics import rollups
    except ImportError:
        yield
        return
    disconnected = ticket_changed.disconnect(dispatch_uid=uid)
    try:
        yield
    finally:
        if disconnected:
            ticket_changed.connect(rollups.on_ticket_changed, dispatch_uid=uid)
    if disconnected:
        rollups.rebuild()


class _Workdays:
    def __init__(self) -> None:
        self.cache: dict[date, bool] = {}
        try:
            import chinese_calendar

            self.calendar: Any = chinese_calendar
        except ImportError:  # pragma: no cover - a dependency, but the demo must not need it
            self.calendar = None

    def __call__(self, day: date) -> bool:
        if day not in self.cache:
            try:
                self.cache[day] = bool(self.calendar.is_workday(day)) if self.calendar else day.weekday() < 5
            except NotImplementedError:  # outside the calendar's years
                self.cache[day] = day.weekday() < 5
        return self.cache[day]


class History:
    """Plans ``count`` tickets over the ``days`` before ``end`` and plays them."""

    def __init__(self, router: Router, counties: list[County], *, seed: int, count: int, end: datetime,
                 days: int = 30) -> None:  # fmt: skip
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

    def _fill(self, i: int, moment: datetime, scenario: str, stop: str | None,
              rng: random.Random) -> TicketPlan:  # fmt: skip
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
            plan.title, text = rng.choice(rq.POLICE)
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
            life = _Life(self, plan).run()
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


def _allowed_days(number: str, wanted: int) -> int:
    """At most what the ticket's time-limit policy allows (when the SLA app says)."""
    try:
        from hotline.sla.clock import max_extension_days
    except ImportError:
        return wanted
    return max(1, min(wanted, max_extension_days(Ticket.objects.get(number=number))))


class _Life:
    """One ticket's life, as a generator of steps."""

    def __init__(self, history: History, plan: TicketPlan) -> None:
        self.h = history
        self.p = plan
        self.rng = plan.rng

    def step(
        self, delay: timedelta, hours_kind: str, action: str, run: Callable[[], Ticket], optional: bool = False
    ) -> Step:
        return Step(delay, hours_kind, run, action, optional)

    def create(self) -> Ticket:
        p, rng = self.p, self.rng
        if p.scenario == "merge":
            found = self.h.master_for(p)
            if found is not None:
                p.master, master = found
                p.place, p.request, p.title = master.place, master.request, master.title
                p.text = f"{master.text}(来电人称此前邻居已反映过,至今未处理)"
                p.fields = dict(master.fields, name=citizen_name(rng), phone=mobile(rng))
        by_operator = p.channel in (Channel.PHONE, Channel.SMS)
        actor = self.h.staff(Role.OPERATOR, rng) if by_operator else Actor.citizen()
        request = p.request
        contact = NewContact(
            channel=p.channel,
            text=p.text,
            title=p.title,
            citizen_name=p.fields["name"],
            phone=p.fields["phone"],
            address=p.fields["addr"] if p.kind in ("request", "police") else "",
            # The operator classifies a call at once; online requests wait for the dispatcher.
            type=(request.type if request else rq.CONSULT if p.kind == "answer" else "") if by_operator else "",
            topic=p.topic if by_operator else "",
            urgency=(request.urgency if request else "") if by_operator else "",
            emotion=rng.choice(request.emotions) if request else "",
        )
        ticket, _ = act.create_ticket(actor, contact)
        return ticket

    def run(self) -> Generator[Step, Ticket, None]:
        p, rng, h = self.p, self.rng, self.h
        ticket = yield self.step(ZERO, "any", "create", self.create)
        number = ticket.number
        op = h.staff(Role.OPERATOR, rng)
        if p.kind == "reject":
            reason = "经核实,来电无具体政务诉求,不予受理。"
            yield self.step(mins(rng, 1, 6), "any", "reject",
                            lambda: act.reject(op, number, reason=reason, category=p.reject_category))  # fmt: skip
            return
        if p.kind == "police":
            ref = f"110-{rng.randrange(10**6):06d}"
            yield self.step(mins(rng, 1, 5), "any", "transfer_police",
                            lambda: act.transfer_police(op, number, reason="属公安警情,已转110指挥中心", police_ref=ref))  # fmt: skip
            return
        if p.kind == "answer":
            yield self.step(mins(rng, 1, 8), "any", "answer", lambda: act.answer(op, number, answer=p.answer))
            if p.stop == S.AWAITING_CALLBACK:
                return
            yield from self.closing(number, lead="")
            return
        if p.master:
            master = p.master
            yield self.step(mins(rng, 3, 40), "centre", "merge", lambda: act.merge(op, number, into=master))
            return
        if p.stop == S.ACCEPTED:
            return
        yield from self.handle(number)

    def handle(self, number: str) -> Generator[Step, Ticket, None]:
        p, rng, h = self.p, self.rng, self.h
        assert p.request is not None
        request = p.request
        disp = h.staff(Role.DISPATCHER, rng)
        chain = h.router.chain(request, p.place, rng)
        assist = h.router.assist(request, p.place, chain, rng)
        decided = {"type": request.type, "topic": request.topic, "urgency": request.urgency}
        signed = False
        if p.scenario in ("return", "overrule") or p.stop == S.RETURNED:
            overrule = p.scenario == "overrule"
            first = chain[0] if overrule else h.router.wrong(chain[0], p.place, rng)
            yield self.step(mins(rng, 5, 90), "centre", "dispatch",
                            lambda: act.dispatch(disp, number, lead_unit=first, **decided))  # fmt: skip
            if rng.random() < 0.4:
                signed = True
                yield self.step(mins(rng, 10, 180), "office", "sign", lambda: act.sign(h.handler(first), number))
            reason = rng.choice(rq.RETURN_REASONS).format(right=h.router.name(chain[0]))
            yield self.step(hours(rng, 0.5, 20), "office", "return",
                            lambda: act.return_ticket(h.handler(first), number, reason=reason))  # fmt: skip
            if p.stop == S.RETURNED:
                return
            if overrule:
                why = rng.choice(rq.OVERRULE_REASONS)
                yield self.step(hours(rng, 0.5, 6), "centre", "rule_return",
                                lambda: act.rule_return(disp, number, decision="overrule", reason=why))  # fmt: skip
                chain = chain[:1]
            else:
                lead, helpers = chain[0], [assist] if assist else []
                yield self.step(hours(rng, 0.5, 6), "centre", "rule_return",
                                lambda: act.rule_return(disp, number, decision="redispatch", lead_unit=lead,
                                                        assist_units=helpers))  # fmt: skip
                signed = False
        else:
            helpers = [assist] if assist else []
            yield self.step(mins(rng, 5, 120), "centre", "dispatch",
                            lambda: act.dispatch(disp, number, lead_unit=chain[0], assist_units=helpers,
                                                 **decided))  # fmt: skip
        sup = h.staff(Role.SUPERVISOR, rng)
        if p.stop == S.DISPATCHED:
            if rng.random() < 0.4:
                note = rng.choice(rq.URGE_NOTES)
                yield self.step(hours(rng, 20, 30), "office", "urge", lambda: act.urge(sup, number, note=note), optional=True)
            return
        if not signed:
            yield self.step(mins(rng, 10, 240), "office", "sign", lambda: act.sign(h.handler(chain[0]), number))
        for upper, lower in zip(chain, chain[1:], strict=False):
            note = f"请{h.router.name(lower)}核实处理并按时反馈。"
            yield self.step(hours(rng, 0.3, 20), "office", "subdispatch",
                            lambda u=upper, lo=lower, nt=note: act.subdispatch(h.handler(u), number, unit=lo, note=nt))  # fmt: skip
            yield self.step(mins(rng, 10, 240), "office", "sign", lambda lo=lower: act.sign(h.handler(lo), number))
        lead = chain[-1]
        if assist and p.scenario != "overrule":
            yield self.step(mins(rng, 20, 300), "office", "sign", lambda: act.sign(h.handler(assist), number))
        yield from self.while_handling(number, lead, disp, sup)
        if p.stop in (S.HANDLING, S.SUSPENDED):
            return
        if assist and p.scenario != "overrule":
            part = f"已配合{h.router.name(lead)}开展现场核查。"
            yield self.step(hours(rng, 4, 60), "office", "report",
                            lambda: act.report(h.handler(assist), number, result=part))  # fmt: skip
        result = rng.choice(request.results).format_map(p.fields)
        delay = {"特急": (2, 8), "紧急": (6, 30)}.get(request.urgency, (20, 140))
        yield self.step(hours(rng, *delay), "office", "report",
                        lambda: act.report(h.handler(lead), number, result=result))  # fmt: skip
        if p.stop == S.REPORTED:
            return
        rev = h.staff(Role.REVIEWER, rng)
        if p.scenario == "review_fail":
            comment = rng.choice(rq.REVIEW_FAIL)
            yield self.step(hours(rng, 1, 8), "centre", "review",
                            lambda: act.review(rev, number, passed=False, comment=comment))  # fmt: skip
            better = f"{result}已电话回复市民并说明处理情况。"
            yield self.step(hours(rng, 3, 30), "office", "report",
                            lambda: act.report(h.handler(lead), number, result=better))  # fmt: skip
        yield self.step(hours(rng, 0.5, 10), "centre", "review", lambda: act.review(rev, number, passed=True))
        if p.stop == S.AWAITING_CALLBACK:
            return
        yield from self.closing(number, lead=lead)

    def while_handling(self, number: str, lead: str, disp: Actor, sup: Actor) -> Generator[Step, Ticket, None]:
        p, rng, h = self.p, self.rng, self.h
        if p.stop == S.HANDLING:
            if rng.random() < 0.5:
                note = rng.choice(rq.URGE_NOTES)
                yield self.step(hours(rng, 24, 60), "office", "urge", lambda: act.urge(sup, number, note=note), optional=True)
            return
        if p.scenario == "urge":
            note = rng.choice(rq.URGE_NOTES)
            yield self.step(hours(rng, 24, 72), "office", "urge", lambda: act.urge(sup, number, note=note), optional=True)
            if rng.random() < 0.5:
                snote = rng.choice(rq.SUPERVISE_NOTES)
                yield self.step(hours(rng, 24, 48), "office", "supervise",
                                lambda: act.supervise(sup, number, note=snote), optional=True)  # fmt: skip
        if p.scenario == "extension":
            days, why = rng.choice([2, 3, 5, 7, 10]), rng.choice(rq.EXTENSION_REASONS)
            yield self.step(hours(rng, 1, 8), "office", "request_extension",
                            lambda: act.request_extension(h.handler(lead), number, days=_allowed_days(number, days),
                                                          reason=why), optional=True)  # fmt: skip
            approve = rng.random() < 0.85
            yield self.step(hours(rng, 0.5, 8), "centre", "decide_extension",
                            lambda: act.decide_extension(disp, number, approve=approve,
                                                         note="同意延期" if approve else "理由不充分,请按时办结"),
                            optional=True)  # fmt: skip
        if p.scenario == "suspend" or p.stop == S.SUSPENDED:
            why = rng.choice(rq.SUSPEND_REASONS)
            yield self.step(hours(rng, 2, 30), "office", "suspend",
                            lambda: act.suspend(h.handler(lead), number, reason=why))  # fmt: skip
            yield self.step(hours(rng, 0.5, 8), "centre", "decide_suspension",
                            lambda: act.decide_suspension(disp, number, approve=True, note="同意挂起"))  # fmt: skip
            if p.stop == S.SUSPENDED:
                return
            yield self.step(hours(rng, 30, 120), "office", "resume",
                            lambda: act.resume(h.handler(lead), number, note="条件具备,恢复办理"))  # fmt: skip

    def closing(self, number: str, lead: str) -> Generator[Step, Ticket, None]:
        p, rng, h = self.p, self.rng, self.h
        cb = h.staff(Role.CALLBACK, rng)
        if p.scenario == "unreachable":
            for _ in range(2):
                yield self.step(hours(rng, 3, 26), "centre", "callback",
                                lambda: act.callback(cb, number, reached=False, note="电话无人接听"))  # fmt: skip
            yield self.step(hours(rng, 20, 30), "centre", "archive",
                            lambda: act.archive(cb, number, reason="unreachable", note="三次回访均未接通"))  # fmt: skip
            return
        if p.scenario == "rehandle" and lead:
            note = rng.choice(rq.DISSATISFIED_NOTES)
            yield self.step(hours(rng, 3, 26), "centre", "callback",
                            lambda: act.callback(cb, number, satisfaction="dissatisfied", resolved=False, note=note))  # fmt: skip
            again = "重新安排人员到现场处理,问题已彻底解决,已当面向市民说明。"
            yield self.step(hours(rng, 20, 100), "office", "report",
                            lambda: act.report(h.handler(lead), number, result=again))  # fmt: skip
            rev = h.staff(Role.REVIEWER, rng)
            yield self.step(hours(rng, 0.5, 8), "centre", "review", lambda: act.review(rev, number, passed=True))
        verdict = rng.choices(["satisfied", "basically_satisfied"], [0.8, 0.2])[0]
        yield self.step(hours(rng, 3, 26), "centre", "callback",
                        lambda: act.callback(cb, number, satisfaction=verdict, resolved=True))  # fmt: skip
