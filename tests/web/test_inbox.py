"""消息: the inbox lists only one's own notifications, paginated, and marks them read."""

from __future__ import annotations

from typing import Any

import pytest

from hotline import clock
from hotline.sla.models import Notification
from tests.web.helpers import client_for, new_ticket

pytestmark = pytest.mark.django_db


def _note(user: Any, title: str = "临期预警", ticket: Any = None) -> Notification:
    return Notification.objects.create(
        user=user, kind="warn", title=title, body="请及时办理", ticket=ticket, created_at=clock.now()
    )


def test_inbox_lists_own_messages_paginated(org: Any, django_assert_max_num_queries: Any) -> None:
    ticket = new_ticket(org.operator)
    for i in range(25):
        _note(org.operator, f"消息{i}", ticket)
    _note(org.dispatcher, "别人的消息")
    client = client_for(org.operator)
    client.get("/inbox/")
    with django_assert_max_num_queries(7):
        response = client.get("/inbox/")
    html = response.content.decode()
    assert response.status_code == 200 and "别人的消息" not in html
    assert len(response.context["page"].object_list) == 20 and "第 1 / 2 页" in html
    assert len(client.get("/inbox/?page=2").context["page"].object_list) == 5
    assert client.get("/inbox/?page=abc").status_code == 200


def test_mark_read_and_open(org: Any) -> None:
    ticket = new_ticket(org.operator)
    n1, n2 = _note(org.operator, ticket=ticket), _note(org.operator)
    client = client_for(org.operator)
    assert client.post(f"/inbox/{n2.pk}/read/", {"next": "/inbox/?unread=1"}).url == "/inbox/?unread=1"
    n2.refresh_from_db()
    assert n2.read_at is not None
    unread = client.get("/inbox/?unread=1").context["page"].object_list
    assert [n.pk for n in unread] == [n1.pk]
    response = client.get(f"/inbox/{n1.pk}/open/")
    assert response.url == f"/tickets/{ticket.number}/"
    n1.refresh_from_db()
    assert n1.read_at is not None


def test_cannot_touch_others_messages(org: Any) -> None:
    n = _note(org.dispatcher)
    client = client_for(org.operator)
    assert client.post(f"/inbox/{n.pk}/read/").status_code == 404
    assert client.get(f"/inbox/{n.pk}/open/").status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_all_read(org: Any) -> None:
    for _ in range(3):
        _note(org.operator)
    other = _note(org.dispatcher)
    client = client_for(org.operator)
    assert client.post("/inbox/read-all/").status_code == 302
    assert not Notification.objects.filter(user=org.operator, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None
    assert client.get("/inbox/read-all/").status_code == 405
