"""工单详情: the whole history, deadlines, units, contacts and the action forms.

``ticket_act`` is the one endpoint every page posts lifecycle actions to; see
``hotline.web.views.actions`` for the fields of each action.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from hotline import clock
from hotline.errors import ActionError, InvalidInput, NotFound
from hotline.org.models import User
from hotline.sla import deadlines
from hotline.tickets import selectors
from hotline.tickets.actions import ACTIONS
from hotline.tickets.actions.base import check_role
from hotline.tickets.lifecycle import TRANSITIONS
from hotline.tickets.models import Ticket
from hotline.tickets.privacy import UNMASK_ROLES, mask_name, mask_phone, reveal
from hotline.web.models import Attachment
from hotline.web.views.actions import forms_for, parse_fields, parse_version
from hotline.web.views.common import actor_of, error_page, safe_next
from hotline.web.views.present import deadline_rows, timeline_entries

STALE_MESSAGE = (
    "工单已被他人更新(当前为第 {version} 版),您的「{label}」未执行。请查看下方最新情况后再决定是否操作。"
)
EXPLAIN_LABELS = {
    "type": "诉求类型",
    "topic": "诉求分类",
    "urgency": "紧急程度",
    "emotion": "情绪倾向",
    "valid": "有效性",
    "police": "警情",
    "places": "属地",
}
UNIT_FIELD_ACTIONS = {"dispatch", "rule_return", "subdispatch"}


def _not_found(request: HttpRequest, number: str) -> HttpResponse:
    return error_page(request, 404, f"工单 {number} 不存在,或不在您的数据范围内。")


def ticket_context(
    request: HttpRequest,
    ticket: Ticket,
    *,
    unmasked: bool = False,
    failed: str = "",
    data: QueryDict | None = None,
    error: InvalidInput | str = "",
) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    now = clock.now()
    contacts = list(ticket.contacts.select_related("merged_from", "call").order_by("received_at", "id"))
    show = (lambda v: v) if unmasked else None
    for c in contacts:
        c.shown_name = show(c.citizen_name) if show else mask_name(c.citizen_name)  # type: ignore[attr-defined]
        c.shown_phone = show(c.phone) if show else mask_phone(c.phone)  # type: ignore[attr-defined]
    forms = forms_for(ticket, user, failed=failed, data=data, error=error)
    units: list[Any] = []
    if any(f.name in UNIT_FIELD_ACTIONS for f in forms):
        # Suggestions for the unit-code fields; the action checks the scope again.
        units = list(
            actor_of(request)
            .scope.units()
            .filter(active=True, level__in=("prefecture", "county", "township", "village"))
            .only("code", "name")
            .order_by("path")[:300]
        )
    light = deadlines.traffic_light(ticket, now)
    return {
        "ticket": ticket,
        "citizen_name": ticket.citizen_name if unmasked else mask_name(ticket.citizen_name),
        "phone": ticket.phone if unmasked else mask_phone(ticket.phone),
        "unmasked": unmasked,
        "can_unmask": user.role in UNMASK_ROLES and bool(ticket.phone or ticket.citizen_name),
        "timeline": timeline_entries(selectors.ticket_events(ticket)),
        "assignments": list(selectors.ticket_assignments(ticket).select_related("parent__unit")),
        "contacts": contacts,
        "attachments": list(Attachment.objects.filter(ticket=ticket)),
        "deadlines": deadline_rows(ticket, deadlines.open_kinds(ticket), now),
        "light": light,
        "light_label": deadlines.LIGHT_LABELS[light],
        "forms": forms,
        "unit_choices": units,
        "next": safe_next(request, ""),
        "triage_explain": [
            (EXPLAIN_LABELS.get(k, k), v) for k, v in ((ticket.triage or {}).get("explain") or {}).items()
        ],
    }


@login_required
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    try:
        ticket = selectors.get_ticket(actor_of(request).scope, number)
    except NotFound:
        return _not_found(request, number)
    return render(request, "web/tickets/detail.html", ticket_context(request, ticket))


@login_required
@require_POST
def ticket_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Run one lifecycle action from a form. Errors re-render the ticket page with the
    message and the user's input (status 4xx); nothing is saved."""
    actor = actor_of(request)
    if action not in ACTIONS:
        return error_page(request, 404, f"未知操作「{action}」。")
    try:
        ticket = selectors.get_ticket(actor.scope, number)
    except NotFound:
        return _not_found(request, number)
    label = TRANSITIONS[action].label
    version: int | None = None
    try:
        check_role(action, actor)  # in scope (above), so a refusal tells nothing new; before the form
        version = parse_version(request.POST)
        fields = parse_fields(action, request.POST)
        ACTIONS[action](actor, number, expected_version=version, **fields)
    except ActionError as exc:
        ticket = selectors.get_ticket(actor.scope, number)
        # A form from an older version is stale whatever the action then objected to
        # (often "not allowed in this state" because someone already moved the ticket on).
        if exc.code == "stale" or (version is not None and version != ticket.version):
            messages.error(request, STALE_MESSAGE.format(version=ticket.version, label=label))
            return render(request, "web/tickets/detail.html", ticket_context(request, ticket), status=409)
        messages.error(request, f"「{label}」未执行:{exc.message}")
        error: InvalidInput | str = exc if isinstance(exc, InvalidInput) else exc.message
        context = ticket_context(request, ticket, failed=action, data=request.POST, error=error)
        return render(request, "web/tickets/detail.html", context, status=exc.status)
    messages.success(request, f"已{label}:工单 {number}")
    return redirect(safe_next(request, f"/tickets/{number}/"))


@login_required
@require_POST
def ticket_reveal(request: HttpRequest, number: str) -> HttpResponse:
    """查看完整信息: allowed roles only, and every such read is an audit event."""
    actor = actor_of(request)
    try:
        ticket = selectors.get_ticket(actor.scope, number)
    except NotFound:
        return _not_found(request, number)
    try:
        reveal(actor, ticket, purpose=(request.POST.get("purpose") or "工单详情页查看").strip()[:100])
    except ActionError as exc:
        return error_page(request, exc.status, exc.message)
    context = ticket_context(request, ticket, unmasked=True)
    if request.headers.get("HX-Request"):
        return render(request, "web/tickets/_citizen.html", context)
    return render(request, "web/tickets/detail.html", context)


PHOTO_EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif"}


@login_required
def attachment(request: HttpRequest, number: str, attachment_id: int) -> HttpResponseBase:
    try:
        ticket = selectors.get_ticket(actor_of(request).scope, number)
    except NotFound:
        return _not_found(request, number)
    item = Attachment.objects.filter(pk=attachment_id, ticket=ticket).first()
    if item is None:
        return error_page(request, 404, "附件不存在。")
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    # Saved from the browser it is named in Chinese (RFC 5987), never the citizen's own
    # file name (it may carry anything).
    ext = PHOTO_EXTENSIONS.get(item.content_type, "")
    response["Content-Disposition"] = (
        content_disposition_header(False, f"工单{ticket.number}_附件{item.pk}{ext}") or "inline"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
