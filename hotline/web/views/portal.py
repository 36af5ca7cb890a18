"""市民服务: submit a request, track it with the phone's last four digits, rate the outcome.

No login. Abuse is limited naively: one submission per phone per minute, and a cap on
failed look-ups per address (so ticket numbers cannot be probed quickly).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hotline import clock
from hotline.audit.models import Event
from hotline.errors import ActionError
from hotline.org.actor import Actor
from hotline.tickets import selectors
from hotline.tickets.actions import NewContact
from hotline.tickets.actions.closing import SATISFACTION
from hotline.tickets.actions.feedback import rate as rate_ticket
from hotline.tickets.intake import take_in
from hotline.tickets.lifecycle import STATE_LABELS, TRANSITIONS
from hotline.tickets.models import Channel, Ticket
from hotline.tickets.timeline import public_timeline
from hotline.web.forms import PortalForm, RatingForm, TrackForm
from hotline.web.models import Attachment

SUBMIT_INTERVAL = timedelta(minutes=1)
LOOKUP_FAILURES = 20  # per client address per 10 minutes
RATEABLE = TRANSITIONS["citizen_rating"].sources
TRACK_PAGE = "web/portal/track.html"


def submit(request: HttpRequest) -> HttpResponse:
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
    # Naive flood control, enforced in the database so every worker process agrees.
    recent = Ticket.objects.filter(
        phone=data["phone"], channel=Channel.WEB, created_at__gte=now - SUBMIT_INTERVAL
    ).exists()
    if recent:
        form.add_error(None, "同一手机号每分钟只能提交一次诉求,请稍后再试。如情况紧急请直接拨打12345。")
        return render(request, "web/portal/submit.html", {"form": form}, status=429)
    contact = NewContact(
        channel=Channel.WEB,
        text=data["text"],
        citizen_name=data["citizen_name"],
        phone=data["phone"],
        address=data["address"],
    )
    photo: Any = data.get("photo")

    def attach_photo(ticket: Ticket) -> None:
        Attachment.objects.create(
            ticket=ticket,
            file=photo,
            original_name=(photo.name or "")[:200],
            content_type=photo.content_type or "application/octet-stream",
            size=photo.size or 0,
        )

    try:
        ticket = take_in(Actor.citizen(), contact, first_step=attach_photo if photo else None).ticket
    except ActionError as exc:
        form.add_error(None, exc.message)
        return render(request, "web/portal/submit.html", {"form": form}, status=exc.status)
    request.session["portal_submitted"] = ticket.number
    return redirect("/portal/submitted/")


def submitted(request: HttpRequest) -> HttpResponse:
    number = request.session.get("portal_submitted")
    if not number:
        return redirect("/portal/")
    return render(request, "web/portal/submitted.html", {"number": number})


def _client(request: HttpRequest) -> str:
    return f"portal-lookup:{request.META.get('REMOTE_ADDR', '')}"


def _lookup(request: HttpRequest, form: TrackForm) -> tuple[Ticket | None, str, int]:
    """(ticket, error, status) for a valid track form, counting failed look-ups."""
    key = _client(request)
    if cache.get(key, 0) >= LOOKUP_FAILURES:
        return None, "查询失败次数过多,请 10 分钟后再试。", 429
    try:
        ticket = selectors.public_ticket(form.cleaned_data["number"], form.cleaned_data["phone_last4"])
    except ActionError as exc:
        cache.set(key, cache.get(key, 0) + 1, 600)
        return None, exc.message, exc.status
    return ticket, "", 200


def _track_context(ticket: Ticket, rating_form: RatingForm | None = None) -> dict[str, Any]:
    rated = Event.objects.filter(ticket=ticket, action="citizen_rating").exists()
    return {
        "ticket": ticket,
        "state_label": STATE_LABELS.get(ticket.state, ticket.state),
        "timeline": public_timeline(ticket),
        "can_rate": ticket.state in RATEABLE and not rated,
        "rated": rated,
        "rating_form": rating_form
        or RatingForm(initial={"number": ticket.number, "phone_last4": ticket.phone_last4}),
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
    return render(request, TRACK_PAGE, {"form": form, **_track_context(ticket)})


@require_POST
def rate(request: HttpRequest) -> HttpResponse:
    """市民评价: once per ticket, when the ticket awaits its callback or is archived."""
    form = RatingForm(request.POST)
    track_form = TrackForm(request.POST)
    ticket = _tracked(request, track_form)
    if isinstance(ticket, HttpResponse):
        return ticket
    if not form.is_valid():
        context = {"form": track_form, **_track_context(ticket, form)}
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
        context = {"form": track_form, **_track_context(ticket, form)}
        return render(request, TRACK_PAGE, context, status=409)
    context = {
        "form": track_form,
        **_track_context(ticket),
        "thanks": SATISFACTION[form.cleaned_data["rating"]],
    }
    return render(request, TRACK_PAGE, context)
