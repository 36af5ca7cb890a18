"""API: authentication, the caller, and the units in the caller's scope."""

from __future__ import annotations

import copy
import time
from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.security import HttpBearer

from hotline.bounds import MAX_PAGE
from hotline.errors import ActionError
from hotline.openapi import one_of
from hotline.org.logins import sign_in
from hotline.org.models import ApiToken, Level, Role, Unit, UnitKind, User
from hotline.org.scope import DataScope


class Unauthorized(ActionError):
    status = 401
    code = "unauthorized"


# A token seen valid in the last few seconds is not looked up again in this process:
# the lookup (token, user and unit joined) was an eighth of an intake's CPU. A token
# still expires on time; a user deactivated or a token deleted stops working within
# RECHECK_SECONDS.
RECHECK_SECONDS = 5.0
_MAX_REMEMBERED = 10_000
_recent: dict[str, tuple[float, datetime, User]] = {}


def _token_user(digest: str) -> User | None:
    now = timezone.now()
    seen = _recent.get(digest)
    if seen is not None and time.monotonic() - seen[0] < RECHECK_SECONDS and now < seen[1]:
        return copy.copy(seen[2])  # each request its own instance: nothing leaks between them
    row = (
        ApiToken.objects.select_related("user", "user__unit")
        .filter(digest=digest, expires_at__gt=now)
        .first()
    )
    if row is None or not row.user.is_active:
        _recent.pop(digest, None)
        return None
    if len(_recent) >= _MAX_REMEMBERED:
        _recent.clear()
    _recent[digest] = (time.monotonic(), row.expires_at, row.user)
    return copy.copy(row.user)


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = _token_user(ApiToken.digest_of(token))
        if user is not None:
            request.user = user
        return user


router = Router(tags=["账号与单位"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_at: datetime


class Refusal(Schema):
    code: str
    message: str
    retry_after: int | None = None  # 429: seconds until the next attempt is allowed


class UnitOut(Schema):
    code: str
    name: str
    level: Annotated[str, one_of(Level.values)]
    kind: Annotated[str, one_of(UnitKind.values)]
    parent: str | None
    area: str
    active: bool

    @staticmethod
    def resolve_parent(unit: Unit) -> str | None:
        return unit.parent.code if unit.parent_id and unit.parent else None


class MeOut(Schema):
    username: str
    display_name: str
    role: Annotated[str, one_of(Role.values)]
    role_label: str
    unit: UnitOut | None
    sees_everything: bool


class UnitPage(Schema):
    items: list[UnitOut]
    page: int
    page_size: int
    total: int


@router.post(
    "/auth/token",
    response={200: TokenOut, 401: Refusal, 429: Refusal},
    auth=None,
    summary="用户名密码换取令牌",
    description="同一账号或同一客户端地址登录失败次数过多时暂时拒绝(429,Retry-After 头给出秒数),"
    "此时密码正确也不予登录。",
)
def issue_token(request: HttpRequest, body: TokenIn) -> dict[str, object]:
    user = sign_in(request, body.username, body.password, via="api")  # 429 when locked out
    if user is None:
        raise Unauthorized("用户名或密码错误")
    raw = ApiToken.issue(user)
    row = ApiToken.objects.get(digest=ApiToken.digest_of(raw))
    return {"token": raw, "expires_at": row.expires_at}


@router.get("/me", response=MeOut, summary="当前用户")
def me(request: HttpRequest) -> dict[str, object]:
    user: User = request.auth  # type: ignore[attr-defined]
    unit = Unit.objects.select_related("parent").filter(pk=user.unit_id).first() if user.unit_id else None
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "role_label": user.get_role_display(),
        "unit": unit,
        "sees_everything": DataScope.of(user).everything,
    }


@router.get("/units", response=UnitPage, summary="数据范围内的单位")
def units(
    request: HttpRequest,
    parent: str = "",
    level: Annotated[str, one_of(["", *Level.values], "层级(空:全部)")] = "",
    q: str = "",
    page: int = Query(1, ge=1, le=MAX_PAGE),  # type: ignore[assignment]
    page_size: int = Query(100, ge=1, le=500),  # type: ignore[assignment]
) -> dict[str, object]:
    scope = DataScope.of(request.auth)  # type: ignore[attr-defined]
    qs = scope.units().select_related("parent")
    if parent:
        qs = qs.filter(parent__code=parent)
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(name__icontains=q)
    total = qs.count()
    start = (page - 1) * page_size
    return {
        "items": list(qs.order_by("path")[start : start + page_size]),
        "page": page,
        "page_size": page_size,
        "total": total,
    }
