"""消息: the user's in-app notifications (deadline warnings, urging, dispatches …)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from hotline import clock
from hotline.org.models import User
from hotline.sla.models import Notification
from hotline.web.views.common import error_page, pager, paginate, safe_next

MISSING = "消息不存在。"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    only_unread = request.GET.get("unread") == "1"
    qs = (
        Notification.objects.filter(user=_user(request))
        .select_related("ticket")
        .order_by("-created_at", "-id")
    )
    if only_unread:
        qs = qs.filter(read_at__isnull=True)
    context = {**pager(request, paginate(request, qs)), "only_unread": only_unread}
    return render(request, "web/inbox/list.html", context)


def _read_mine(request: HttpRequest, notification_id: int) -> Notification | None:
    """The user's own notification, now marked read; None if it is not theirs (or gone)."""
    n = Notification.objects.filter(pk=notification_id, user=_user(request)).select_related("ticket").first()
    if n is not None and n.read_at is None:
        n.read_at = clock.now()
        n.save(update_fields=["read_at"])
    return n


@login_required
@require_POST
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    if _read_mine(request, notification_id) is None:
        return error_page(request, 404, MISSING)
    return redirect(safe_next(request, "/inbox/"))


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(user=_user(request), read_at__isnull=True).update(read_at=clock.now())
    return redirect("/inbox/")


@login_required
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a message to its ticket, marking it read on the way."""
    n = _read_mine(request, notification_id)
    if n is None:
        return error_page(request, 404, MISSING)
    return redirect(f"/tickets/{n.ticket.number}/" if n.ticket else "/inbox/")
