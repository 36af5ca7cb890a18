"""承办单位 workbench: my unit's open tickets by traffic light, and the unit's actions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from hotline import clock
from hotline.audit.models import Event
from hotline.org.models import Role, Unit
from hotline.sla.deadlines import LIGHT_LABELS
from hotline.tickets import actions
from hotline.tickets.models import Assignment, AssignmentRole, AssignmentStatus, State, Ticket
from hotline.tickets.selectors import scoped_tickets
from hotline.web.consoles import access, listing, queries
from hotline.web.consoles.lights import Lit, lit
from hotline.web.views import common

OPEN = (State.DISPATCHED, State.HANDLING, State.SUSPENDED)
# A unit's open workload is bounded; beyond this the list says it shows the most urgent part.
MAX_ROWS = 3000
VIEWS = {"mine": "本单位承办", "below": "下级单位承办"}
PRESSING = {"red": 0, "yellow": 1, "green": 2}


def _unit_or_none(request: HttpRequest) -> Unit | None:
    return access.me(request).unit


def _base(request: HttpRequest, unit: Unit, view: str) -> QuerySet[Ticket]:
    if view == "below":
        held = Assignment.objects.filter(
            ticket=OuterRef("pk"), active=True, unit_path__startswith=unit.path
        ).exclude(unit=unit)
    else:
        held = Assignment.objects.filter(ticket=OuterRef("pk"), active=True, unit=unit)
    return scoped_tickets(access.scope_of(request)).filter(Exists(held), state__in=OPEN)


def render_unit(
    request: HttpRequest, *, status: int = 200, errors: dict[str, str] | None = None
) -> HttpResponse:
    unit = _unit_or_none(request)
    if unit is None:
        return render(request, "web/consoles/unit.html", {"no_unit": True}, status=status)
    now = clock.now()
    view = listing.chosen(request, "view", VIEWS, "mine")
    light = listing.chosen(request, "light", LIGHT_LABELS, "")
    classified = lit(_base(request, unit, view), now, MAX_ROWS)
    counts = Counter(c.light for c in classified)
    shown = [c for c in classified if not light or c.light == light]
    page = common.paginate(request, _most_pressing_first(shown, now))
    context = {
        "unit": unit,
        "view": view,
        "views": VIEWS.items(),
        "light": light,
        "lights": [(k, v, counts[k]) for k, v in LIGHT_LABELS.items()],
        "total": len(classified),
        "capped": len(classified) >= MAX_ROWS,
        **common.pager(request, page),
        "rows": listing.with_refusals(_rows(unit, list(page.object_list)), errors),
        "children": list(Unit.objects.filter(parent=unit, active=True).order_by("path")[:30]),
        "here": request.get_full_path(),
        "now": now,
    }
    return render(request, "web/consoles/unit.html", context, status=status)


def _most_pressing_first(tickets: list[Lit], now: datetime) -> list[Lit]:
    """Red, then yellow, then green; within a light by the next deadline (none: last)."""
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(tickets, key=lambda c: (PRESSING[c.light], c.deadline or far, c.id))


def _rows(unit: Unit, page: list[Lit]) -> listing.Rows:
    """The page's tickets with their shares, latest notes and what the unit may do."""
    tickets = queries.page_tickets(c.id for c in page)
    ordered = [tickets[c.id] for c in page if c.id in tickets]
    lights = {c.id: c for c in page}
    shares = queries.assignments_of(ordered)
    notes = queries.events_of(ordered, ["progress", "report", "subdispatch"])
    return [_row(t, lights[t.pk], shares[t.pk], notes[t.pk], unit) for t in ordered]


