"""The leader's hotspots and risk areas: what ``hotline analytics hotspots|risks`` shows,
for the leader's data scope, and the push of a matter's risk areas to their townships.

Thin: the window and the matter are parsed here, everything else is
``analytics.hotspots`` and ``analytics.risks``.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from hotline.analytics import hotspots, risks
from hotline.errors import ActionError, InvalidInput
from hotline.org.actor import Actor
from hotline.org.models import Role, User
from hotline.web.consoles.access import console, scope_of
from hotline.web.views.common import error_page

WINDOWS = {30: "近30日", 90: "近90日", 365: "近365日"}


def _day(value: str, name: str, *, end: bool) -> datetime:
    try:
        day = datetime.fromisoformat(value).date()
    except ValueError as exc:
        raise InvalidInput(name, "日期须为 YYYY-MM-DD") from exc
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


def window_of(request: HttpRequest) -> hotspots.Window:
    """近N日 (``days`` of WINDOWS) or the dates ``start``–``end`` asked for."""
    g = request.GET
    if g.get("start") or g.get("end"):
        start = _day(g.get("start", ""), "start", end=False)
        end = _day(g.get("end", ""), "end", end=True) if g.get("end") else None
        if end is not None and (end - start).days > 3 * 366:
            raise InvalidInput("start", "自定义时段不超过三年")
        return hotspots.Window.of(as_of=end, start=start)
    raw = g.get("days", "30")
    days = int(raw) if raw.isdigit() and int(raw) in WINDOWS else 30
    return hotspots.Window.of(days=days)


@require_GET
@console(Role.LEADER, Role.ADMIN)
def hotspot_page(request: HttpRequest) -> HttpResponse:
    try:
        window = window_of(request)
        matter = risks.matter_of(request.GET.get("matter", "drowning"))
    except ActionError as exc:
        return error_page(request, 400, exc.message)
    scope = scope_of(request)
    found = hotspots.find_hotspots(scope, as_of=window.end, start=window.start, top=20)
    context: dict[str, Any] = {
        "window": window,
        "windows": WINDOWS.items(),
        "days": request.GET.get("days", "30"),
        "start": request.GET.get("start", ""),
        "end": request.GET.get("end", ""),
        "hotspots": [(h, hotspots.line(h)) for h in found],
        "matter": matter,
        "matters": [(k, label) for k, (label, _) in risks.RISK_TOPICS.items()],
        "risk_spots": risks.find_risk_spots(scope, matter, top=30),
        "pushed": request.GET.get("pushed", ""),
    }
    return render(request, "web/consoles/hotspots.html", context)


@require_POST
@console(Role.LEADER, Role.ADMIN)
def push_risks(request: HttpRequest) -> HttpResponse:
    """Push the matter's risk areas in the leader's scope to their townships; pushed
    once a month per place, recorded by the leader's name."""
    try:
        matter = risks.matter_of(request.POST.get("matter", ""))
    except ActionError as exc:
        return error_page(request, 400, exc.message)
    spots = risks.find_risk_spots(scope_of(request), matter, top=30)
    user = request.user
    assert isinstance(user, User)  # @console let only a signed-in user through
    pushed = risks.push(spots, actor=Actor.of(user))
    return redirect(f"/leader/hotspots/?matter={matter}&pushed={len(pushed)}#risks")
