"""Sign-ins are limited per account and per client address, in the database (every
worker sees the same counts), on the login page, the admin's and the token endpoint
alike; a lock-out refuses the right password too and says when to try again; sign-ins
and lock-outs are events in the audit chain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client

from hotline.audit.chain import verify
from hotline.audit.models import Event

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
# 14:00:30 in Beijing: five failures now lock the account until 14:15:30, said as 14:16.
START = datetime(2026, 3, 2, 14, 0, 30, tzinfo=BEIJING)
WRONG = "not-the-password"
RIGHT = "pass-12345"


def page_login(client: Client, username: str, password: str, **meta: str) -> Any:
    return client.post("/login/", {"username": username, "password": password}, **meta)


def token(client: Client, username: str, password: str, **meta: str) -> Any:
    body = json.dumps({"username": username, "password": password})
    return client.post("/api/v1/auth/token", body, content_type="application/json", **meta)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_then_the_right_one_is_refused_until_the_time_said(org: Any) -> None:
    client = Client()
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            wrong = page_login(client, "operator", WRONG)
            assert wrong.status_code == 200 and "用户名或密码不正确" in wrong.content.decode()
        refused = page_login(client, "operator", RIGHT)
        assert refused.status_code == 429
        assert "登录失败次数过多,请于 14:16 后再试" in refused.content.decode()
        assert not signed_in(client)
    with time_machine.travel(START + timedelta(minutes=15, seconds=1), tick=False):
        assert page_login(client, "operator", RIGHT).status_code == 302 and signed_in(client)


def test_the_token_endpoint_answers_429_with_retry_after(org: Any) -> None:
    client = Client()
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            assert token(client, "operator", WRONG).status_code == 401
        refused = token(client, "operator", RIGHT)
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(15 * 60)
    body = refused.json()
    assert body["code"] == "too_many_attempts" and body["retry_after"] == 900
    assert body["message"] == "登录失败次数过多,请于 14:16 后再试"


def test_the_page_and_the_api_and_the_admin_count_against_one_account(org: Any) -> None:
    org.admin.is_staff = True
    org.admin.save()
    with time_machine.travel(START, tick=False):
        for _ in range(2):
            page_login(Client(), "admin", WRONG)
        for _ in range(2):
            token(Client(), "admin", WRONG)
        admin_page = Client().post("/admin/login/", {"username": "admin", "password": WRONG})
        assert admin_page.status_code == 200
        # Five failures through three doors: every door refuses the right password now.
        assert token(Client(), "admin", RIGHT).status_code == 429
        assert page_login(Client(), "admin", RIGHT).status_code == 429
        admin_refused = Client().post("/admin/login/", {"username": "admin", "password": RIGHT})
        assert "登录失败次数过多" in admin_refused.content.decode()
        # Another account is not locked by them.
        assert token(Client(), "operator", RIGHT).status_code == 200


def test_the_admin_login_refuses_non_staff_like_a_wrong_password(org: Any) -> None:
    client = Client()
    response = client.post("/admin/login/", {"username": "operator", "password": RIGHT})
    assert response.status_code == 200 and not signed_in(client)
    assert not Event.objects.filter(action="login").exists()


def _test_database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgresql://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_lock_out_made_in_another_process_holds_here(org: Any, tmp_path: Path) -> None:
    """Another worker process (a second `hotline` process on the same database) makes the
    five failures; this process then refuses the right password."""
    script = (
        "from django.test import Client\n"
        "c = Client()\n"
        "codes = [c.post('/login/', {'username': 'operator', 'password': 'nope-nope-1'}).status_code"
        " for _ in range(5)]\n"
        "print('codes', codes)\n"
    )
    environ = {
        **os.environ,
        "HOTLINE_DATABASE_URL": _test_database_url(),
        "HOTLINE_DATA_DIR": str(tmp_path),
        "HOTLINE_DEBUG": "",
    }
    other = subprocess.run(
        [sys.executable, "-m", "hotline", "shell", "-c", script],
        env={k: v for k, v in environ.items() if v},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert other.returncode == 0, other.stderr
    assert "codes [200, 200, 200, 200, 200]" in other.stdout
    refused = page_login(Client(), "operator", RIGHT)
    assert refused.status_code == 429 and "登录失败次数过多" in refused.content.decode()
    assert token(Client(), "operator", RIGHT).status_code == 429


def test_the_per_address_limit_counts_every_account_tried_from_there(org: Any, settings: Any) -> None:
    settings.HOTLINE_LIMITS = {**settings.HOTLINE_LIMITS, "login_address": "8/15"}
    spray = {"REMOTE_ADDR": "198.51.100.20"}
    for i in range(8):
        assert token(Client(), f"user{i}", WRONG, **spray).status_code == 401
    # The address is locked: even an account nobody tried, with its right password.
    assert token(Client(), "dispatcher", RIGHT, **spray).status_code == 429
    assert page_login(Client(), "dispatcher", RIGHT, **spray).status_code == 429
    assert token(Client(), "dispatcher", RIGHT, REMOTE_ADDR="198.51.100.21").status_code == 200


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(org: Any, settings: Any) -> None:
    settings.HOTLINE_LIMITS = {**settings.HOTLINE_LIMITS, "login_address": "3/15"}
    settings.HOTLINE_TRUSTED_PROXIES = ["10.0.0.0/8"]

    def via_proxy(forwarded: str, proxy: str = "10.0.0.5") -> dict[str, str]:
        return {"REMOTE_ADDR": proxy, "HTTP_X_FORWARDED_FOR": forwarded}

    # Behind the trusted proxy, one client locks only itself, not everyone behind the proxy.
    for i in range(3):
        token(Client(), f"nobody{i}", WRONG, **via_proxy("203.0.113.9"))
    assert token(Client(), "operator", RIGHT, **via_proxy("203.0.113.9")).status_code == 429
    assert token(Client(), "operator", RIGHT, **via_proxy("203.0.113.10")).status_code == 200
    # A client cannot escape its count by writing addresses of its own on the left: the
    # right-most address the proxies did not add is the client's.
    spoofed = via_proxy("1.2.3.4, 203.0.113.9, 10.0.0.7")
    assert token(Client(), "operator", RIGHT, **spoofed).status_code == 429
    # From a proxy that is not trusted, X-Forwarded-For is ignored: the sender is counted.
    for i in range(3):
        token(Client(), f"somebody{i}", WRONG, **via_proxy(f"192.0.2.{i}", proxy="198.51.100.30"))
    untrusted = via_proxy("192.0.2.99", proxy="198.51.100.30")
    assert token(Client(), "operator", RIGHT, **untrusted).status_code == 429


def test_an_ipv6_client_is_counted_by_its_64_network(org: Any, settings: Any) -> None:
    settings.HOTLINE_LIMITS = {**settings.HOTLINE_LIMITS, "login_address": "3/15"}
    for i in range(3):
        token(Client(), "nobody", WRONG, REMOTE_ADDR=f"2001:db8:1:2::{i + 1}")
    assert token(Client(), "operator", RIGHT, REMOTE_ADDR="2001:db8:1:2::ff").status_code == 429
    assert token(Client(), "operator", RIGHT, REMOTE_ADDR="2001:db8:1:3::1").status_code == 200


def test_sign_ins_and_lock_outs_are_events_in_the_chain(org: Any) -> None:
    client = Client(REMOTE_ADDR="192.0.2.44")
    assert page_login(client, "operator", RIGHT).status_code == 302
    assert token(client, "dispatcher", RIGHT).status_code == 200
    signed = list(Event.objects.filter(action="login").order_by("seq"))
    assert [(e.actor, e.ticket, e.payload) for e in signed] == [
        (org.operator, None, {"via": "page", "address": "192.0.2.44"}),
        (org.dispatcher, None, {"via": "api", "address": "192.0.2.44"}),
    ]
    with time_machine.travel(START, tick=False):
        statuses = [token(client, "callback", WRONG).status_code for _ in range(8)]
        statuses.append(token(client, "callback", RIGHT).status_code)  # the right one, refused too
    # Five to lock, four refused while locked: one event.
    assert statuses == [401] * 5 + [429] * 4
    [locked] = Event.objects.filter(action="lockout")
    assert locked.ticket is None and locked.actor is None and locked.actor_role == "system"
    until = locked.payload.pop("until")
    assert datetime.fromisoformat(until) == START + timedelta(minutes=15)
    assert locked.payload == {
        "limit": "login_account",
        "subject": "callback",
        "username": "callback",
        "address": "192.0.2.44",
        "via": "api",
    }
    assert locked.seq > signed[-1].seq
    assert verify().ok


def test_a_success_does_not_wipe_the_failures_counted(org: Any) -> None:
    """Whoever guesses gets no fresh allowance when the account's owner signs in."""
    with time_machine.travel(START, tick=False):
        for _ in range(4):
            token(Client(), "operator", WRONG)
        assert token(Client(), "operator", RIGHT).status_code == 200
        token(Client(), "operator", WRONG)
        assert token(Client(), "operator", RIGHT).status_code == 429
