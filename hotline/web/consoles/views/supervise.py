"""督办 console: overdue and near-deadline tickets by unit and level, urging, supervision,
and complaints against a unit or a named person (督办投诉).

A complaint is not a lifecycle action (the ticket does not change): it is recorded as an
audit event ``unit_complaint`` on the ticket, in the same hash chain as everything else,
and listed from there.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from hotline import clock
from hotline.audit.models import Event
from hotline.errors import ActionError, InvalidInput
from hotline.org.models import Level, Role, Unit
from hotline.org.scope import DataScope
from hotline.sla.deadlines import near_q, overdue_q
from hotline.tickets import actions
from hotline.tickets.actions.feedback import complain, complaint_problems
from hotline.tickets.models import Ticket
from hotline.tickets.selectors import scoped_tickets
from hotline.web.consoles.access import (
    actor_of,
    console,
    finish,
    paginate,
    query_without,
    run_action,
    scope_of,
    scoped_ticket,
)
from hotline.web.consoles.lights import LIGHT_FIELDS, earliest_deadline, light_of

TABS = {"red": "超期", "yellow": "临期", "complaints": "督办投诉"}
LEVEL_LABELS = dict(Level.choices)
MAX_ROWS = 5000
COMPLAINT = "unit_complaint"


def _red(scope: DataScope, now: datetime) -> QuerySet[Ticket]:
    """The overdue (超期) tickets in scope: an open deadline has passed (deadline columns)."""
    return scoped_tickets(scope).filter(overdue_q(now))


def _yellow(scope: DataScope, now: datetime) -> list[tuple[int, str, datetime | None, int | None]]:
    """(id, "yellow", next deadline, lead unit id) of the near-deadline (临期) tickets in
    scope: the rule applied to the narrowed, non-overdue rows (at most MAX_ROWS)."""
    qs = (
        scoped_tickets(scope)
        .filter(near_q(now))
        .exclude(overdue_q(now))
        .only(*LIGHT_FIELDS)
        .order_by("next_due_at", "id")
    )
    out = []
    for t in qs[:MAX_ROWS]:
        if light_of(t, now) == "yellow":
            out.append((t.pk, "yellow", earliest_deadline(t), t.lead_unit_id))
    return out


def complaints(scope: DataScope) -> Any:
    qs = Event.objects.filter(action=COMPLAINT).select_related("ticket", "actor", "actor_unit")
    if not scope.everything:
        qs = qs.filter(Exists(scoped_tickets(scope).filter(pk=OuterRef("ticket_id"))))
    return qs.order_by("-seq")


def render_supervise(
    request: HttpRequest,
    tab: str = "",
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HttpResponse:
    scope = scope_of(request)
    now = clock.now()
    tab = tab or request.GET.get("tab") or "red"
    if tab not in TABS:
        tab = "red"
    drill: Unit | None = None
    code = request.GET.get("unit", "").strip()
    if code:
        drill = scope.units().filter(code=code).first()
        if drill is None:
            raise Http404("单位不存在或不在您的数据范围内")
    red_qs = _red(scope, now)
    red_by: dict[int | None, int] = {
        r["lead_unit_id"]: r["n"] for r in red_qs.values("lead_unit_id").annotate(n=Count("id")).order_by()
    }
    context: dict[str, Any] = {
        "tab": tab,
        "drill": drill,
        "errors": errors or {},
        "form": form or {},
        "here": request.get_full_path(),
    }
    if tab == "complaints":  # no classification: the tab lists complaints only
        context["tabs"] = [(k, v, sum(red_by.values()) if k == "red" else None) for k, v in TABS.items()]
        page = paginate(request, complaints(scope))
        context.update(page=page, rows=list(page.object_list), pager_query=query_without(request, "page"))
        return render(request, "web/consoles/supervise.html", context, status=status)
    yellow = _yellow(scope, now)
    by_unit: dict[int | None, Counter[str]] = {uid: Counter(red=n) for uid, n in red_by.items()}
    for _, _, _, uid in yellow:
        by_unit.setdefault(uid, Counter())["yellow"] += 1
    units = {
        u.pk: u
        for u in Unit.objects.filter(pk__in=[uid for uid in by_unit if uid]).only(
            "id", "code", "name", "level", "path"
        )
    }
    by_level: dict[str, Counter[str]] = {}
    for uid, c in by_unit.items():
        level = units[uid].level if uid in units else ""
        by_level.setdefault(level, Counter()).update(c)
    ordered = sorted(
        by_unit.items(),
        key=lambda kv: (-kv[1]["red"], -kv[1]["yellow"], units[kv[0]].path if kv[0] in units else ""),
    )
    unit_table = [
        {"unit": units.get(uid) if uid else None, "red": c["red"], "yellow": c["yellow"]}
        for uid, c in ordered
    ]
    level_table = [
        {"label": LEVEL_LABELS.get(lv, "未派单"), "red": c["red"], "yellow": c["yellow"]}
        for lv, c in sorted(
            by_level.items(), key=lambda kv: list(LEVEL_LABELS).index(kv[0]) if kv[0] in LEVEL_LABELS else 99
        )
    ]
    counts = {"red": sum(red_by.values()), "yellow": len(yellow)}
    context.update(
        tabs=[(k, v, counts.get(k)) for k, v in TABS.items()],
        unit_table=unit_table[:30],
        level_table=level_table,
        pager_query=query_without(request, "page"),
    )
    rows: list[dict[str, Any]] = []
    if tab == "red":  # paginated in SQL
        qs = red_qs.select_related("lead_unit", "place").order_by("next_due_at", "id")
        if drill is not None:
            qs = qs.filter(lead_unit__path__startswith=drill.path)
        page = paginate(request, qs)
        rows = [{"t": t, "deadline": earliest_deadline(t), "light": "red"} for t in page.object_list]
    else:
        chosen = yellow
        if drill is not None:
            chosen = [r for r in chosen if r[3] in units and units[r[3]].path.startswith(drill.path)]
        page = paginate(request, chosen)
        ids = [r[0] for r in page.object_list]
        tickets = {t.pk: t for t in Ticket.objects.filter(pk__in=ids).select_related("lead_unit", "place")}
        rows = [
            {"t": tickets[r[0]], "deadline": r[2], "light": r[1]} for r in page.object_list if r[0] in tickets
        ]
    for row in rows:
        row["error"] = (errors or {}).get(row["t"].number, "")
    context.update(page=page, rows=rows)
    return render(request, "web/consoles/supervise.html", context, status=status)


@require_GET
@console(Role.SUPERVISOR)
def supervise_console(request: HttpRequest) -> HttpResponse:
    return render_supervise(request)


@require_POST
@console(Role.SUPERVISOR)
def escalate(request: HttpRequest, number: str, step: str) -> HttpResponse:
    """催办 / 督办 with the supervisor's note."""
    if step not in ("urge", "supervise"):
        raise Http404("未知操作")
    scoped_ticket(request, number)
    fn = actions.urge if step == "urge" else actions.supervise
    note = request.POST.get("note", "").strip()
    outcome = run_action(fn, request, number, note=note)
    label = "催办" if step == "urge" else "督办"
    return finish(
        request,
        number,
        outcome,
        success=f"工单 {number} 已{label}",
        next_default="/supervise/",
        rerender=render_supervise,
    )


