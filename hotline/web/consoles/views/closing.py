"""质检员 (review of reported results) and 回访员 (callback) consoles."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.views.decorators.http import require_GET, require_POST

from hotline.errors import ActionError
from hotline.org.models import Role
from hotline.tickets import actions
from hotline.tickets.actions.closing import ARCHIVE_REASONS, SATISFACTION
from hotline.tickets.models import State
from hotline.tickets.privacy import mask_name, mask_phone, reveal
from hotline.tickets.selectors import scoped_tickets
from hotline.web.consoles import queries
from hotline.web.consoles.access import (
    Outcome,
    actor_of,
    console,
    finish,
    paginate,
    query_without,
    run_action,
    scope_of,
    scoped_ticket,
)

# ---------------------------------------------------------------- review (质检)


def render_review(
    request: HttpRequest, *, status: int = 200, errors: dict[str, str] | None = None
) -> HttpResponse:
    qs = (
        scoped_tickets(scope_of(request))
        .filter(state=State.REPORTED)
        .select_related("lead_unit", "place")
        .order_by(F("closed_at").asc(nulls_last=True), "id")
    )
    page = paginate(request, qs)
    tickets = list(page.object_list)
    shares = queries.assignments_of(tickets)
    reviews = queries.events_of(tickets, ["review"])
    rows = [
        {
            "t": t,
            "shares": [a for a in shares[t.pk] if a.active],
            "reviews": reviews[t.pk],
            "error": (errors or {}).get(t.number, ""),
        }
        for t in tickets
    ]
    context = {"page": page, "rows": rows, "pager_query": query_without(request, "page")}
    return render(request, "web/consoles/review.html", context, status=status)


@require_GET
@console(Role.REVIEWER)
def review_console(request: HttpRequest) -> HttpResponse:
    return render_review(request)


@require_POST
@console(Role.REVIEWER)
def review_act(request: HttpRequest, number: str) -> HttpResponse:
    scoped_ticket(request, number)
    verdict = request.POST.get("passed", "")
    comment = request.POST.get("comment", "")
    if verdict not in ("1", "0"):
        outcome = Outcome(False, "请选择审核通过或不通过", status=422)
    elif verdict == "0" and not comment.strip():
        outcome = Outcome(False, "审核不通过须填写意见", status=422)
    else:
        outcome = run_action(actions.review, request, number, passed=verdict == "1", comment=comment)
    verdict_text = "通过,转回访" if verdict == "1" else "不通过,已退回承办单位"
    return finish(
        request,
        number,
        outcome,
        success=f"工单 {number} 审核{verdict_text}",
        next_default="/review/",
        rerender=render_review,
    )


# ---------------------------------------------------------------- callback (回访)


def render_callback(
    request: HttpRequest, *, status: int = 200, errors: dict[str, str] | None = None
) -> HttpResponse:
    qs = (
        scoped_tickets(scope_of(request))
        .filter(state=State.AWAITING_CALLBACK)
        .select_related("lead_unit", "place")
        .order_by(F("callback_deadline").asc(nulls_last=True), "id")
    )
    page = paginate(request, qs)
    tickets = list(page.object_list)
    calls = queries.events_of(tickets, ["callback"])
    rows: list[dict[str, Any]] = []
    for t in tickets:
        attempts = [e for e in calls[t.pk] if not (e.payload or {}).get("reached", True)]
        rows.append(
            {
                "t": t,
                "name": mask_name(t.citizen_name),
                "phone": mask_phone(t.phone),
                "attempts": len(attempts),
                "error": (errors or {}).get(t.number, ""),
            }
        )
    context = {
        "page": page,
        "rows": rows,
        "satisfaction": SATISFACTION.items(),
        "archive_reasons": ARCHIVE_REASONS.items(),
        "pager_query": query_without(request, "page"),
    }
    return render(request, "web/consoles/callback.html", context, status=status)


@require_GET
@console(Role.CALLBACK)
def callback_console(request: HttpRequest) -> HttpResponse:
    return render_callback(request)


def _callback_kwargs(request: HttpRequest) -> dict[str, Any] | Outcome:
    reached = request.POST.get("reached", "")
    note = request.POST.get("note", "")
    if reached == "0":
        return {"reached": False, "note": note}
    if reached != "1":
        return Outcome(False, "请选择是否联系上市民", status=422)
    satisfaction = request.POST.get("satisfaction", "")
    if satisfaction not in SATISFACTION:
        return Outcome(False, "请选择满意度(满意/基本满意/不满意)", status=422)
    resolved = request.POST.get("resolved", "")
    if resolved not in ("1", "0"):
        return Outcome(False, "请选择诉求是否解决", status=422)
    return {"reached": True, "satisfaction": satisfaction, "resolved": resolved == "1", "note": note}


@require_POST
@console(Role.CALLBACK)
def callback_act(request: HttpRequest, number: str) -> HttpResponse:
    """回访: record the call. Dissatisfied sends the ticket back to handling (the action does it)."""
    scoped_ticket(request, number)
    kwargs = _callback_kwargs(request)
    outcome = (
        kwargs if isinstance(kwargs, Outcome) else run_action(actions.callback, request, number, **kwargs)
    )
    done = ""
    if outcome.ok and outcome.ticket is not None:
        state = outcome.ticket.state
        if state == State.ARCHIVED:
            done = "回访完成,已归档"
        elif state == State.AWAITING_CALLBACK:
            done = "已记录未接通,请稍后再次回访"
        else:
            done = "市民不满意,已退回重办"
    return finish(
        request,
        number,
        outcome,
        success=f"工单 {number}:{done}",
        next_default="/callback/",
        rerender=render_callback,
    )


@require_POST
@console(Role.CALLBACK)
def archive_act(request: HttpRequest, number: str) -> HttpResponse:
    """归档 without a satisfied callback (e.g. unreachable after several attempts), with reason."""
    scoped_ticket(request, number)
    reason = request.POST.get("reason", "")
    if reason not in ARCHIVE_REASONS:
        outcome = Outcome(False, "请选择归档原因", status=422)
    else:
        outcome = run_action(
            actions.archive, request, number, reason=reason, note=request.POST.get("note", "")
        )
    return finish(
        request,
        number,
        outcome,
        success=f"工单 {number} 已归档({ARCHIVE_REASONS.get(reason, '')})",
        next_default="/callback/",
        rerender=render_callback,
    )


@require_POST
@console(Role.CALLBACK)
def reveal_phone(request: HttpRequest, number: str) -> HttpResponse:
    """htmx: the citizen's full number for the call; the read itself is recorded (留痕)."""
    ticket = scoped_ticket(request, number)
    try:
        reveal(actor_of(request), ticket, purpose="回访")
    except ActionError as exc:
        return HttpResponse(escape(exc.message), status=exc.status)
    name = escape(ticket.citizen_name or "市民")
    return HttpResponse(f'<span class="phone-full">{name} {escape(ticket.phone) or "(未留电话)"}</span>')
