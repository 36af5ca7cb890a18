"""What the page views share: the actor, role checks, pagination, error pages."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from hotline.org.actor import Actor
from hotline.org.models import User

View = TypeVar("View", bound=Callable[..., HttpResponse])
PAGE_SIZE = 20


def actor_of(request: HttpRequest) -> Actor:
    user: User = request.user  # type: ignore[assignment]
    return Actor.of(user)


def roles_required(*roles: str) -> Callable[[View], View]:
    """Logged in (else to the login page) and one of ``roles`` (else a 403 page).

    Superusers pass: they administer the platform."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user: User = request.user  # type: ignore[assignment]
            if not (user.is_superuser or user.role in roles):
                return error_page(request, 403, "您的角色无权使用此页面。")
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def error_page(request: HttpRequest, status: int, message: str) -> HttpResponse:
    titles = {403: "无权访问", 404: "未找到", 409: "操作冲突", 429: "请求过于频繁"}
    return render(
        request,
        "web/error.html",
        {"status": status, "title": titles.get(status, "出错了"), "message": message},
        status=status,
    )


def paginate(request: HttpRequest, queryset: Any, per_page: int = PAGE_SIZE) -> Page[Any]:
    """One page of ``queryset`` (a count and a LIMIT/OFFSET query, never the whole table)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def query_without_page(request: HttpRequest, drop: Iterable[str] = ("page",)) -> str:
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    return params.urlencode()
