"""Signing in: the one place a password is checked, for the login page, the admin's login
and the API's token endpoint alike.

Failed sign-ins are limited per account and per client address (``throttle``; the
limits ``login_account`` and ``login_address`` in ``settings.HOTLINE_LIMITS``). At a
limit, every attempt is refused, one with the right password too, with the time to try
again. Each sign-in and each lock-out is an event in the audit chain (without a ticket).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest

from hotline.audit.record import record
from hotline.db import write_transaction
from hotline.errors import TooManyAttempts
from hotline.org import throttle
from hotline.org.actor import Actor
from hotline.org.models import User

LOCKED = "登录失败次数过多,请于 {time} 后再试"
REFUSALS = {"login_account": LOCKED, "login_address": LOCKED}


def _active(user: User) -> bool:
    return user.is_active


def sign_in(
    request: HttpRequest,
    username: str,
    password: str,
    *,
    via: str,
    allowed: Callable[[User], bool] = _active,
) -> User | None:
    """The user whose password this is, if ``allowed`` lets them in here; else None.
    Raises ``TooManyAttempts`` (nothing checked) when the account or the address is
    locked out. ``via`` names the door in the recorded event: page, admin or api."""
    address = throttle.client_address(request)
    account = throttle.Door(throttle.Limit.named("login_account"), username)
    doors = [account, throttle.Door(throttle.Limit.named("login_address"), address)]
    attempt = throttle.guard(doors, REFUSALS)
    user = authenticate(request, username=username, password=password)
    if not isinstance(user, User) or not allowed(user):
        # A failure that locks a door is a "lockout" event (throttle records it).
        attempt.failed(trace={"username": username[: throttle.MAX_SUBJECT], "address": address, "via": via})
        return None
    attempt.succeeded()
    with write_transaction():
        record(action="login", ticket=None, actor=Actor.of(user), payload={"via": via, "address": address})
    return user


class ThrottledLoginForm(AuthenticationForm):
    """Django's login form, checking the password through ``sign_in``."""

    via = "page"

    def may_sign_in(self, user: User) -> bool:
        return user.is_active

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = sign_in(
                    self.request,  # type: ignore[arg-type]
                    username,
                    password,
                    via=self.via,
                    allowed=self.may_sign_in,
                )
            except TooManyAttempts as exc:
                raise forms.ValidationError(exc.message, code="too_many_attempts") from exc
            if self.user_cache is None:
                raise self.get_invalid_login_error()
        return self.cleaned_data
