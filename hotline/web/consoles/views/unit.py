"""承办单位 workbench: my unit's open tickets by traffic light, and the unit's actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from hotline import clock
from hotline.org.models import Role, Unit
from hotline.sla.deadlines import LIGHT_LABELS
from hotline.tickets import actions
from hotline.tickets.models import Assignment, AssignmentRole, AssignmentStatus, State, Ticket
from hotline.tickets.selectors import scoped_tickets
from hotline.web.consoles import queries
from hotline.web.consoles.access import (
    Outcome,
    console,
    finish,
    me,
    paginate,
    query_without,
    run_action,
    scope_of,
    scoped_ticket,
)
from hotline.web.consoles.lights import LIGHT_FIELDS, earliest_deadline, light_of

OPEN = (State.DISPATCHED, State.HANDLING, State.SUSPENDED)
# A unit's open workload is bounded; beyond this the list says it shows the most urgent part.
MAX_ROWS = 3000
VIEWS = {"mine": "本单位承办", "below": "下级单位承办"}


def _unit_or_none(request: HttpRequest) -> Unit | None:
    return me(request).unit


def _base(request: HttpRequest, unit: Unit, view: str) -> Any:
    if view == "below":
        held = Assignment.objects.filter(
            ticket=OuterRef("pk"), active=True, unit_path__startswith=unit.path
        ).exclude(unit=unit)
    else:
        held = Assignment.objects.filter(ticket=OuterRef("pk"), active=True, unit=unit)
    return scoped_tickets(scope_of(request)).filter(Exists(held), state__in=OPEN)


def _classify(qs: Any, now: datetime) -> list[tuple[int, str, datetime | None]]:
    """(id, light, next deadline) for the unit's open tickets, from the light columns only."""
    out = []
    for t in qs.only(*LIGHT_FIELDS).order_by("next_due_at", "id")[:MAX_ROWS]:
        out.append((t.pk, light_of(t, now), earliest_deadline(t)))
    return out


def render_unit(
    request: HttpRequest, *, status: int = 200, errors: dict[str, str] | None = None
) -> HttpResponse:
    unit = _unit_or_none(request)
    if unit is None:
        return render(request, "web/consoles/unit.html", {"no_unit": True}, status=status)
    now = clock.now()
    view = request.GET.get("view") or "mine"
    if view not in VIEWS:
        view = "mine"
    light = request.GET.get("light", "")
    if light not in LIGHT_LABELS:
        light = ""
    classified = _classify(_base(request, unit, view), now)
    counts = {k: sum(1 for _, lt, _ in classified if lt == k) for k in LIGHT_LABELS}
    chosen = [c for c in classified if not light or c[1] == light]
    # Most pressing first: red, then yellow, then green; within a light by the next deadline.
    rank = {"red": 0, "yellow": 1, "green": 2}
    far = datetime.max.replace(tzinfo=now.tzinfo)
    chosen.sort(key=lambda c: (rank[c[1]], c[2] or far, c[0]))
    page = paginate(request, chosen)
    ids = [c[0] for c in page.object_list]
    lights = {c[0]: (c[1], c[2]) for c in page.object_list}
    tickets = {t.pk: t for t in Ticket.objects.filter(pk__in=ids).select_related("lead_unit", "place")}
    ordered = [tickets[i] for i in ids if i in tickets]
    shares = queries.assignments_of(ordered)
    notes = queries.events_of(ordered, ["progress", "report", "subdispatch"])
    rows = []
    for t in ordered:
        mine = [a for a in shares[t.pk] if a.active and a.unit_id == unit.pk]
        mine.sort(key=lambda a: a.role != AssignmentRole.LEAD)
        share = mine[0] if mine else None
        rows.append(
            {
                "t": t,
                "light": lights[t.pk][0],
                "light_label": LIGHT_LABELS[lights[t.pk][0]],
                "deadline": lights[t.pk][1],
                "shares": [a for a in shares[t.pk] if a.active or a.status == AssignmentStatus.PASSED_DOWN],
                "notes": notes[t.pk][-4:],
                "share": share,
                "can": _allowed(t, share),
                "error": (errors or {}).get(t.number, ""),
            }
        )
    children = list(Unit.objects.filter(parent=unit, active=True).order_by("path")[:30])
    context = {
        "unit": unit,
        "view": view,
        "views": VIEWS.items(),
        "light": light,
        "lights": [(k, v, counts[k]) for k, v in LIGHT_LABELS.items()],
        "total": len(classified),
        "capped": len(classified) >= MAX_ROWS,
        "page": page,
        "rows": rows,
        "children": children,
        "pager_query": query_without(request, "page"),
        "here": request.get_full_path(),
        "now": now,
    }
    return render(request, "web/consoles/unit.html", context, status=status)


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


@require_GET
@console(Role.HANDLER)
def unit_console(request: HttpRequest) -> HttpResponse:
    return render_unit(request)


def _days(request: HttpRequest) -> int | Outcome:
    raw = (request.POST.get("days") or "").strip()
    if not raw.isdigit() or int(raw) < 1:
        return Outcome(False, "延期天数须为正整数(工作日)", status=422, field="days")
    return int(raw)


UnitAction = tuple[Callable[..., Ticket], Callable[[HttpRequest], dict[str, Any] | Outcome], str]

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
            d if isinstance(d := _days(r), Outcome) else {"days": d, "reason": r.POST.get("reason", "")}
        ),
        "已提交延期申请",
    ),
    "suspend": (actions.suspend, lambda r: {"reason": r.POST.get("reason", "")}, "已提交挂起申请"),
    "resume": (actions.resume, lambda r: {"note": r.POST.get("note", "")}, "已恢复办理"),
}


@require_POST
@console(Role.HANDLER)
def unit_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    if action not in UNIT_ACTIONS:
        raise Http404("未知操作")
    scoped_ticket(request, number)
    fn, build, done = UNIT_ACTIONS[action]
    kwargs = build(request)
    outcome = kwargs if isinstance(kwargs, Outcome) else run_action(fn, request, number, **kwargs)
    return finish(
        request, number, outcome, success=f"工单 {number} {done}", next_default="/unit/", rerender=render_unit
    )


@require_GET
@console(Role.HANDLER)
def below_options(request: HttpRequest) -> HttpResponse:
    """htmx: <option>s of active units below the user's unit matching ``q`` (for 下派)."""
    unit = _unit_or_none(request)
    if unit is None:
        return HttpResponse("")
    below = Unit.objects.filter(path__startswith=unit.path).exclude(pk=unit.pk)
    units = queries.unit_search(below, request.GET.get("q", ""))
    return render(request, "web/consoles/_unit_options.html", {"kept": [], "units": units, "chosen": set()})
