"""受理台: the operator's page, built for someone on the phone.

Caller first: as soon as a number is in the phone field — typed, or put there by the
telephone system's screen-pop (``/intake/?phone=…&call_id=…&recording=…``, docs/intake.md)
— ``intake_caller`` shows who is calling: every earlier ticket of that number, archived
ones too, with its result and satisfaction, the repeat flags, and the open tickets this
call can be added to (追加到在办工单, Alt+6: no new ticket). Each number looked up there is
an audit event (``search_personal_data``, from the screen-pop or the panel).
Typing the citizen's words refreshes ``intake_suggest`` (htmx, 300 ms after a pause):
triage's suggestions with their explanations, possible duplicates to merge into,
knowledge-base answers and the topic's stock phrases (常用语). One button (or Alt+1…5)
creates the ticket and, in the same transaction, applies the chosen first decision — so
a refused decision leaves no ticket.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hotline.errors import ActionError, InvalidInput
from hotline.knowledge.phrases import phrases_for
from hotline.knowledge.search import search
from hotline.org.models import Role
from hotline.org.scope import DataScope
from hotline.tickets.actions import ACTIONS, NewContact, add_contact_from
from hotline.tickets.citizens import caller_history, canonical_phone
from hotline.tickets.intake import take_in
from hotline.tickets.lifecycle import END_STATES
from hotline.tickets.models import Ticket
from hotline.tickets.privacy import record_search
from hotline.tickets.selectors import scoped_tickets
from hotline.web.forms import INTAKE_OPS, IntakeForm
from hotline.web.views.common import actor_of, roles_required

log = logging.getLogger(__name__)
INTAKE_PAGE_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.ADMIN)
MIN_TEXT = 4
# An action's field name → the intake form's field, to show an action's refusal in place.
FORM_FIELD = {
    "answer": {"answer": "answer"},
    "reject": {"reason": "reject_reason", "category": "reject_category"},
    "transfer_police": {"reason": "police_reason", "police_ref": "police_ref"},
    "merge": {"into": "merge_into"},
}
# What the telephone system may put in the intake page's URL (its screen-pop).
SCREEN_POP = {"phone": "phone", "call_id": "call_id", "recording": "recording_url"}


def _intake_page(request: HttpRequest, form: IntakeForm, status: int = 200) -> HttpResponse:
    return render(request, "web/intake/page.html", {"form": form, "ops": INTAKE_OPS}, status=status)


@roles_required(*INTAKE_PAGE_ROLES)
def intake(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        initial = {"idempotency_key": uuid.uuid4().hex}
        # The screen-pop's values, bounded like the form's: a bad one is shown as the
        # form's error when the operator submits, never trusted as it came.
        for param, name in SCREEN_POP.items():
            value = (request.GET.get(param) or "").strip()
            if value:
                initial[name] = value[:500]
        return _intake_page(request, IntakeForm(initial=initial))
    form = IntakeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请按提示修改后再提交,工单未创建。")
        return _intake_page(request, form, status=422)
    data = form.cleaned_data
    op = data["op"]
    contact = NewContact(
        channel=data["channel"],
        text=data["text"],
        title=data["title"],
        citizen_name=data["citizen_name"],
        phone=data["phone"],
        address=data["address"],
        lat=data["lat"],
        lng=data["lng"],
        idempotency_key=data["idempotency_key"] or None,
        type=data["type"],
        topic=data["topic"],
        urgency=data["urgency"],
        emotion=data["emotion"],
        call_id=data["call_id"],
        recording_url=data["recording_url"],
    )
    if op == "add_contact":
        return _add_to_open_ticket(request, form, contact, data["add_to"].strip())
    fields: dict[str, Any] = {
        "create": {},
        "answer": {"answer": data["answer"], "article": data["article"]},
        "reject": {"reason": data["reject_reason"], "category": data["reject_category"] or "other"},
        "transfer_police": {"reason": data["police_reason"], "police_ref": data["police_ref"]},
        "merge": {"into": data["merge_into"].strip()},
    }[op]
    actor = actor_of(request)

    def decide(ticket: Ticket) -> Ticket:
        return ACTIONS[op](actor, ticket.number, expected_version=ticket.version, **fields)

    try:
        intake = take_in(actor, contact, first_step=None if op == "create" else decide)
    except ActionError as exc:
        field = (
            _shown_field(FORM_FIELD.get(op, {}).get(exc.field, exc.field))
            if isinstance(exc, InvalidInput)
            else None
        )
        form.add_error(field if field in form.fields else None, exc.message)
        messages.error(request, f"「{INTAKE_OPS[op]}」未执行,工单未创建:{exc.message}")
        return _intake_page(request, form, status=exc.status)
    ticket = intake.ticket
    if not intake.created:
        messages.info(request, f"该来电已受理过(工单 {ticket.number}),未重复创建。")
        return redirect(f"/tickets/{ticket.number}/")
    done = "已受理" if op == "create" else f"已受理并{INTAKE_OPS[op]}"
    # Said at once, so the operator reads both out to the caller before hanging up.
    messages.success(request, f"{done},工单编号 {ticket.number},查询码 {ticket.query_code}")
    return redirect(f"/tickets/{ticket.number}/")


def _shown_field(name: str | None) -> str | None:
    """The form field to show an intake refusal at; the screen-pop's hidden fields' at the
    top of the form."""
    return None if name in SCREEN_POP.values() and name != "phone" else name


def _add_to_open_ticket(
    request: HttpRequest, form: IntakeForm, contact: NewContact, number: str
) -> HttpResponse:
    """追加到在办工单: the call joins the citizen's open ticket; no new ticket is made."""
    contact.idempotency_key = None  # a key names a new ticket; this call makes none
    try:
        add_contact_from(actor_of(request), number, contact)
    except ActionError as exc:
        # Not the caller's data at fault: the ticket named (missing, closed, stale).
        field = _shown_field(exc.field) if isinstance(exc, InvalidInput) else "add_to"
        form.add_error(field if field in form.fields else None, exc.message)
        messages.error(request, f"「{INTAKE_OPS['add_contact']}」未执行:{exc.message}")
        return _intake_page(request, form, status=exc.status)
    messages.success(request, f"来电已追加到工单 {number},承办单位会看到这次补充。")
    return redirect(f"/tickets/{number}/")


