"""Sign-in, sign-out, the role homes, the navigation and the unread count."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hotline import clock
from hotline.sla.models import Notification
from tests.web.helpers import client_for, dispatched, new_ticket

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_and_has_labels(client: Client) -> None:
    response = client.get("/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "工作人员登录" in html and 'for="id_username"' in html and "csrfmiddlewaretoken" in html


def test_bad_login_rerenders_with_message(client: Client, org: Any) -> None:
    response = client.post("/login/", {"username": "operator", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_then_logout(client: Client, org: Any) -> None:
    response = client.post("/login/", {"username": "operator", "password": "pass-12345"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/logout/").status_code == 405  # sign-out is a POST (CSRF-protected)
    response = client.post("/logout/")
    assert response.status_code == 302 and response.url == "/"
    assert "_auth_user_id" not in client.session


def test_login_required_redirects_to_login(client: Client) -> None:
    for path in ("/inbox/", "/intake/", "/kb/manage/", "/tickets/2025010100001/"):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/login/?next="), path


def test_anonymous_home_is_the_portal_landing(client: Client) -> None:
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "我要反映" in html and "进度查询" in html and "社保卡" in html


@pytest.mark.parametrize(
    ("username", "expected", "absent"),
    [
        ("operator", ["我今日受理", 'href="/intake/"'], ['href="/dispatch/"', 'href="/admin/"']),
        ("dispatcher", ["待派单", 'href="/dispatch/"', 'href="/intake/"'], ['href="/unit/"']),
        ("a_zj", ["本单位待签收", 'href="/unit/"'], ['href="/intake/"', 'href="/leader/"']),
        ("supervisor", ["超期未办结", 'href="/supervise/"'], ['href="/intake/"']),
        ("reviewer", ["待审核", 'href="/review/"'], ['href="/callback/"']),
        ("callback", ["待回访", 'href="/callback/"'], ['href="/review/"']),
        ("leader", ["在办工单", 'href="/leader/"'], ['href="/admin/"']),
        ("admin", ["在办工单", 'href="/leader/"', 'href="/admin/"'], ['href="/unit/"']),
    ],
)
def test_role_home_and_nav(org: Any, username: str, expected: list[str], absent: list[str]) -> None:
    dispatched(org)
    user = org.__dict__[next(k for k, v in org.__dict__.items() if getattr(v, "username", None) == username)]
    html = client_for(user).get("/").content.decode()
    for text in [*expected, 'href="/kb/"', 'href="/inbox/"']:
        assert text in html, (username, text)
    for text in absent:
        assert text not in html, (username, text)


def test_handler_home_counts_only_its_scope(org: Any) -> None:
    dispatched(org, lead="A-ZJ")
    dispatched(org, lead="B-ZJ")
    response = client_for(org.a_housing_handler).get("/")
    counters = {c.key: n for c, n in response.context["counters"]}
    assert counters["to_sign"] == 1
    assert len(response.context["recent"]) == 1


def test_operator_home_counts_today(org: Any) -> None:
    new_ticket(org.operator)
    new_ticket(org.dispatcher)
    response = client_for(org.operator).get("/")
    counters = {c.key: n for c, n in response.context["counters"]}
    assert counters["mine_today"] == 1 and counters["today"] == 2


def test_unread_badge(org: Any) -> None:
    Notification.objects.create(user=org.operator, kind="test", title="提醒", created_at=clock.now())
    html = client_for(org.operator).get("/").content.decode()
    assert 'class="badge"' in html and "1 条未读" in html


def test_home_query_count(org: Any, django_assert_max_num_queries: Any) -> None:
    for _ in range(5):
        dispatched(org)
    client = client_for(org.a_housing_handler)
    # Session, user, unread badge, one indexed count per counter (at most four), the
    # recent list: a fixed number, whatever the number of tickets.
    with django_assert_max_num_queries(10):
        assert client.get("/").status_code == 200


def test_healthz(client: Client) -> None:
    assert client.get("/healthz").json()["ok"] is True
