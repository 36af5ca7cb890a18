"""派单员 console: the dispatch queue, returns to rule on, extension/suspension requests."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from hotline.errors import ActionError
from hotline.org.actor import Actor
from hotline.org.models import Role
from hotline.org.scope import DataScope
from hotline.tickets import actions, events
from hotline.tickets.models import Ticket
from hotline.tickets.selectors import scoped_tickets
from hotline.web.consoles import access, listing, queries
from hotline.web.consoles.suggestions import advise
from hotline.web.views import common

TABS = {"queue": "待派单", "returns": "退单审核", "requests": "延期/挂起审批"}
BULK_LIMIT = 50


def _tab_querysets(request: HttpRequest) -> dict[str, Any]:
    scope = access.scope_of(request)
    return {
        "queue": queries.dispatch_queue(scope),
        "returns": queries.returned_tickets(scope),
        "requests": queries.pending_requests(scope),
    }


def render_dispatch(
    request: HttpRequest,
    tab: str = "",
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    bulk: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    tab = listing.chosen(request, "tab", TABS, "queue", given=tab)
    sets = _tab_querysets(request)
    page = common.paginate(request, sets[tab])
    scope = access.scope_of(request)
    rows: listing.Rows
    if tab == "queue":
        rows = [{"t": t, "advice": advise(t, scope)} for t in page.object_list]
    elif tab == "returns":
        last = queries.last_events(page.object_list, ["return"])
        rows = [{"t": t, "ret": last.get(t.pk, {}).get("return")} for t in page.object_list]
    else:
        rows = [{"t": t, "req": t.pending_request} for t in page.object_list]
    counts = {name: qs.count() if name != tab else page.paginator.count for name, qs in sets.items()}
    context = {
        "tab": tab,
        "tabs": [(k, v, counts[k]) for k, v in TABS.items()],
        **common.pager(request, page),
        "rows": listing.with_refusals(rows, errors),
        "errors": errors or {},
        "bulk": bulk,
        "here": request.get_full_path(),
    }
    return render(request, "web/consoles/dispatch.html", context, status=status)


dispatch_console = access.console_page(render_dispatch, Role.DISPATCHER)


def _done(request: HttpRequest, outcome: access.Outcome, number: str, tab: str, success: str) -> HttpResponse:
    return access.finish(
        request,
        number,
        outcome,
        success=success,
        next_default=f"/dispatch/?tab={tab}",
        rerender=lambda request, **kw: render_dispatch(request, tab, **kw),
    )


@require_POST
@access.console(Role.DISPATCHER)
def dispatch_one(request: HttpRequest, number: str) -> HttpResponse:
    """派单: confirm the suggestion (its units arrive as hidden fields) or a changed choice."""
    access.scoped_ticket(request, number)
    lead = (request.POST.get("lead_unit") or "").strip()
    assist = [c for c in request.POST.getlist("assist_units") if c.strip() and c.strip() != lead]
    outcome = access.run_action(
        actions.dispatch,
        request,
        number,
        lead_unit=lead,
        assist_units=assist,
        note=request.POST.get("note", ""),
    )
    name = outcome.ticket.lead_unit.name if outcome.ok and outcome.ticket and outcome.ticket.lead_unit else ""
    return _done(request, outcome, number, "queue", f"工单 {number} 已派至「{name}」")


@require_POST
@access.console(Role.DISPATCHER)
def dispatch_bulk(request: HttpRequest) -> HttpResponse:
    """批量派单: each selected ticket to its top suggestion; one outcome per ticket.

    Each ticket is its own action (its own transaction): one failure does not undo the
    others, and a resubmitted form fails per ticket as stale instead of dispatching twice.
    """
    numbers = list(dict.fromkeys(n.strip() for n in request.POST.getlist("numbers") if n.strip()))
    if not numbers:
        messages.error(request, "请先勾选要批量派单的工单")
        return render_dispatch(request, "queue", status=400)
    if len(numbers) > BULK_LIMIT:
        messages.error(request, f"一次最多批量派单 {BULK_LIMIT} 件")
        return render_dispatch(request, "queue", status=400)
    scope, actor = access.scope_of(request), common.actor_of(request)
    found = {t.number: t for t in _scoped_many(request, numbers)}
    results = [
        {"number": number, **_dispatch_to_advice(request, actor, scope, number, found.get(number))}
        for number in numbers
    ]
    ok = sum(1 for r in results if r["ok"])
    failed = len(results) - ok
    if failed:
        messages.warning(request, f"批量派单:成功 {ok} 件,失败 {failed} 件")
    else:
        messages.success(request, f"批量派单:成功 {ok} 件")
    return render_dispatch(request, "queue", bulk=results)


def _dispatch_to_advice(
    request: HttpRequest, actor: Actor, scope: DataScope, number: str, ticket: Ticket | None
) -> dict[str, Any]:
    """One ticket of a bulk dispatch: to its top suggestion, as {"ok", "message"}."""
    if ticket is None:
        return {"ok": False, "message": "工单不存在或不在您的数据范围内"}
    raw = (request.POST.get(f"version_{number}") or "").strip()
    if not raw.isdigit():
        return {"ok": False, "message": "缺少版本号,请刷新后重试"}
    advice = advise(ticket, scope)
    if advice.lead is None:
        return {"ok": False, "message": "无派单建议,请逐件选择承办单位"}
    try:
        actions.dispatch(
            actor,
            number,
            lead_unit=advice.lead.code,
            assist_units=[a.code for a in advice.assists],
            expected_version=int(raw),
        )
    except ActionError as exc:
        stale = getattr(exc, "code", "") == "stale"
        return {"ok": False, "message": "工单已被他人更新,未重复派单" if stale else exc.message}
    return {"ok": True, "message": f"已派至「{advice.lead.name}」"}


def _scoped_many(request: HttpRequest, numbers: list[str]) -> list[Ticket]:
    return list(scoped_tickets(access.scope_of(request)).filter(number__in=numbers).select_related("place"))


@require_POST
@access.console(Role.DISPATCHER)
def rule_return(request: HttpRequest, number: str) -> HttpResponse:
    """退单审核: 改派 to another unit, or 驳回退单 with a reason."""
    access.scoped_ticket(request, number)
    decision = request.POST.get("decision", "")
    kwargs: dict[str, Any] = {"decision": decision, "reason": request.POST.get("reason", "")}
    if decision == events.REDISPATCH:
        kwargs["lead_unit"] = (request.POST.get("lead_unit") or "").strip()
        kwargs["assist_units"] = [c for c in request.POST.getlist("assist_units") if c.strip()]
    outcome = access.run_action(actions.rule_return, request, number, **kwargs)
    done = "已改派" if decision == events.REDISPATCH else "已驳回退单,退回原单位办理"
    return _done(request, outcome, number, "returns", f"工单 {number} {done}")


@require_POST
@access.console(Role.DISPATCHER)
def decide(request: HttpRequest, number: str) -> HttpResponse:
    """延期审批 / 挂起审批: approve or refuse the unit's request."""
    ticket = access.scoped_ticket(request, number)
    kind = (ticket.pending_request or {}).get("kind", "")
    verdict = request.POST.get("approve", "")
    if verdict not in ("1", "0"):
        outcome = access.Outcome(False, "请选择批准或不批准", status=422, field="approve")
        return _done(request, outcome, number, "requests", "")
    approve = verdict == "1"
    note = request.POST.get("note", "")
    if not approve and not note.strip():
        outcome = access.Outcome(False, "不批准须填写意见", status=422, field="note")
        return _done(request, outcome, number, "requests", "")
    if kind == "extension":
        kwargs: dict[str, Any] = {"approve": approve, "note": note}
        raw_days = (request.POST.get("days") or "").strip()
        if approve and raw_days:
            if not raw_days.isdigit():
                outcome = access.Outcome(False, "延期天数须为正整数", status=422, field="days")
                return _done(request, outcome, number, "requests", "")
            kwargs["days"] = int(raw_days)
        outcome = access.run_action(actions.decide_extension, request, number, **kwargs)
        what = "延期申请"
    else:
        # No pending request (or a suspension): the action itself refuses what is not pending.
        outcome = access.run_action(actions.decide_suspension, request, number, approve=approve, note=note)
        what = "挂起申请"
    return _done(
        request, outcome, number, "requests", f"工单 {number} 的{what}已{'批准' if approve else '不予批准'}"
    )


@require_GET
@access.console(Role.DISPATCHER)
def unit_options(request: HttpRequest) -> HttpResponse:
    """htmx: <option>s of active units in the dispatcher's scope matching ``q``.

    Units already chosen (``assist_units`` / ``lead_unit`` sent along) stay listed and selected.
    """
    scope = access.scope_of(request)
    field = request.GET.get("field", "lead_unit")
    chosen = [c for c in request.GET.getlist(field) if c]
    units = queries.unit_search(scope.units(), request.GET.get("q", ""))
    kept = list(scope.units().filter(code__in=chosen, active=True)) if chosen else []
    seen = {u.code for u in kept}
    return render(
        request,
        "web/consoles/_unit_options.html",
        {"kept": kept, "units": [u for u in units if u.code not in seen], "chosen": set(chosen)},
    )
