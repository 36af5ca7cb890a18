"""质检员 (review of reported results) and 回访员 (callback) consoles.

The actions own the rules: which tickets may be reviewed or called back (the lifecycle's
source states, through ``queries``), what a failed review needs and what a verdict does.
These views turn the form into the action's arguments, say which choice is missing, and
report what the action did from the state it left the ticket in.
"""

from __future__ import annotations

from typing import Any

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
    state_after,
)

# What the action did, said by the state it left the ticket in (the lifecycle's targets).
REVIEWED: dict[str, str] = {State.AWAITING_CALLBACK: "通过,转回访", State.HANDLING: "不通过,已退回承办单位"}
CALLED_BACK: dict[str, str] = {
    State.ARCHIVED: "回访完成,已归档",
    State.AWAITING_CALLBACK: "已记录未接通,请稍后再次回访",
    State.HANDLING: "市民不满意,已退回重办",
    State.ACCEPTED: "市民不满意,已退回重办",  # the centre had answered it itself
}

# ---------------------------------------------------------------- review (质检)


def render_review(
    request: HttpRequest, *, status: int = 200, errors: dict[str, str] | None = None
) -> HttpResponse:
    page = paginate(request, queries.review_queue(scope_of(request)))
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
    else:  # a failed review without a comment is the action's refusal
        outcome = run_action(actions.review, request, number, passed=verdict == "1", comment=comment)
    return finish(
        request,
        number,
        outcome,
        success=f"工单 {number} 审核{REVIEWED.get(state_after(outcome), '')}",
        next_default="/review/",
        rerender=render_review,
    )


# ---------------------------------------------------------------- callback (回访)


def render_callback(
    request: HttpRequest, *, status: int = 200, errors: dict[str, str] | None = None
) -> HttpResponse:
    page = paginate(request, queries.callback_queue(scope_of(request)))
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
    if not satisfaction:  # which answers count is the action's rule
        return Outcome(False, f"请选择满意度({'/'.join(SATISFACTION.values())})", status=422)
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
    return finish(
        request,
        number,
        outcome,
        success=f"工单 {number}:{CALLED_BACK.get(state_after(outcome), '')}",
        next_default="/callback/",
        rerender=render_callback,
    )


@require_POST
@console(Role.CALLBACK)
def archive_act(request: HttpRequest, number: str) -> HttpResponse:
    """归档 without a satisfied callback (e.g. unreachable after several attempts), with reason."""
    scoped_ticket(request, number)
    reason = request.POST.get("reason", "")
    if not reason:  # which reasons count is the action's rule
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
