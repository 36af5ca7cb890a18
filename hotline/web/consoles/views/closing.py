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
from django.views.decorators.http import require_POST

from hotline.errors import ActionError
from hotline.org.models import Role
from hotline.tickets import actions, events
from hotline.tickets.actions.closing import SATISFACTION
from hotline.tickets.models import ArchiveReason, State
from hotline.tickets.privacy import mask_name, mask_phone, reveal
from hotline.web.consoles import access, listing, queries
from hotline.web.views import common

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
    page = common.paginate(request, queries.review_queue(access.scope_of(request)))
    tickets = list(page.object_list)
    shares = queries.assignments_of(tickets)
    reviews = queries.events_of(tickets, ["review"])
    rows = [
        {"t": t, "shares": [a for a in shares[t.pk] if a.active], "reviews": reviews[t.pk]} for t in tickets
    ]
    context = {**common.pager(request, page), "rows": listing.with_refusals(rows, errors)}
    return render(request, "web/consoles/review.html", context, status=status)


review_console = access.console_page(render_review, Role.REVIEWER)


@require_POST
@access.console(Role.REVIEWER)
def review_act(request: HttpRequest, number: str) -> HttpResponse:
    access.scoped_ticket(request, number)
    verdict = request.POST.get("passed", "")
    comment = request.POST.get("comment", "")
    if verdict not in ("1", "0"):
        outcome = access.Outcome(False, "请选择审核通过或不通过", status=422)
    else:  # a failed review without a comment is the action's refusal
        outcome = access.run_action(actions.review, request, number, passed=verdict == "1", comment=comment)
    return access.finish(
        request,
        number,
        outcome,
        success=f"工单 {number} 审核{REVIEWED.get(access.state_after(outcome), '')}",
        next_default="/review/",
        rerender=render_review,
    )


# ---------------------------------------------------------------- callback (回访)


def render_callback(
    request: HttpRequest, *, status: int = 200, errors: dict[str, str] | None = None
) -> HttpResponse:
    page = common.paginate(request, queries.callback_queue(access.scope_of(request)))
    tickets = list(page.object_list)
    calls = queries.events_of(tickets, ["callback"])
    rows = [
        {
            "t": t,
            "name": mask_name(t.citizen_name),
            "phone": mask_phone(t.phone),
            "attempts": sum(1 for e in calls[t.pk] if not events.callback_reached(e.action, e.payload or {})),
        }
        for t in tickets
    ]
    context = {
        **common.pager(request, page),
        "rows": listing.with_refusals(rows, errors),
        "satisfaction": SATISFACTION.items(),
        "archive_reasons": ArchiveReason.choices,
    }
    return render(request, "web/consoles/callback.html", context, status=status)


callback_console = access.console_page(render_callback, Role.CALLBACK)


def _back_to_callbacks(
    request: HttpRequest, number: str, outcome: access.Outcome, success: str
) -> HttpResponse:
    return access.finish(
        request, number, outcome, success=success, next_default="/callback/", rerender=render_callback
    )


def _callback_kwargs(request: HttpRequest) -> dict[str, Any] | access.Outcome:
    reached = request.POST.get("reached", "")
    note = request.POST.get("note", "")
    if reached == "0":
        return {"reached": False, "note": note}
    if reached != "1":
        return access.Outcome(False, "请选择是否联系上市民", status=422)
    satisfaction = request.POST.get("satisfaction", "")
    if not satisfaction:  # which answers count is the action's rule
        return access.Outcome(False, f"请选择满意度({'/'.join(SATISFACTION.values())})", status=422)
    resolved = request.POST.get("resolved", "")
    if resolved not in ("1", "0"):
        return access.Outcome(False, "请选择诉求是否解决", status=422)
    return {"reached": True, "satisfaction": satisfaction, "resolved": resolved == "1", "note": note}


@require_POST
@access.console(Role.CALLBACK)
def callback_act(request: HttpRequest, number: str) -> HttpResponse:
    """回访: record the call. Dissatisfied sends the ticket back to handling (the action does it)."""
    access.scoped_ticket(request, number)
    kwargs = _callback_kwargs(request)
    outcome = (
        kwargs
        if isinstance(kwargs, access.Outcome)
        else access.run_action(actions.callback, request, number, **kwargs)
    )
    done = CALLED_BACK.get(access.state_after(outcome), "")
    return _back_to_callbacks(request, number, outcome, f"工单 {number}:{done}")


@require_POST
@access.console(Role.CALLBACK)
def archive_act(request: HttpRequest, number: str) -> HttpResponse:
    """归档 without a satisfied callback (e.g. unreachable after several attempts), with reason."""
    access.scoped_ticket(request, number)
    reason = request.POST.get("reason", "")
    if not reason:  # which reasons count is the action's rule
        outcome = access.Outcome(False, "请选择归档原因", status=422)
    else:
        note = request.POST.get("note", "")
        outcome = access.run_action(actions.archive, request, number, reason=reason, note=note)
    done = f"已归档({dict(ArchiveReason.choices).get(reason, '')})"
    return _back_to_callbacks(request, number, outcome, f"工单 {number} {done}")


@require_POST
@access.console(Role.CALLBACK)
def reveal_phone(request: HttpRequest, number: str) -> HttpResponse:
    """htmx: the citizen's full number for the call; the read itself is recorded (留痕)."""
    ticket = access.scoped_ticket(request, number)
    try:
        reveal(common.actor_of(request), ticket, purpose="回访")
    except ActionError as exc:
        return HttpResponse(escape(exc.message), status=exc.status)
    name = escape(ticket.citizen_name or "市民")
    return HttpResponse(f'<span class="phone-full">{name} {escape(ticket.phone) or "(未留电话)"}</span>')
