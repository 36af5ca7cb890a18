"""The deadline clock of a ticket: started, stopped, frozen and moved by its actions.

``on_action`` is called by ``tickets.actions.base.perform`` inside the action's
transaction, after the action's change and before the ticket is saved. It keeps the
deadline columns, ``ticket.sla`` (units, start times, the sweep steps already done) and
``next_due_at`` — the one indexed column the sweep reads — consistent.

Rules (from practice; every figure is in ``Policy``):
- the clock starts at dispatch, not at sign-on; a re-dispatch after a return starts it anew;
- a sub-dispatched unit gets its own sign-on limit, never beyond the resolution deadline;
- suspension freezes every open deadline; resuming moves them by the frozen working time;
- an approved extension moves the resolution deadline by working days;
- re-handling after a dissatisfied callback gets a new resolution limit;
- the sweep warns when ``warn_ratio`` of a limit has passed, urges (催办) at the opening
  of the first working day after the deadline, and supervises (督办)
  ``supervise_after_days`` working days after that.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q

from hotline.cache import Cached
from hotline.sla import calendar
from hotline.sla.models import Policy
from hotline.tickets import events
from hotline.tickets.models import State, Ticket

KINDS = ("sign", "feedback", "resolve", "callback")
# THE rule of which deadline runs when: deadline kind → the states in which it runs.
# Everything else derives from it — ``open_kinds`` (Python), ``running_q`` / ``overdue_q``
# / ``near_q`` (SQL), the traffic light, the home counters, the consoles and the KPIs.
# A suspended ticket runs no deadline: suspension freezes them, resuming moves them on.
# The first-feedback deadline also stops once the unit has given its first feedback
# (``sla["feedback_at"]``).
RUNS_IN: dict[str, tuple[str, ...]] = {
    "sign": (State.DISPATCHED,),
    "feedback": (State.DISPATCHED, State.HANDLING),
    "resolve": (State.DISPATCHED, State.HANDLING, State.RETURNED),
    "callback": (State.AWAITING_CALLBACK,),
}
# The states in which some deadline runs (what the sweep and the lights look at).
RUNNING_STATES: tuple[str, ...] = tuple(dict.fromkeys(s for states in RUNS_IN.values() for s in states))
KIND_LABELS = {"sign": "签收", "feedback": "首次反馈", "resolve": "办结", "callback": "回访"}
LIGHT_LABELS = {"green": "正常", "yellow": "临期", "red": "超期"}


def _active_policies() -> list[Policy]:
    return list(Policy.objects.filter(active=True))


# Read at every action; an admin's edit reaches other processes within 5 s.
POLICIES: Cached[list[Policy]] = Cached("sla.policies", _active_policies, check_every=5.0)


def invalidate_policies() -> None:
    POLICIES.invalidate()


def policy_for(ticket_type: str, urgency: str) -> Policy | None:
    """The most specific active policy: type+urgency, urgency, type, default."""
    best: tuple[int, Policy] | None = None
    for p in POLICIES.get():
        if (p.type and p.type != ticket_type) or (p.urgency and p.urgency != urgency):
            continue
        rank = (2 if p.urgency else 0) + (1 if p.type else 0)
        if best is None or rank > best[0]:
            best = (rank, p)
    return best[1] if best else None


def _set(
    ticket: Ticket, sla: dict[str, Any], kind: str, start: datetime, amount: float | None, unit: str
) -> None:
    if amount is None:
        setattr(ticket, f"{kind}_deadline", None)
        sla["units"].pop(kind, None)
        sla["start"].pop(kind, None)
        return
    cal = calendar.current()
    setattr(ticket, f"{kind}_deadline", cal.add(start, amount, unit))
    sla["units"][kind] = unit
    sla["start"][kind] = start.isoformat()
    sla["done"] = [d for d in sla["done"] if not d.endswith(f":{kind}")]


def _limit(policy: Policy | None, kind: str) -> tuple[float | None, str]:
    if policy is None:
        return None, "working_days"
    return getattr(policy, f"{kind}_limit"), getattr(policy, f"{kind}_unit")


def open_kinds(ticket: Ticket, sla: dict[str, Any] | None = None) -> list[str]:
    """The deadlines still running in the ticket's state."""
    sla = ticket.sla if sla is None else sla
    return [
        kind
        for kind, states in RUNS_IN.items()
        if ticket.state in states
        and getattr(ticket, f"{kind}_deadline")
        and not (kind == "feedback" and sla.get("feedback_at"))
    ]


