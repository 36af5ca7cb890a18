"""Who may open a console, and how an action's outcome becomes a page.

Every console view is wrapped in ``console(*roles)``: anonymous users go to the login
page, users of another role get the 403 page; ``console_page`` is the GET view that shows
a console's page. ``run_action`` calls one lifecycle action function with
``expected_version`` and turns its ``ActionError`` into a zh-CN message — the action itself
guarantees that a refusal saves nothing — and ``finish`` turns that outcome into a page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import wraps
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from hotline.errors import ActionError, Conflict, NotFound
from hotline.org.models import Role, User
from hotline.org.scope import DataScope
from hotline.tickets.models import Ticket
from hotline.tickets.selectors import get_ticket
from hotline.web.views.common import actor_of, safe_next

F = TypeVar("F", bound=Callable[..., HttpResponse])
ROLE_LABELS = dict(Role.choices)


def console(*roles: str) -> Callable[[F], F]:
    """Login required; the user's role must be one of ``roles`` (else the 403 page)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
            if cast(User, user).role not in roles:
                return forbidden(request, roles)
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message) from exc

        return cast(F, wrapper)

    return decorate


def console_page(render_page: Callable[..., HttpResponse], *roles: str) -> Callable[..., HttpResponse]:
    """A console's GET view: its page as first shown, to the users of ``roles``. The
    console's actions come back to the same ``render_page`` with their refusals."""

    @require_GET
    @console(*roles)
    def show(request: HttpRequest) -> HttpResponse:
        return render_page(request)

    return show


def forbidden(request: HttpRequest, roles: tuple[str, ...]) -> HttpResponse:
    needed = "、".join(ROLE_LABELS.get(r, r) for r in roles)
    return render(request, "web/consoles/403.html", {"needed": needed}, status=403)


def me(request: HttpRequest) -> User:
    return cast(User, request.user)


def scope_of(request: HttpRequest) -> DataScope:
    return DataScope.of(me(request))


def scoped_ticket(request: HttpRequest, number: str) -> Ticket:
    """The ticket if it lies in the user's scope; otherwise 404 (never a hint that it exists)."""
    try:
        return get_ticket(scope_of(request), number)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def version_of(request: HttpRequest, field_name: str = "version") -> int | None:
    raw = (request.POST.get(field_name) or "").strip()
    return int(raw) if raw.isdigit() else None


@dataclass
class Outcome:
    """What an action did: the ticket after it, or the zh-CN message of its refusal."""

    ok: bool
    message: str
    status: int = 200
    field: str = ""
    ticket: Ticket | None = None
    extra: dict[str, Any] = dc_field(default_factory=dict)


def run_action(fn: Callable[..., Ticket], request: HttpRequest, number: str, **kwargs: Any) -> Outcome:
    """Call one action function as the request's user, with the form's version."""
    version = version_of(request)
    if version is None:
        return Outcome(False, "表单缺少版本号,请刷新页面后重试", status=400, field="version")
    try:
        ticket = fn(actor_of(request), number, expected_version=version, **kwargs)
    except ActionError as exc:
        message = exc.message
        if isinstance(exc, Conflict) and exc.code == "stale":
            message = "该工单已被他人更新(表单已过期),本次操作未执行,请查看最新状态后再操作"
        return Outcome(
            False, message, status=exc.status, field=str(exc.extra.get("field", "")), extra=exc.extra
        )
    return Outcome(True, "", ticket=ticket)


def state_after(outcome: Outcome) -> str:
    """The state the action left the ticket in ("" when it was refused)."""
    return outcome.ticket.state if outcome.ok and outcome.ticket is not None else ""


def finish(
    request: HttpRequest,
    number: str,
    outcome: Outcome,
    *,
    success: str,
    next_default: str,
    rerender: Callable[..., HttpResponse],
) -> HttpResponse:
    """The end of every console action: back to the list with a success message, or the
    same page with the refusal beside the ticket's row and the action's HTTP status."""
    if outcome.ok:
        messages.success(request, success)
        return redirect(safe_next(request, next_default))
    messages.error(request, f"工单 {number}:{outcome.message}")
    return rerender(request, status=outcome.status, errors={number: outcome.message})
