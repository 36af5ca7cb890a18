"""One ticket's life in the demo history: a generator of steps.

``Life.run`` yields a ``Step`` ("after this delay, in these hours, run this action") and
receives the ticket back from the scheduler in ``history``. The path a ticket takes
follows its planned scenario (normal, returned, re-handled, extended, suspended …) and
stops early at the state it is planned to stay open in. Every step is one action
function of ``hotline.tickets.actions``, performed by a demo user.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from hotline.demo import requests as rq
from hotline.demo.geography import County, Township, Village, citizen_name, mobile
from hotline.org.actor import Actor
from hotline.org.models import Role
from hotline.sla.deadlines import max_extension_days
from hotline.tickets import actions as act
from hotline.tickets.actions import NewContact
from hotline.tickets.models import Channel, State, Ticket

if TYPE_CHECKING:
    from hotline.demo.history import History

S = State
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


def _allowed_days(number: str, wanted: int) -> int:
    """At most what the ticket's time-limit policy allows."""
    return max(1, min(wanted, max_extension_days(Ticket.objects.get(number=number))))


class Life:
    """One ticket's life, as a generator of steps."""

    def __init__(self, history: History, plan: TicketPlan) -> None:
        self.h = history
        self.p = plan
        self.rng = plan.rng

    def step(
        self,
        delay: timedelta,
        hours_kind: str,
        action: str,
        run: Callable[[], Ticket],
        optional: bool = False,
    ) -> Step:
        return Step(delay, hours_kind, run, action, optional)

    def pass_down(self, number: str, upper: str, lower: str, note: str) -> Callable[[], Ticket]:
        return lambda: act.subdispatch(self.h.handler(upper), number, unit=lower, note=note)

    def sign(self, number: str, unit: str) -> Callable[[], Ticket]:
        return lambda: act.sign(self.h.handler(unit), number)

    def report(self, number: str, unit: str, result: str) -> Callable[[], Ticket]:
        return lambda: act.report(self.h.handler(unit), number, result=result)

    def dispatch(self, disp: Actor, number: str, lead: str, helpers: list[str]) -> Callable[[], Ticket]:
        request = self.request
        return lambda: act.dispatch(
            disp,
            number,
            lead_unit=lead,
            assist_units=helpers,
            type=request.type,
            topic=request.topic,
            urgency=request.urgency,
        )

    def urge(self, sup: Actor, number: str, after_hours: float, before_hours: float) -> Step:
        """The supervisor urges the unit: optional (a refusal is noted, the life goes on)."""
        note = self.rng.choice(rq.URGE_NOTES)
        delay = hours(self.rng, after_hours, before_hours)
        return self.step(delay, "office", "urge", lambda: act.urge(sup, number, note=note), optional=True)

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
            type=(request.type if request else rq.CONSULT if p.kind == "answer" else "")
            if by_operator
            else "",
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
            yield self.step(
                mins(rng, 1, 6),
                "any",
                "reject",
                lambda: act.reject(op, number, reason=reason, category=p.reject_category),
            )
            return
        if p.kind == "police":
            ref = f"110-{rng.randrange(10**6):06d}"
            yield self.step(
                mins(rng, 1, 5),
                "any",
                "transfer_police",
                lambda: act.transfer_police(op, number, reason="属公安警情,已转110指挥中心", police_ref=ref),
            )
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

    # ----- the dispatched request, from dispatch to the review
    @property
    def request(self) -> rq.Request:
        """The matter being handled: every ticket that is dispatched has one."""
        assert self.p.request is not None
        return self.p.request

    @property
    def urgent(self) -> bool:
        """Urgent matters are signed and handled at once, evenings and weekends included."""
        return self.request.urgency != "一般"

    @property
    def duty(self) -> str:
        """The hours in which the units work on this ticket."""
        return "centre" if self.urgent else "office"

    def sign_delay(self) -> timedelta:
        return mins(self.rng, 5, 40) if self.urgent else mins(self.rng, 10, 240)

    def handle(self, number: str) -> Generator[Step, Ticket, None]:
        """Dispatch, signing down the chain of units, handling, reports, review, closing."""
        p, rng, h = self.p, self.rng, self.h
        disp = h.staff(Role.DISPATCHER, rng)
        chain = h.router.chain(self.request, p.place, rng)
        assist = h.router.assist(self.request, p.place, chain, rng)
        if p.scenario in ("return", "overrule") or p.stop == S.RETURNED:
            after_return = yield from self.returned(number, disp, chain, assist)
            if after_return is None:
                return
            chain, signed = after_return
        else:
            helpers = [assist] if assist else []
            yield self.step(
                mins(rng, 5, 120), "centre", "dispatch", self.dispatch(disp, number, chain[0], helpers)
            )
            signed = False
        sup = h.staff(Role.SUPERVISOR, rng)
        if p.stop == S.DISPATCHED:
            if rng.random() < 0.4:
                yield self.urge(sup, number, 20, 30)
            return
        yield from self.sign_down(number, chain, first_signed=signed)
        lead = chain[-1]
        # An overruled return keeps the first dispatch, which had no assisting unit.
        helper = assist if assist and p.scenario != "overrule" else ""
        if helper:
            yield self.step(mins(rng, 20, 300), "office", "sign", self.sign(number, helper))
        yield from self.while_handling(number, lead, disp, sup)
        if p.stop in (S.HANDLING, S.SUSPENDED):
            return
        result = yield from self.results(number, lead, helper)
        if p.stop == S.REPORTED:
            return
        yield from self.review(number, lead, result)
        if p.stop == S.AWAITING_CALLBACK:
            return
        yield from self.closing(number, lead=lead)

    def returned(
        self, number: str, disp: Actor, chain: list[str], assist: str
    ) -> Generator[Step, Ticket, tuple[list[str], bool] | None]:
        """A first dispatch that comes back: to a wrong unit, which returns it and the
        dispatcher redispatches; or to the right one, which returns it anyway and the
        dispatcher overrules. Returns the chain of units to sign down and whether its first
        unit has signed already; None when the ticket is planned to stay returned."""
        p, rng, h = self.p, self.rng, self.h
        overrule = p.scenario == "overrule"
        first = chain[0] if overrule else h.router.wrong(chain[0], p.place, rng)
        yield self.step(mins(rng, 5, 90), "centre", "dispatch", self.dispatch(disp, number, first, []))
        signed = rng.random() < 0.4
        if signed:
            yield self.step(mins(rng, 10, 180), "office", "sign", self.sign(number, first))
        reason = rng.choice(rq.RETURN_REASONS).format(right=h.router.name(chain[0]))
        yield self.step(
            hours(rng, 0.5, 20),
            "office",
            "return",
            lambda: act.return_ticket(h.handler(first), number, reason=reason),
        )
        if p.stop == S.RETURNED:
            return None
        if overrule:
            why = rng.choice(rq.OVERRULE_REASONS)
            yield self.step(
                hours(rng, 0.5, 6),
                "centre",
                "rule_return",
                lambda: act.rule_return(disp, number, decision="overrule", reason=why),
            )
            return chain[:1], signed
        lead, helpers = chain[0], [assist] if assist else []
        yield self.step(
            hours(rng, 0.5, 6),
            "centre",
            "rule_return",
            lambda: act.rule_return(
                disp, number, decision="redispatch", lead_unit=lead, assist_units=helpers
            ),
        )
        return chain, False

    def sign_down(self, number: str, chain: list[str], first_signed: bool) -> Generator[Step, Ticket, None]:
        """The first unit of the chain signs, then each passes the ticket to the next, which signs."""
        rng, h = self.rng, self.h
        if not first_signed:
            yield self.step(self.sign_delay(), self.duty, "sign", self.sign(number, chain[0]))
        for upper, lower in zip(chain, chain[1:], strict=False):
            note = f"请{h.router.name(lower)}核实处理并按时反馈。"
            yield self.step(
                hours(rng, 0.2, 2 if self.urgent else 20),
                self.duty,
                "subdispatch",
                self.pass_down(number, upper, lower, note),
            )
            yield self.step(self.sign_delay(), self.duty, "sign", self.sign(number, lower))

    def while_handling(
        self, number: str, lead: str, disp: Actor, sup: Actor
    ) -> Generator[Step, Ticket, None]:
        """While the lead unit works on it: urging and supervision, an extension, a suspension."""
        p, rng = self.p, self.rng
        if p.stop == S.HANDLING:
            if rng.random() < 0.5:
                yield self.urge(sup, number, 24, 60)
            return
        if p.scenario == "urge":
            yield self.urge(sup, number, 24, 72)
            if rng.random() < 0.5:
                note = rng.choice(rq.SUPERVISE_NOTES)
                yield self.step(
                    hours(rng, 24, 48),
                    "office",
                    "supervise",
                    lambda: act.supervise(sup, number, note=note),
                    optional=True,
                )
        # Urgent tickets have a 24-hour limit: too short to ask for more time.
        if p.scenario == "extension" and not self.urgent:
            yield from self.extension(number, lead, disp)
        if p.scenario == "suspend" or p.stop == S.SUSPENDED:
            yield from self.suspension(number, lead, disp)

    def extension(self, number: str, lead: str, disp: Actor) -> Generator[Step, Ticket, None]:
        """The lead unit asks for more days (at most what the policy allows); mostly granted."""
        rng, h = self.rng, self.h
        days, why = rng.choice([2, 3, 5, 7, 10]), rng.choice(rq.EXTENSION_REASONS)
        yield self.step(
            hours(rng, 1, 8),
            "office",
            "request_extension",
            lambda: act.request_extension(
                h.handler(lead), number, days=_allowed_days(number, days), reason=why
            ),
            optional=True,
        )
        approve = rng.random() < 0.85
        note = "同意延期" if approve else "理由不充分,请按时办结"
        yield self.step(
            hours(rng, 0.5, 8),
            "centre",
            "decide_extension",
            lambda: act.decide_extension(disp, number, approve=approve, note=note),
            optional=True,
        )

    def suspension(self, number: str, lead: str, disp: Actor) -> Generator[Step, Ticket, None]:
        """Suspended (approved) and, unless planned to stay so, resumed."""
        p, rng, h = self.p, self.rng, self.h
        why = rng.choice(rq.SUSPEND_REASONS)
        yield self.step(
            hours(rng, 2, 30), "office", "suspend", lambda: act.suspend(h.handler(lead), number, reason=why)
        )
        yield self.step(
            hours(rng, 0.5, 8),
            "centre",
            "decide_suspension",
            lambda: act.decide_suspension(disp, number, approve=True, note="同意挂起"),
        )
        if p.stop == S.SUSPENDED:
            return
        yield self.step(
            hours(rng, 30, 120),
            "office",
            "resume",
            lambda: act.resume(h.handler(lead), number, note="条件具备,恢复办理"),
        )

    def results(self, number: str, lead: str, helper: str) -> Generator[Step, Ticket, str]:
        """The assisting unit reports its part, then the lead unit the result (returned)."""
        p, rng, h = self.p, self.rng, self.h
        if helper:
            part = f"已配合{h.router.name(lead)}开展现场核查。"
            yield self.step(hours(rng, 4, 60), "office", "report", self.report(number, helper, part))
        result = rng.choice(self.request.results).format_map(p.fields)
        delay = {"特急": (2, 8), "紧急": (6, 30)}.get(self.request.urgency, (20, 140))
        yield self.step(hours(rng, *delay), self.duty, "report", self.report(number, lead, result))
        return result

    def review(self, number: str, lead: str, result: str) -> Generator[Step, Ticket, None]:
        """The centre reviews the result; a failed review sends the lead unit back to report better."""
        p, rng, h = self.p, self.rng, self.h
        rev = h.staff(Role.REVIEWER, rng)
        if p.scenario == "review_fail":
            comment = rng.choice(rq.REVIEW_FAIL)
            yield self.step(
                hours(rng, 1, 8),
                "centre",
                "review",
                lambda: act.review(rev, number, passed=False, comment=comment),
            )
            better = f"{result}已电话回复市民并说明处理情况。"
            yield self.step(hours(rng, 3, 30), "office", "report", self.report(number, lead, better))
        yield self.step(hours(rng, 0.5, 10), "centre", "review", lambda: act.review(rev, number, passed=True))

    # ----- after the review (or the operator's answer): the callback
    def closing(self, number: str, lead: str) -> Generator[Step, Ticket, None]:
        p, rng, h = self.p, self.rng, self.h
        cb = h.staff(Role.CALLBACK, rng)
        if p.scenario == "unreachable":
            for _ in range(2):
                yield self.step(
                    hours(rng, 3, 26),
                    "centre",
                    "callback",
                    lambda: act.callback(cb, number, reached=False, note="电话无人接听"),
                )
            yield self.step(
                hours(rng, 20, 30),
                "centre",
                "archive",
                lambda: act.archive(cb, number, reason="unreachable", note="三次回访均未接通"),
            )
            return
        if p.scenario == "rehandle" and lead:
            note = rng.choice(rq.DISSATISFIED_NOTES)
            yield self.step(
                hours(rng, 3, 26),
                "centre",
                "callback",
                lambda: act.callback(cb, number, satisfaction="dissatisfied", resolved=False, note=note),
            )
            again = "重新安排人员到现场处理,问题已彻底解决,已当面向市民说明。"
            yield self.step(hours(rng, 20, 100), "office", "report", self.report(number, lead, again))
            rev = h.staff(Role.REVIEWER, rng)
            yield self.step(
                hours(rng, 0.5, 8), "centre", "review", lambda: act.review(rev, number, passed=True)
            )
        verdict = rng.choices(["satisfied", "basically_satisfied"], [0.8, 0.2])[0]
        yield self.step(
            hours(rng, 3, 26),
            "centre",
            "callback",
            lambda: act.callback(cb, number, satisfaction=verdict, resolved=True),
        )
