"""Sign-in, sign-out and the home page: the citizens' portal landing for visitors, a role
home (that role's counters and links) for staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from hotline import clock
from hotline.knowledge.models import Article
from hotline.org.models import Role, User
from hotline.org.scope import DataScope
from hotline.sla.deadlines import overdue_q
from hotline.tickets.lifecycle import OPEN_HANDLING
from hotline.tickets.models import Assignment, State
from hotline.tickets.selectors import scoped_tickets


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。",
        "inactive": "该账号已停用。",
    }


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    next_page = "/"  # after sign-in without ?next=: the role home


class LogoutView(auth_views.LogoutView):
    next_page = "/"


@dataclass(frozen=True)
class Counter:
    key: str
    label: str
    condition: Q | Exists
    link: str = ""
    alert: bool = False  # shown in red when non-zero


def _counters(role: str, user: User, now: datetime) -> list[Counter]:
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    overdue = overdue_q(now)  # the red light: one rule for every counter and console
    match role:
        case Role.OPERATOR:
            return [
                Counter("mine_today", "我今日受理", Q(created_by=user, created_at__gte=today), "/intake/"),
                Counter("today", "中心今日受理", Q(created_at__gte=today)),
                Counter(
                    "answered",
                    "我今日即时答复",
                    Q(
                        created_by=user,
                        created_at__gte=today,
                        state=State.AWAITING_CALLBACK,
                        lead_unit__isnull=True,
                    ),
                ),
            ]
        case Role.DISPATCHER:
            return [
                Counter("accepted", "待派单", Q(state=State.ACCEPTED), "/dispatch/", alert=True),
                Counter("returned", "退单待审核", Q(state=State.RETURNED), "/dispatch/", alert=True),
                Counter(
                    "pending",
                    "延期/挂起待审批",
                    Q(state__in=OPEN_HANDLING) & ~Q(pending_request={}),
                    "/dispatch/",
                ),
                Counter("today", "今日受理", Q(created_at__gte=today)),
            ]
        case Role.HANDLER:
            return [
                Counter(
                    "to_sign",
                    "本单位待签收",
                    Exists(
                        Assignment.objects.filter(
                            ticket=OuterRef("pk"), unit=user.unit, active=True, status="pending"
                        )
                    ),
                    "/unit/",
                    alert=True,
                ),
                Counter("handling", "办理中", Q(state=State.HANDLING), "/unit/"),
                Counter("overdue", "已超期", overdue, "/unit/", alert=True),
                Counter("suspended", "已挂起", Q(state=State.SUSPENDED), "/unit/"),
            ]
        case Role.SUPERVISOR:
            return [
                Counter("overdue", "超期未办结", overdue, "/supervise/", alert=True),
                Counter("due", "待催督(已到期)", Q(next_due_at__lte=now), "/supervise/"),
                Counter("urged", "已催办", Q(state__in=OPEN_HANDLING, urge_count__gt=0), "/supervise/"),
                Counter(
                    "supervised", "已督办", Q(state__in=OPEN_HANDLING, supervise_count__gt=0), "/supervise/"
                ),
            ]
        case Role.REVIEWER:
            return [Counter("reported", "待审核", Q(state=State.REPORTED), "/review/", alert=True)]
        case Role.CALLBACK:
            return [
                Counter("awaiting", "待回访", Q(state=State.AWAITING_CALLBACK), "/callback/", alert=True),
                Counter(
                    "overdue",
                    "回访超期",
                    overdue_q(now, kinds=("callback",)),
                    "/callback/",
                    alert=True,
                ),
            ]
    return [
        Counter("today", "今日受理", Q(created_at__gte=today), "/leader/"),
        Counter("open", "在办工单", Q(state__in=(State.ACCEPTED, *OPEN_HANDLING, State.REPORTED))),
        Counter("overdue", "超期工单", overdue, "/leader/", alert=True),
        Counter("month_archived", "本月归档", Q(state=State.ARCHIVED, closed_at__gte=today.replace(day=1))),
    ]


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