@roles_required(*INTAKE_PAGE_ROLES)
@require_POST
def intake_caller(request: HttpRequest) -> HttpResponse:
    """The caller panel (an htmx partial): who is calling, from the number alone."""
    phone = (request.POST.get("phone") or "").strip()[:20]
    actor = actor_of(request)
    history = caller_history(actor.scope, phone)
    if history.looked_up:
        record_search(
            actor,
            source="screen_pop" if _popped(request, history.phone) else "caller_panel",
            phone=history.phone,
            found=len(history.tickets),
            more=history.more,
        )
    return render(request, "web/intake/_caller.html", {"history": history})


def _popped(request: HttpRequest, number: str) -> bool:
    """Whether this panel shows the number the telephone system's screen-pop put in the
    page's URL (``/intake/?phone=…``), as htmx reports the page (``HX-Current-URL``). The
    browser's word: it names where a search came from in its audit event, nothing more."""
    page = urlsplit(request.headers.get("HX-Current-URL", ""))
    popped = parse_qs(page.query).get("phone", [""])[-1]
    return page.path.rstrip("/") == "/intake" and bool(popped) and canonical_phone(popped) == number


def _get(item: Any, *names: str) -> Any:
    for name in names:
        value = item.get(name) if isinstance(item, dict) else getattr(item, name, None)
        if value not in (None, ""):
            return value
    return None


def duplicates(
    scope: DataScope, text: str, title: str, place_unit_id: int | None, phone: str, address: str = ""
) -> list[dict[str, Any]]:
    """Open tickets this call may repeat: triage's similar tickets and the caller's own."""
    found: list[dict[str, Any]] = []
    find_duplicates: Any = None
    with contextlib.suppress(ImportError):  # the duplicate finder is optional advice
        from hotline.triage.duplicates import find_duplicates
    if find_duplicates is not None and len(text) >= MIN_TEXT:
        try:
            for item in find_duplicates(
                text,
                title=title,
                place_unit_id=place_unit_id,
                address=address,
                scope_queryset=scoped_tickets(scope),
                limit=5,
            ):
                if isinstance(item, tuple):
                    item = {"ticket": item[0], "score": item[1] if len(item) > 1 else None}
                ticket = _get(item, "ticket")
                number = (
                    ticket.number if isinstance(ticket, Ticket) else _get(item, "number", "ticket_number")
                )
                if number:
                    score = _get(item, "score", "similarity")
                    reason = _get(item, "reasons", "reason", "explain") or ""
                    if isinstance(reason, list | tuple):
                        reason = "、".join(str(r) for r in reason)
                    found.append(
                        {"number": str(number), "score": score, "reason": str(reason), "why": "内容相似"}
                    )
        except Exception:  # advice only: the operator keeps working without it
            log.exception("duplicate search failed")
    if phone and len(phone) >= 7:
        for number in (
            scoped_tickets(scope)
            .filter(phone=phone)
            .exclude(state__in=END_STATES)
            .order_by("-created_at")
            .values_list("number", flat=True)[:3]
        ):
            if all(f["number"] != number for f in found):
                found.append({"number": number, "score": None, "reason": "", "why": "同一来电号码的在办工单"})
    if not found:
        return []
    tickets = Ticket.objects.select_related("lead_unit").in_bulk(
        [f["number"] for f in found], field_name="number"
    )
    rows = []
    for f in found:
        t = tickets.get(f["number"])
        if t is not None:
            rows.append({**f, "ticket": t, "mergeable": t.state not in END_STATES})
    return rows


@roles_required(*INTAKE_PAGE_ROLES)
@require_POST
def intake_suggest(request: HttpRequest) -> HttpResponse:
    """The live suggestion panel (an htmx partial): triage, duplicates, knowledge."""
    text = (request.POST.get("text") or "").strip()[:5000]
    title = (request.POST.get("title") or "").strip()[:200]
    address = (request.POST.get("address") or "").strip()[:300]
    phone = (request.POST.get("phone") or "").strip()[:20]
    channel = request.POST.get("channel") or "phone"
    if len(text) + len(title) < MIN_TEXT:
        return render(request, "web/intake/_suggestions.html", {"empty": True})
    suggestion: dict[str, Any] = {}
    try:
        from hotline.triage import analyse

        suggestion = analyse(title=title, text=text, channel=channel, address=address).to_dict()
    except Exception:
        log.exception("triage failed in the intake panel")
    places = suggestion.get("places") or []
    place_id = next((p.get("unit_id") for p in places if isinstance(p, dict) and p.get("unit_id")), None)
    return render(
        request,
        "web/intake/_suggestions.html",
        {
            "s": suggestion,
            "explain": suggestion.get("explain") or {},
            "duplicates": duplicates(actor_of(request).scope, text, title, place_id, phone, address),
            "articles": search(f"{title} {text}", limit=3),
            "phrases": phrases_for(suggestion.get("topic") or ""),
        },
    )
