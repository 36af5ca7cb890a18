"""Django's password validators, in zh-CN, wherever a password is set: the password page,
the admin (``hotline user create`` is in tests/test_cli.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hotline.org.models import User
from tests.web.helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("new", "said"),
    [
        ("short-1", "密码太短,至少需要 10 个字符。"),
        ("9876543210", "密码只包含数字。"),
        ("password123", "这个密码太常见了。"),
        ("operator-1", "太相似"),
    ],
)
def test_the_password_page_refuses_a_weak_password(org: Any, new: str, said: str) -> None:
    client = client_for(org.operator)
    response = client.post(
        "/password/", {"old_password": "pass-12345", "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 200 and said in response.content.decode()
    org.operator.refresh_from_db()
    assert org.operator.check_password("pass-12345")


def test_the_password_page_changes_a_good_password(org: Any) -> None:
    client = client_for(org.operator)
    page = client.get("/password/")
    assert page.status_code == 200 and "修改密码" in page.content.decode()
    new = "river-lamp-9431"
    response = client.post(
        "/password/", {"old_password": "pass-12345", "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    org.operator.refresh_from_db()
    assert org.operator.check_password(new)


def test_the_password_page_needs_a_login(client: Client) -> None:
    response = client.get("/password/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def _superuser(org: Any) -> User:
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save()
    return org.admin  # type: ignore[no-any-return]


def test_the_admin_refuses_a_weak_password_for_a_new_user(org: Any) -> None:
    client = client_for(_superuser(org))
    response = client.post(
        "/admin/org/user/add/",
        {"username": "newcomer", "usable_password": "true", "password1": "12345678", "password2": "12345678"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "密码太短" in html and "密码只包含数字" in html
    assert not User.objects.filter(username="newcomer").exists()


def test_the_admin_refuses_a_weak_password_change(org: Any) -> None:
    client = client_for(_superuser(org))
    response = client.post(
        f"/admin/org/user/{org.operator.pk}/password/",
        {"usable_password": "true", "password1": "qwerty", "password2": "qwerty"},
    )
    assert response.status_code == 200 and "这个密码太常见了" in response.content.decode()
    org.operator.refresh_from_db()
    assert org.operator.check_password("pass-12345")
