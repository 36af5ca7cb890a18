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
from hotline.web.consoles import access, listing, queries
from hotline.web.consoles.lights import Lit, earliest_deadline, lit
from hotline.web.views import common

TABS = {"red": "超期", "yellow": "临期", "complaints": "督办投诉"}
LEVEL_LABELS = dict(Level.choices)
MAX_ROWS = 5000
COMPLAINT = "unit_complaint"
# Open tickets per lead unit (None: not dispatched), as {"red": n, "yellow": m}.
ByUnit = dict[int | None, Counter[str]]


def _red(scope: DataScope, now: datetime) -> QuerySet[Ticket]:
    """The overdue (超期) tickets in scope: an open deadline has passed (deadline columns)."""
    return scoped_tickets(scope).filter(overdue_q(now))


def _yellow(scope: DataScope, now: datetime) -> list[Lit]:
    """The near-deadline (临期) tickets in scope: the rule applied to the narrowed,
    non-overdue rows (at most MAX_ROWS)."""
    near = scoped_tickets(scope).filter(near_q(now)).exclude(overdue_q(now))
    return [row for row in lit(near, now, MAX_ROWS) if row.light == "yellow"]


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
    """The console's page. ``errors`` are the complaint form's on the complaints tab and
    the refused tickets' on the others."""
    scope = access.scope_of(request)
    now = clock.now()
    tab = listing.chosen(request, "tab", TABS, "red", given=tab)
    drill = _drill(request, scope)
    context: dict[str, Any] = {
        "tab": tab,
        "drill": drill,
        "errors": errors or {},
        "form": form or {},
        "here": request.get_full_path(),
    }
    if tab == "complaints":
        context.update(_complaints_tab(request, scope, now))
    else:
        context.update(_lights_tab(request, tab, scope, now, drill, errors))
    return render(request, "web/consoles/supervise.html", context, status=status)


def _drill(request: HttpRequest, scope: DataScope) -> Unit | None:
    """The unit the lists are narrowed to (``?unit=`` its code); it must lie in scope."""
    code = request.GET.get("unit", "").strip()
    if not code:
        return None
    drill = scope.units().filter(code=code).first()
    if drill is None:
        raise Http404("单位不存在或不在您的数据范围内")
    return drill


def _complaints_tab(request: HttpRequest, scope: DataScope, now: datetime) -> dict[str, Any]:
    """Complaints only: no light is classified, so only the red badge has a count."""
    red_total = _red(scope, now).count()
    page = common.paginate(request, complaints(scope))
    return {
        "tabs": [(k, v, red_total if k == "red" else None) for k, v in TABS.items()],
        **common.pager(request, page),
        "rows": list(page.object_list),
    }


def _lights_tab(
    request: HttpRequest,
    tab: str,
    scope: DataScope,
    now: datetime,
    drill: Unit | None,
    errors: dict[str, str] | None,
) -> dict[str, Any]:
    """超期 or 临期: the counts by unit and by level, and one page of that light's tickets."""
    red = _red(scope, now)
    yellow = _yellow(scope, now)
    by_unit = _by_unit(red, yellow)
    units = {
        u.pk: u
        for u in Unit.objects.filter(pk__in=[uid for uid in by_unit if uid]).only(
            "id", "code", "name", "level", "path"
        )
    }
    counts = {"red": sum(c["red"] for c in by_unit.values()), "yellow": len(yellow)}
    if tab == "red":
        page, rows = _red_page(request, red, drill)
    else:
        page, rows = _yellow_page(request, yellow, units, drill)
    return {
        "tabs": [(k, v, counts.get(k)) for k, v in TABS.items()],
        "unit_table": _unit_table(by_unit, units)[:30],
        "level_table": _level_table(by_unit, units),
        **common.pager(request, page),
        "rows": listing.with_refusals(rows, errors),
    }


