"""市民服务: submit a request, track it with its query code (查询码) or the phone's last
four digits, rate the outcome.

No login. Abuse is limited: one submission per phone per minute, and failed look-ups per
ticket and per client address, counted in the database for every worker alike
(``tickets.selectors.public_ticket``).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hotline import clock
from hotline.audit.models import Event
from hotline.db import write_transaction
from hotline.errors import ActionError
from hotline.org.actor import Actor
from hotline.org.throttle import client_address
from hotline.tickets import events, selectors
from hotline.tickets.actions import NewContact, add_contact_from
from hotline.tickets.actions.closing import SATISFACTION
from hotline.tickets.actions.feedback import rate as rate_ticket
from hotline.tickets.intake import take_in
from hotline.tickets.lifecycle import STATE_LABELS, TRANSITIONS
from hotline.tickets.models import Channel, Contact, State, Ticket
from hotline.tickets.timeline import public_events, public_timeline
from hotline.triage.duplicates import find_duplicates
from hotline.web.forms import PortalForm, RatingForm, TrackForm
from hotline.web.models import Attachment

logger = logging.getLogger(__name__)
SUBMIT_INTERVAL = timedelta(minutes=1)
RATEABLE = TRANSITIONS["citizen_rating"].sources
TRACK_PAGE = "web/portal/track.html"
# The result the citizen reads as the outcome: once the centre's review passed it.
RESULT_SHOWN = (State.AWAITING_CALLBACK, State.ARCHIVED)


def submit(request: HttpRequest) -> HttpResponse:
    """我要反映. Before a new ticket is made, the same phone's open ticket about the same
    matter is offered: the citizen adds this to it (``repeat=add``) or submits anew
    (``repeat=new``); three identical submissions are one ticket, not three."""
    form = PortalForm(request.POST or None, request.FILES or None)
    if request.method != "POST":
        return render(request, "web/portal/submit.html", {"form": form})
    if not form.is_valid():
        return render(request, "web/portal/submit.html", {"form": form}, status=422)
    data = form.cleaned_data
    if data.get("website"):
        # A bot filled the invisible field: answer like a success, store nothing.
        return redirect("/portal/")
    now = clock.now()
    # Naive flood control, enforced in the database so every worker process agrees: a
    # new ticket's first contact and an added one count alike.
    recent = Contact.objects.filter(
        phone=data["phone"], channel=Channel.WEB, received_at__gte=now - SUBMIT_INTERVAL
    ).exists()
    if recent:
        form.add_error(None, "同一手机号每分钟只能提交一次诉求,请稍后再试。如情况紧急请直接拨打12345。")
        return render(request, "web/portal/submit.html", {"form": form}, status=429)
    photo: Any = data.get("photo")
    repeat = request.POST.get("repeat", "")
    earlier = None if repeat == "new" else _same_matter(data)
    if earlier is not None:
        if repeat == "add":
            return _add_to(request, form, earlier, photo)
        context = {"form": form, "earlier": earlier, "earlier_state": STATE_LABELS.get(earlier.state, "")}
        return render(request, "web/portal/submit.html", context)
    contact = _contact(data)

    def attach_photo(ticket: Ticket) -> None:
        _attach(ticket, photo)

    try:
        ticket = take_in(Actor.citizen(), contact, first_step=attach_photo if photo else None).ticket
    except ActionError as exc:
        form.add_error(None, exc.message)
        return render(request, "web/portal/submit.html", {"form": form}, status=exc.status)
    request.session["portal_submitted"] = {"number": ticket.number, "query_code": ticket.query_code}
    return redirect("/portal/submitted/")


def _contact(data: dict[str, Any]) -> NewContact:
    return NewContact(
        channel=Channel.WEB,
        text=data["text"],
        citizen_name=data["citizen_name"],
        phone=data["phone"],
        address=data["address"],
        lat=data["lat"],
        lng=data["lng"],
    )


def _attach(ticket: Ticket, photo: Any) -> None:
    Attachment.objects.create(
        ticket=ticket,
        file=photo,
        original_name=(photo.name or "")[:200],
        content_type=photo.content_type or "application/octet-stream",
        size=photo.size or 0,
    )


def _same_matter(data: dict[str, Any]) -> Ticket | None:
    """The open ticket of this phone that this submission most likely repeats (triage's
    duplicate finder over the phone's own tickets), or None. Advice: never fails the
    submission."""
    try:
        found = find_duplicates(
            data["text"],
            address=data["address"],
            scope_queryset=Ticket.objects.filter(phone=data["phone"]),
            limit=1,
        )
    except Exception:  # noqa: BLE001 - advice; the citizen can always submit anew
        logger.exception("repeat check failed; the submission goes on as a new ticket")
        return None
    if not found:
        return None
    return Ticket.objects.filter(number=found[0]["number"], phone=data["phone"]).first()


def _add_to(request: HttpRequest, form: PortalForm, earlier: Ticket, photo: Any) -> HttpResponse:
    """The submission joins the citizen's open ticket (追加来电来信), photo and all."""
    data = form.cleaned_data
    try:
        with write_transaction():
            # The phone typed is the ticket's own: the same proof the repeat check used.
            add_contact_from(Actor.citizen(own_ticket=earlier.number), earlier.number, _contact(data))
            if photo:
                _attach(earlier, photo)
    except ActionError as exc:
        form.add_error(None, f"{exc.message.rstrip('。')}。您可以作为新诉求提交。")
        return render(request, "web/portal/submit.html", {"form": form}, status=exc.status)
    request.session["portal_submitted"] = {"added_to": earlier.number[-4:]}
    return redirect("/portal/submitted/")


def submitted(request: HttpRequest) -> HttpResponse:
    receipt = request.session.get("portal_submitted")
    if not isinstance(receipt, dict):
        return redirect("/portal/")
    return render(request, "web/portal/submitted.html", receipt)


def _lookup(request: HttpRequest, form: TrackForm) -> tuple[Ticket | None, str, int]:
    """(ticket, error, status) for a valid track form; failed look-ups are counted."""
    data = form.cleaned_data
    try:
        ticket = selectors.public_ticket(
            data["number"],
            address=client_address(request),
            query_code=data["query_code"],
            phone_last4=data["phone_last4"],
        )
    except ActionError as exc:
        return None, exc.message, exc.status
    return ticket, "", 200


def _steps(ticket: Ticket) -> list[dict[str, Any]]:
    """The public timeline as the citizen reads it: each step's time, the unit that took
    it, and what the unit reported (the handling result) or the callback heard."""
    shown = list(public_events(ticket).select_related("actor_unit"))
    steps = public_timeline(ticket, shown)
    for step, event in zip(steps, shown, strict=True):
        p = event.payload or {}
        step["when"] = timezone.localtime(event.created_at)
        step["unit"] = event.actor_unit.name if event.actor_unit else ""
        step["detail"] = ""
        if event.action == "report" and p.get("result"):
            step["detail"] = f"办理结果:{p['result']}"
        elif events.callback_reached(event.action, p) and p.get("satisfaction"):
            step["detail"] = f"您的评价:{SATISFACTION.get(p['satisfaction'], '')}"
    return steps


def _track_context(ticket: Ticket, form: TrackForm, rating_form: RatingForm | None = None) -> dict[str, Any]:
    rated = Event.objects.filter(ticket=ticket, action="citizen_rating").exists()
    return {
        "ticket": ticket,
        "state_label": STATE_LABELS.get(ticket.state, ticket.state),
        "result": ticket.result if ticket.state in RESULT_SHOWN else "",
        "timeline": _steps(ticket),
        "can_rate": ticket.state in RATEABLE and not rated,
        "rated": rated,
        # The rating form proves the ticket is theirs the way the citizen just did.
        "proof": {k: form.cleaned_data[k] for k in ("query_code", "phone_last4")},
        "rating_form": rating_form or RatingForm(),
    }


def _tracked(request: HttpRequest, form: TrackForm) -> Ticket | HttpResponse:
    """The ticket the posted track form names, or the track page saying why not (the
    form's errors, too many failed look-ups, no such number and phone)."""
    if not form.is_valid():
        return render(request, TRACK_PAGE, {"form": form}, status=422)
    ticket, error, status = _lookup(request, form)
    if ticket is None:
        form.add_error(None, error)
        return render(request, TRACK_PAGE, {"form": form}, status=status)
    return ticket


def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.POST or None)
    if request.method != "POST":
        return render(request, TRACK_PAGE, {"form": form})
    ticket = _tracked(request, form)
    if isinstance(ticket, HttpResponse):
        return ticket
    return render(request, TRACK_PAGE, {"form": form, **_track_context(ticket, form)})


@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    """市民评价: once per ticket, when the ticket awaits its callback or is archived."""
    form = RatingForm(request.POST)
    track_form = TrackForm(request.POST)
    ticket = _tracked(request, track_form)
    if isinstance(ticket, HttpResponse):
        return ticket
    if not form.is_valid():
        context = {"form": track_form, **_track_context(ticket, track_form, form)}
        return render(request, TRACK_PAGE, context, status=422)
    try:
        # The lookup above proved the ticket is this citizen's: the one they may rate.
        rate_ticket(
            Actor.citizen(own_ticket=ticket.number),
            ticket.number,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
    except ActionError as exc:
        form.add_error(None, "工单办结后才能评价。" if exc.code == "invalid_state" else exc.message)
        context = {"form": track_form, **_track_context(ticket, track_form, form)}
        return render(request, TRACK_PAGE, context, status=409)
    context = {
        "form": track_form,
        **_track_context(ticket, track_form),
        "thanks": SATISFACTION[form.cleaned_data["rating"]],
    }
    return render(request, TRACK_PAGE, context)
