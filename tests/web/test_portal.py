"""The citizens' portal: submit (with a photo), track with the last four digits, rate once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hotline.audit.models import Event
from hotline.org.actor import Actor
from hotline.tickets.actions import answer
from hotline.tickets.models import State, Ticket
from hotline.web.models import Attachment
from tests.web.helpers import client_for, new_ticket

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
REQUEST = {
    "text": "石门县龙潭镇老街下水道堵塞,污水漫到路面",
    "address": "龙潭镇老街",
    "phone": "13712345678",
    "citizen_name": "王五",
}


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()


def test_submit_form_renders(client: Client) -> None:
    html = client.get("/portal/").content.decode()
    assert "我要反映" in html and 'enctype="multipart/form-data"' in html and 'for="id_phone"' in html


def test_submit_creates_web_ticket_and_shows_number(client: Client, org: Any) -> None:
    photo = SimpleUploadedFile("hole.png", PNG, content_type="image/png")
    response = client.post("/portal/", {**REQUEST, "photo": photo})
    assert response.status_code == 302 and response.url == "/portal/submitted/"
    ticket = Ticket.objects.get()
    assert ticket.channel == "web" and ticket.created_by is None and ticket.phone_last4 == "5678"
    assert Event.objects.get(ticket=ticket, action="create").actor_role == "citizen"
    html = client.get("/portal/submitted/").content.decode()
    assert ticket.number in html
    item = Attachment.objects.get(ticket=ticket)
    assert item.content_type == "image/png" and item.size == len(PNG)
    assert Path(item.file.path).read_bytes() == PNG
    # Staff who see the ticket can open the photo; others cannot.
    assert client_for(org.dispatcher).get(f"/tickets/{ticket.number}/files/{item.pk}/").status_code == 200
    assert (
        client_for(org.a_housing_handler).get(f"/tickets/{ticket.number}/files/{item.pk}/").status_code == 404
    )


@pytest.mark.parametrize(
    ("data", "files", "message"),
    [
        ({"text": ""}, {}, "请填写诉求内容"),
        ({"text": "太短"}, {}, "至少写 5 个字"),
        ({"phone": ""}, {}, "请填写手机号码"),
        ({"phone": "12ab"}, {}, "电话号码格式不正确"),
        ({}, {"photo": SimpleUploadedFile("x.txt", b"hello world", content_type="image/png")}, "只能上传"),
    ],
)
def test_bad_submission_saves_nothing(
    client: Client, org: Any, data: dict[str, str], files: dict[str, Any], message: str
) -> None:
    response = client.post("/portal/", {**REQUEST, **data, **files})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert Ticket.objects.count() == 0 and Attachment.objects.count() == 0


def test_one_submission_per_phone_per_minute(client: Client, org: Any) -> None:
    assert client.post("/portal/", REQUEST).status_code == 302
    response = client.post("/portal/", {**REQUEST, "text": "再反映一次下水道的问题,还是没人管"})
    assert response.status_code == 429 and "每分钟只能提交一次" in response.content.decode()
    assert Ticket.objects.count() == 1
    assert client.post("/portal/", {**REQUEST, "phone": "13700000000"}).status_code == 302


def test_honeypot_stores_nothing(client: Client, org: Any) -> None:
    assert client.post("/portal/", {**REQUEST, "website": "http://spam"}).status_code == 302
    assert Ticket.objects.count() == 0


def test_submitted_page_without_submission_redirects(client: Client) -> None:
    assert client.get("/portal/submitted/").status_code == 302


def test_track_by_number_and_last4(client: Client, org: Any) -> None:
    ticket = new_ticket(org.operator, phone="13712345678")
    response = client.post("/portal/track/", {"number": ticket.number, "phone_last4": "5678"})
    html = response.content.decode()
    assert response.status_code == 200 and "您的诉求已受理" in html and "已受理" in html
    assert "13712345678" not in html and "张三丰" not in html
    assert "评价办理结果" not in html  # not yet closed


@pytest.mark.parametrize(
    ("number", "last4", "status"), [("20990101000001", "5678", 404), ("", "5678", 422), ("x", "12", 422)]
)
def test_track_mismatch(client: Client, org: Any, number: str, last4: str, status: int) -> None:
    new_ticket(org.operator, phone="13712345678")
    response = client.post("/portal/track/", {"number": number, "phone_last4": last4})
    assert response.status_code == status


def test_track_wrong_digits_is_same_404(client: Client, org: Any) -> None:
    ticket = new_ticket(org.operator, phone="13712345678")
    response = client.post("/portal/track/", {"number": ticket.number, "phone_last4": "0000"})
    assert response.status_code == 404 and "未找到该工单" in response.content.decode()


def test_failed_lookups_are_capped(client: Client, org: Any) -> None:
    for _ in range(20):
        client.post("/portal/track/", {"number": "20990101000001", "phone_last4": "0000"})
    response = client.post("/portal/track/", {"number": "20990101000001", "phone_last4": "0000"})
    assert response.status_code == 429


def test_rating_once_when_closed(client: Client, org: Any) -> None:
    ticket = new_ticket(org.operator, phone="13712345678")
    rate = {"number": ticket.number, "phone_last4": "5678", "rating": "satisfied", "comment": "办得很快"}
    response = client.post("/portal/rate/", rate)
    assert response.status_code == 409 and "办结后才能评价" in response.content.decode()
    answer(Actor.of(org.operator), ticket.number, answer="已答复")
    html = client.post("/portal/track/", {"number": ticket.number, "phone_last4": "5678"}).content.decode()
    assert "评价办理结果" in html
    response = client.post("/portal/rate/", rate)
    assert response.status_code == 200 and "感谢您的评价" in response.content.decode()
    event = Event.objects.get(ticket=ticket, action="citizen_rating")
    assert event.payload == {"rating": "satisfied", "comment": "办得很快"} and event.actor_role == "citizen"
    response = client.post("/portal/rate/", {**rate, "rating": "dissatisfied"})
    assert response.status_code == 409 and "已评价过" in response.content.decode()
    assert Event.objects.filter(ticket=ticket, action="citizen_rating").count() == 1
    ticket.refresh_from_db()
    assert ticket.state == State.AWAITING_CALLBACK and ticket.version == 2  # a rating is not a lifecycle step
    # Staff see it in the ticket's history, in Chinese.
    html = client_for(org.callback).get(f"/tickets/{ticket.number}/").content.decode()
    assert "市民评价" in html and "满意" in html


def test_rating_needs_a_choice_and_the_right_digits(client: Client, org: Any) -> None:
    ticket = new_ticket(org.operator, phone="13712345678")
    answer(Actor.of(org.operator), ticket.number, answer="已答复")
    response = client.post("/portal/rate/", {"number": ticket.number, "phone_last4": "5678"})
    assert response.status_code == 422 and "请选择满意程度" in response.content.decode()
    response = client.post(
        "/portal/rate/", {"number": ticket.number, "phone_last4": "1111", "rating": "satisfied"}
    )
    assert response.status_code == 404
    assert not Event.objects.filter(action="citizen_rating").exists()
    assert client.get("/portal/rate/").status_code == 405


def test_track_query_count(client: Client, org: Any, django_assert_max_num_queries: Any) -> None:
    ticket = new_ticket(org.operator, phone="13712345678")
    # Six for the page; the lookup's limit reads the counts, counts the attempt (a write:
    # purge, insert), reads them again and takes the attempt back (a write): six more, each
    # write with its savepoint pair inside a test's transaction.
    with django_assert_max_num_queries(12):
        client.post("/portal/track/", {"number": ticket.number, "phone_last4": "5678"})