def _row(t: Ticket, light: Lit, shares: list[Assignment], notes: list[Event], unit: Unit) -> dict[str, Any]:
    # The unit's own share; the lead share first when it holds both.
    mine = sorted(
        (a for a in shares if a.active and a.unit_id == unit.pk), key=lambda a: a.role != AssignmentRole.LEAD
    )
    share = mine[0] if mine else None
    return {
        "t": t,
        "light": light.light,
        "light_label": LIGHT_LABELS[light.light],
        "deadline": light.deadline,
        "shares": [a for a in shares if a.active or a.status == AssignmentStatus.PASSED_DOWN],
        "notes": notes[-4:],
        "share": share,
        "can": _allowed(t, share),
    }


def _allowed(t: Ticket, share: Assignment | None) -> set[str]:
    """The actions the unit's share makes sensible (the action functions still decide)."""
    if share is None:
        return set()
    can: set[str] = set()
    lead = share.role == AssignmentRole.LEAD
    if share.status == AssignmentStatus.PENDING:
        can |= {"sign", "return"}
        if lead:
            can.add("subdispatch")
    elif share.status == AssignmentStatus.SIGNED:
        if t.state == State.SUSPENDED:
            return {"resume"} if lead else set()
        can |= {"progress", "report", "return"}
        if lead:
            can |= {"subdispatch", "request_extension"}
            if not t.pending_request:
                can.add("suspend")
    return can


unit_console = access.console_page(render_unit, Role.HANDLER)


def _days(request: HttpRequest) -> int | access.Outcome:
    raw = (request.POST.get("days") or "").strip()
    if not raw.isdigit() or int(raw) < 1:
        return access.Outcome(False, "延期天数须为正整数(工作日)", status=422, field="days")
    return int(raw)


UnitAction = tuple[Callable[..., Ticket], Callable[[HttpRequest], dict[str, Any] | access.Outcome], str]

UNIT_ACTIONS: dict[str, UnitAction] = {
    "sign": (actions.sign, lambda r: {}, "已签收"),
    "return": (actions.return_ticket, lambda r: {"reason": r.POST.get("reason", "")}, "已退单"),
    "progress": (actions.progress, lambda r: {"note": r.POST.get("note", "")}, "已提交阶段反馈"),
    "report": (actions.report, lambda r: {"result": r.POST.get("result", "")}, "已提交办结反馈"),
    "subdispatch": (
        actions.subdispatch,
        lambda r: {"unit": (r.POST.get("unit") or "").strip(), "note": r.POST.get("note", "")},
        "已下派",
    ),
    "request_extension": (
        actions.request_extension,
        lambda r: (
            d
            if isinstance(d := _days(r), access.Outcome)
            else {"days": d, "reason": r.POST.get("reason", "")}
        ),
        "已提交延期申请",
    ),
    "suspend": (actions.suspend, lambda r: {"reason": r.POST.get("reason", "")}, "已提交挂起申请"),
    "resume": (actions.resume, lambda r: {"note": r.POST.get("note", "")}, "已恢复办理"),
}


@require_POST
@access.console(Role.HANDLER)
def unit_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    if action not in UNIT_ACTIONS:
        raise Http404("未知操作")
    access.scoped_ticket(request, number)
    fn, build, done = UNIT_ACTIONS[action]
    kwargs = build(request)
    outcome = (
        kwargs if isinstance(kwargs, access.Outcome) else access.run_action(fn, request, number, **kwargs)
    )
    return access.finish(
        request, number, outcome, success=f"工单 {number} {done}", next_default="/unit/", rerender=render_unit
    )


@require_GET
@access.console(Role.HANDLER)
def below_options(request: HttpRequest) -> HttpResponse:
    """htmx: <option>s of active units below the user's unit matching ``q`` (for 下派)."""
    unit = _unit_or_none(request)
    if unit is None:
        return HttpResponse("")
    below = Unit.objects.filter(path__startswith=unit.path).exclude(pk=unit.pk)
    units = queries.unit_search(below, request.GET.get("q", ""))
    return render(request, "web/consoles/_unit_options.html", {"kept": [], "units": units, "chosen": set()})