@require_POST
@console(Role.SUPERVISOR)
def file_complaint(request: HttpRequest) -> HttpResponse:
    """督办投诉: a complaint against a unit (and optionally a named staff member) on a ticket."""
    form = {k: (request.POST.get(k) or "").strip() for k in ("ticket", "unit", "person", "content")}
    actor = actor_of(request)
    errors = complaint_problems(actor, unit=form["unit"], content=form["content"], person=form["person"])
    if not form["ticket"]:
        errors["ticket"] = "请填写工单编号"
    elif not errors:
        try:
            ticket = complain(
                actor, form["ticket"], unit=form["unit"], person=form["person"], content=form["content"]
            )
        except InvalidInput as exc:
            errors[exc.field] = exc.message
        except ActionError:  # missing or out of scope: one answer, so numbers cannot be probed
            errors["ticket"] = f"工单 {form['ticket']} 不存在或不在您的数据范围内"
    if errors:
        messages.error(request, "投诉未保存:请按提示修改后重新提交")
        return render_supervise(request, "complaints", status=422, errors=errors, form=form)
    unit_name = Unit.objects.filter(code=form["unit"]).values_list("name", flat=True).first()
    messages.success(request, f"已登记对「{unit_name}」的督办投诉(工单 {ticket.number})")
    return redirect("/supervise/?tab=complaints")


@require_GET
@console(Role.SUPERVISOR)
def unit_options(request: HttpRequest) -> HttpResponse:
    from hotline.web.consoles import queries

    units = queries.unit_search(scope_of(request).units(), request.GET.get("q", ""))
    return render(request, "web/consoles/_unit_options.html", {"kept": [], "units": units, "chosen": set()})
