"""The admin site for an administrator: a user of role 管理员 made staff (as
``hotline user create --role admin`` makes one) manages units, users, routing, calendars
and the knowledge base without being a superuser; no other role does."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.helpers import client_for

pytestmark = pytest.mark.django_db


def test_an_administrator_manages_units_users_and_calendars(org: Any) -> None:
    org.admin.is_staff = True
    org.admin.save()
    client = client_for(org.admin)
    index = client.get("/admin/").content.decode()
    assert "单位" in index and "用户" in index
    for page in (
        "/admin/org/unit/",
        "/admin/org/user/",
        "/admin/sla/calendarday/",
        "/admin/knowledge/article/",
    ):
        assert client.get(page).status_code == 200, page
    assert client.get(f"/admin/org/unit/{org.centre.pk}/change/").status_code == 200
    # Django's own groups and permissions stay with the superuser.
    assert client.get("/admin/auth/group/").status_code == 403


def test_staff_of_another_role_gets_nothing(org: Any) -> None:
    org.leader.is_staff = True
    org.leader.save()
    client = client_for(org.leader)
    assert client.get("/admin/org/unit/").status_code == 403
    assert client.get("/admin/org/user/").status_code == 403


def test_an_administrator_cannot_raise_himself_or_take_a_superusers_account(org: Any) -> None:
    org.admin.is_staff = True
    org.admin.save()
    org.leader.is_staff = org.leader.is_superuser = True
    org.leader.save()
    client = client_for(org.admin)
    page = client.get(f"/admin/org/user/{org.admin.pk}/change/").content.decode()
    assert 'name="role"' in page and 'name="is_superuser"' not in page
    # A forged field is ignored: the form has no such field.
    form = {
        "username": org.admin.username,
        "display_name": "管理员",
        "role": "admin",
        "unit": org.centre.pk,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
    }
    assert client.post(f"/admin/org/user/{org.admin.pk}/change/", form).status_code == 302  # saved
    org.admin.refresh_from_db()
    assert not org.admin.is_superuser
    assert client.get(f"/admin/org/user/{org.leader.pk}/password/").status_code == 403
    assert client.get(f"/admin/org/user/{org.leader.pk}/delete/").status_code == 403