def _by_unit(red: QuerySet[Ticket], yellow: list[Lit]) -> ByUnit:
    """How many overdue (counted in SQL) and near-deadline tickets each lead unit has."""
    red_by = red.values("lead_unit_id").annotate(n=Count("id")).order_by()
    by_unit: ByUnit = {r["lead_unit_id"]: Counter(red=r["n"]) for r in red_by}
    for row in yellow:
        by_unit.setdefault(row.lead_unit_id, Counter())["yellow"] += 1
    return by_unit


def _unit_table(by_unit: ByUnit, units: dict[int, Unit]) -> list[dict[str, Any]]:
    """Units with the most overdue first, then the most near-deadline, then tree order."""
    ordered = sorted(
        by_unit.items(),
        key=lambda kv: (-kv[1]["red"], -kv[1]["yellow"], units[kv[0]].path if kv[0] in units else ""),
    )
    return [
        {"unit": units.get(uid) if uid else None, "red": c["red"], "yellow": c["yellow"]}
        for uid, c in ordered
    ]


def _level_table(by_unit: ByUnit, units: dict[int, Unit]) -> list[dict[str, Any]]:
    """The unit counts summed by the lead unit's level, top level first; undispatched last."""
    by_level: dict[str, Counter[str]] = {}
    for uid, c in by_unit.items():
        level = units[uid].level if uid in units else ""
        by_level.setdefault(level, Counter()).update(c)
    order = list(LEVEL_LABELS)
    return [
        {"label": LEVEL_LABELS.get(lv, "未派单"), "red": c["red"], "yellow": c["yellow"]}
        for lv, c in sorted(by_level.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
    ]


def _red_page(request: HttpRequest, red: QuerySet[Ticket], drill: Unit | None) -> tuple[Any, listing.Rows]:
    """One page of the overdue tickets, paginated in SQL."""
    qs = red.select_related("lead_unit", "place").order_by("next_due_at", "id")
    if drill is not None:
        qs = qs.filter(lead_unit__path__startswith=drill.path)
    page = common.paginate(request, qs)
    return page, [{"t": t, "deadline": earliest_deadline(t), "light": "red"} for t in page.object_list]


def _yellow_page(
    request: HttpRequest, yellow: list[Lit], units: dict[int, Unit], drill: Unit | None
) -> tuple[Any, listing.Rows]:
    """One page of the near-deadline tickets, classified in Python, then loaded by id."""
    chosen = yellow
    if drill is not None:
        chosen = [
            r for r in yellow if r.lead_unit_id in units and units[r.lead_unit_id].path.startswith(drill.path)
        ]
    page = common.paginate(request, chosen)
    tickets = queries.page_tickets(r.id for r in page.object_list)
    rows = [
        {"t": tickets[r.id], "deadline": r.deadline, "light": r.light}
        for r in page.object_list
        if r.id in tickets
    ]
    return page, rows


supervise_console = access.console_page(render_supervise, Role.SUPERVISOR)


@require_POST
@access.console(Role.SUPERVISOR)
def escalate(request: HttpRequest, number: str, step: str) -> HttpResponse:
    """催办 / 督办 with the supervisor's note."""
    if step not in ("urge", "supervise"):
        raise Http404("未知操作")
    access.scoped_ticket(request, number)
    fn = actions.urge if step == "urge" else actions.supervise
    note = request.POST.get("note", "").strip()
    outcome = access.run_action(fn, request, number, note=note)
    label = "催办" if step == "urge" else "督办"
    return access.finish(
        request,
        number,
        outcome,
        success=f"工单 {number} 已{label}",
        next_default="/supervise/",
        rerender=render_supervise,
    )


@require_POST
@access.console(Role.SUPERVISOR)
def file_complaint(request: HttpRequest) -> HttpResponse:
    """督办投诉: a complaint against a unit (and optionally a named staff member) on a ticket."""
    form = {k: (request.POST.get(k) or "").strip() for k in ("ticket", "unit", "person", "content")}
    actor = common.actor_of(request)
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
@access.console(Role.SUPERVISOR)
def unit_options(request: HttpRequest) -> HttpResponse:
    units = queries.unit_search(access.scope_of(request).units(), request.GET.get("q", ""))
    return render(request, "web/consoles/_unit_options.html", {"kept": [], "units": units, "chosen": set()})