def running_q(kind: str, prefix: str = "") -> Q:
    """The tickets whose ``kind`` deadline runs (``open_kinds`` in SQL). ``prefix`` is the
    lookup path to the ticket ("ticket__" from an Assignment)."""
    p = prefix
    q = Q(**{f"{p}state__in": list(RUNS_IN[kind]), f"{p}{kind}_deadline__isnull": False})
    if kind == "feedback":
        q &= Q(**{f"{p}sla__feedback_at__isnull": True})
    return q


def overdue_q(now: datetime, prefix: str = "", kinds: tuple[str, ...] = KINDS) -> Q:
    """Exactly the tickets with a running deadline (of ``kinds``) before ``now``: the red
    light, the "超期" of every counter and console, and the KPIs' overdue figures."""
    q = Q(pk__in=[])
    for kind in kinds:
        q |= running_q(kind, prefix) & Q(**{f"{prefix}{kind}_deadline__lt": now})
    return q


def near_q(now: datetime, prefix: str = "") -> Q:
    """A superset of the yellow (临期) tickets, on indexed columns where it can.

    A ticket is yellow when no running deadline has passed and the warning time of a
    running deadline (``step_times``) has come. Either that warning is not done yet — then
    ``next_due_at`` (the earliest step not done) is ≤ now — or the sweep did it, leaving
    ``warn:<kind>`` in ``sla.done`` (cleared whenever that deadline is set anew). Callers
    exclude ``overdue_q`` and apply the rule (``traffic_light``) to the rows found."""
    p = prefix
    warned = Q(pk__in=[])
    for kind in KINDS:
        warned |= running_q(kind, p) & Q(
            **{f"{p}{kind}_deadline__gte": now, f"{p}sla__done__icontains": f"warn:{kind}"}
        )
    return Q(**{f"{p}state__in": list(RUNNING_STATES)}) & (Q(**{f"{p}next_due_at__lte": now}) | warned)


def step_times(ticket: Ticket, kind: str, policy: Policy | None = None) -> dict[str, datetime]:
    """When the sweep should warn, urge and supervise for one deadline."""
    deadline: datetime = getattr(ticket, f"{kind}_deadline")
    sla = ticket.sla or {}
    start_iso = (sla.get("start") or {}).get(kind)
    start = datetime.fromisoformat(start_iso) if start_iso else deadline
    ratio = policy.warn_ratio if policy else 0.8
    supervise_days = policy.supervise_after_days if policy else 2
    cal = calendar.current()
    urge_at = cal.next_workday_start(deadline)
    supervise_day = cal.nth_workday_after(urge_at.astimezone(calendar.BEIJING).date(), supervise_days)
    return {
        "warn": start + (deadline - start) * ratio,
        "urge": urge_at,
        "supervise": urge_at.replace(
            year=supervise_day.year, month=supervise_day.month, day=supervise_day.day
        ),
    }


def due_steps(ticket: Ticket, now: datetime) -> list[tuple[str, str]]:
    """(step, kind) pairs whose time has come and that were not done yet, in order."""
    policy = policy_for(ticket.type, ticket.urgency)
    done = set((ticket.sla or {}).get("done", []))
    due = []
    for kind in open_kinds(ticket):
        for step, at in step_times(ticket, kind, policy).items():
            if at <= now and f"{step}:{kind}" not in done:
                due.append((step, kind))
    return due


