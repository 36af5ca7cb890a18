"""Sign-in, sign-out and the home page: the citizens' portal landing for visitors, a role
home (that role's counters and links) for staff."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from hotline import clock
from hotline.knowledge.models import Article
from hotline.org.logins import ThrottledLoginForm
from hotline.org.models import Role, User
from hotline.org.scope import DataScope
from hotline.sla.deadlines import overdue_q
from hotline.tickets.lifecycle import OPEN_HANDLING
from hotline.tickets.models import Assignment, AssignmentStatus, State
from hotline.tickets.selectors import open_to_q, scoped_tickets


class LoginForm(ThrottledLoginForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。",
        "inactive": "该账号已停用。",
    }


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    next_page = "/"  # after sign-in without ?next=: the role home

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "too_many_attempts"):
            response.status_code = 429
        return response


class LogoutView(auth_views.LogoutView):
    next_page = "/"


class PasswordChangeView(auth_views.PasswordChangeView):
    """修改密码: Django's form, so the new password meets AUTH_PASSWORD_VALIDATORS."""

    template_name = "web/password.html"
    success_url = "/"

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "密码已修改。")
        return response


@dataclass(frozen=True)
class Counter:
    key: str
    label: str
    condition: Q | Exists
    link: str = ""
    alert: bool = False  # shown in red when non-zero


def _counters(role: str, user: User, now: datetime) -> list[Counter]:
    """The counters on ``role``'s home; roles without their own (leader, admin) see the
    centre's overview."""
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return ROLE_COUNTERS.get(role, _overview)(user, now, today)


def _operator(user: User, now: datetime, today: datetime) -> list[Counter]:
    answered = Q(
        created_by=user, created_at__gte=today, state=State.AWAITING_CALLBACK, lead_unit__isnull=True
    )
    return [
        Counter("mine_today", "我今日受理", Q(created_by=user, created_at__gte=today), "/intake/"),
        Counter("today", "中心今日受理", Q(created_at__gte=today)),
        Counter("answered", "我今日即时答复", answered),
    ]


def _dispatcher(user: User, now: datetime, today: datetime) -> list[Counter]:
    pending = Q(state__in=OPEN_HANDLING) & ~Q(pending_request={})
    return [
        Counter("accepted", "待派单", open_to_q("dispatch"), "/dispatch/", alert=True),
        Counter("returned", "退单待审核", open_to_q("rule_return"), "/dispatch/", alert=True),
        Counter("pending", "延期/挂起待审批", pending, "/dispatch/"),
        Counter("today", "今日受理", Q(created_at__gte=today)),
    ]


def _handler(user: User, now: datetime, today: datetime) -> list[Counter]:
    to_sign = Assignment.objects.filter(
        ticket=OuterRef("pk"), unit=user.unit, active=True, status=AssignmentStatus.PENDING
    )
    return [
        Counter("to_sign", "本单位待签收", Exists(to_sign), "/unit/", alert=True),
        Counter("handling", "办理中", Q(state=State.HANDLING), "/unit/"),
        Counter("overdue", "已超期", overdue_q(now), "/unit/", alert=True),
        Counter("suspended", "已挂起", Q(state=State.SUSPENDED), "/unit/"),
    ]


def _supervisor(user: User, now: datetime, today: datetime) -> list[Counter]:
    return [
        Counter("overdue", "超期未办结", overdue_q(now), "/supervise/", alert=True),
        Counter("due", "待催督(已到期)", Q(next_due_at__lte=now), "/supervise/"),
        Counter("urged", "已催办", Q(state__in=OPEN_HANDLING, urge_count__gt=0), "/supervise/"),
        Counter("supervised", "已督办", Q(state__in=OPEN_HANDLING, supervise_count__gt=0), "/supervise/"),
    ]


def _reviewer(user: User, now: datetime, today: datetime) -> list[Counter]:
    return [Counter("reported", "待审核", open_to_q("review"), "/review/", alert=True)]


def _callback(user: User, now: datetime, today: datetime) -> list[Counter]:
    return [
        Counter("awaiting", "待回访", open_to_q("callback"), "/callback/", alert=True),
        Counter("overdue", "回访超期", overdue_q(now, kinds=("callback",)), "/callback/", alert=True),
    ]


def _overview(user: User, now: datetime, today: datetime) -> list[Counter]:
    in_progress = Q(state__in=(State.ACCEPTED, *OPEN_HANDLING, State.REPORTED))
    return [
        Counter("today", "今日受理", Q(created_at__gte=today), "/leader/"),
        Counter("open", "在办工单", in_progress),
        Counter("overdue", "超期工单", overdue_q(now), "/leader/", alert=True),
        Counter("month_archived", "本月归档", Q(state=State.ARCHIVED, closed_at__gte=today.replace(day=1))),
    ]


# The red light (``overdue_q``) is the one rule every counter and console shares; the
# queues' counters take their states from the action they wait for (``open_to_q``).
ROLE_COUNTERS: dict[str, Callable[[User, datetime, datetime], list[Counter]]] = {
    Role.OPERATOR: _operator,
    Role.DISPATCHER: _dispatcher,
    Role.HANDLER: _handler,
    Role.SUPERVISOR: _supervisor,
    Role.REVIEWER: _reviewer,
    Role.CALLBACK: _callback,
}


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return portal_landing(request)
    user: User = request.user  # type: ignore[assignment]
    now = clock.now()
    scope = DataScope.of(user)
    counters = _counters(user.role, user, now)
    tickets = scoped_tickets(scope)
    # One indexed count per counter: a single aggregate with FILTER clauses would scan the
    # whole ticket table once for all of them, which is slower on a large table.
    figures = {c.key: tickets.filter(c.condition).count() for c in counters}
    recent_qs = (
        tickets.select_related("lead_unit").defer("triage", "sla", "text").order_by("-updated_at", "-id")
    )
    if user.role == Role.OPERATOR:
        recent_qs = recent_qs.filter(created_by=user, created_at__gte=now - timedelta(days=7))
    return render(
        request,
        "web/home/staff.html",
        {
            "counters": [(c, figures[c.key]) for c in counters],
            "recent": list(recent_qs[:10]),
            "now": now,
        },
    )


def portal_landing(request: HttpRequest) -> HttpResponse:
    articles = list(Article.objects.visible().only("id", "title", "category").order_by("-updated_at")[:8])
    return render(request, "web/portal/landing.html", {"articles": articles})


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True, "database": connection.vendor})