def next_due(ticket: Ticket, sla: dict[str, Any]) -> datetime | None:
    if ticket.state == State.SUSPENDED:
        return None
    policy = policy_for(ticket.type, ticket.urgency)
    done = set(sla.get("done", []))
    times = [
        at
        for kind in open_kinds(ticket, sla)
        for step, at in step_times(ticket, kind, policy).items()
        if f"{step}:{kind}" not in done
    ]
    return min(times) if times else None


def rearm(ticket: Ticket) -> None:
    """Store the ticket's next sweep time afresh from its deadlines (e.g. when a step the
    sweep expected was done by hand meanwhile). Precondition: inside a transaction."""
    fresh = Ticket.objects.select_for_update().get(pk=ticket.pk)
    Ticket.objects.filter(pk=ticket.pk).update(next_due_at=next_due(fresh, fresh.sla or {}))


def traffic_light(ticket: Ticket, now: datetime) -> str:
    """green 正常 / yellow 临期 / red 超期, from the open deadlines."""
    kinds = open_kinds(ticket)
    if not kinds:
        return "green"
    if any(getattr(ticket, f"{k}_deadline") < now for k in kinds):
        return "red"
    policy = policy_for(ticket.type, ticket.urgency)
    if any(step_times(ticket, k, policy)["warn"] <= now for k in kinds):
        return "yellow"
    return "green"


def max_extension_days(ticket: Ticket) -> int:
    policy = policy_for(ticket.type, ticket.urgency)
    return policy.max_extension_days if policy else 10


def on_action(ticket: Ticket, action: str, from_state: str, now: datetime, payload: dict[str, Any]) -> None:
    sla: dict[str, Any] = dict(ticket.sla or {})
    sla.setdefault("units", {})
    sla.setdefault("start", {})
    sla.setdefault("done", [])
    policy = policy_for(ticket.type, ticket.urgency)
    frozen_from = events.suspended_from(action, payload)
    granted = events.extension_granted(action, payload)

    if events.is_dispatch(action, payload):
        sla["done"] = []
        sla.pop("feedback_at", None)
        for kind in ("sign", "feedback", "resolve"):
            _set(ticket, sla, kind, now, *_limit(policy, kind))
        ticket.callback_deadline = None
    elif action == "subdispatch":
        amount, unit = _limit(policy, "sign")
        _set(ticket, sla, "sign", now, amount, unit)
        if (
            ticket.sign_deadline
            and ticket.resolve_deadline
            and ticket.sign_deadline > ticket.resolve_deadline
        ):
            ticket.sign_deadline = ticket.resolve_deadline
    elif action in ("progress", "report") and not sla.get("feedback_at"):
        sla["feedback_at"] = now.isoformat()
    elif action == "answer" or events.review_passed(action, payload):
        _set(ticket, sla, "callback", now, *_limit(policy, "callback"))
    elif events.callback_dissatisfied(action, payload) and ticket.state == State.HANDLING:
        # 重办: a fresh resolution limit and first-feedback limit for the re-handling.
        sla.pop("feedback_at", None)
        for kind in ("feedback", "resolve"):
            _set(ticket, sla, kind, now, *_limit(policy, kind))
        ticket.callback_deadline = None
    elif frozen_from is not None:
        cal = calendar.current()
        for kind in KINDS:
            deadline = getattr(ticket, f"{kind}_deadline")
            if deadline is not None:
                unit = sla["units"].get(kind, "working_days")
                setattr(ticket, f"{kind}_deadline", cal.shift(deadline, frozen_from, now, unit))
    elif granted is not None and ticket.resolve_deadline:
        ticket.resolve_deadline = calendar.current().add_working_days(ticket.resolve_deadline, granted)
        events.set_resolve_deadline(payload, ticket.resolve_deadline)
        sla["done"] = [d for d in sla["done"] if not d.endswith(":resolve")]
    if about := events.escalated_deadline(action, payload):
        marker = f"{action}:{about}"
        if marker not in sla["done"]:
            sla["done"].append(marker)
    ticket.sla = sla
    ticket.next_due_at = next_due(ticket, sla)
