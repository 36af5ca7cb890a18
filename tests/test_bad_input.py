"""No input reaches a server error: out-of-range pages and dates answer 422, a NUL byte
in a path, query or form is a 400, and JSON text is cleaned of NUL and lone surrogates —
the same on SQLite and PostgreSQL (which cannot store a NUL). A body over its size is a
413 before it is read, and nothing of it is stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hotline.bounds import MAX_BODY_BYTES, MAX_FILE_BYTES, MAX_UPLOAD_BYTES
from hotline.tickets.models import Contact, Ticket
from hotline.web.models import Attachment
from tests.web.helpers import client_for

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/tickets?page={HUGE}", "page"),
        ("/tickets?page=0", "page"),
        (f"/notifications?page={HUGE}", "page"),
        (f"/kpis/drill?kpi=received&page={HUGE}", "page"),
        ("/hotspots?as_of=0001-01-01", "as_of"),
        ("/hotspots?as_of=9999-12-31", "as_of"),
        ("/hotspots?days=100000000", "days"),
        ("/kpis?start=0001-01-01&end=0001-01-02", "start"),
        ("/kpis?start=2025-01-01&end=9999-12-31", "end"),
    ],
)
def test_out_of_range_pages_and_dates_are_422_naming_the_field(api_as: Any, path: str, field: str) -> None:
    response = api_as("leader").get(path)
    assert response.status_code == 422, response.content
    assert field in json.dumps(response.json(), ensure_ascii=False)


def test_a_nul_byte_anywhere_outside_json_is_a_400(org: Any, api_as: Any, client: Any) -> None:
    assert client.get("/api/v1/public/tickets/%00?phone_last4=1234").status_code == 400
    assert api_as("operator").get("/tickets?q=%00").status_code == 400
    page = client_for(org.supervisor).post("/supervise/complaints/", {"ticket": "1\x00", "content": "x"})
    assert page.status_code == 400 and "空字符" in page.content.decode()


def test_json_text_is_stored_without_nul_or_lone_surrogates(api_as: Any) -> None:
    body = '{"channel": "phone", "text": "路灯坏了\\u0000请修\\ud800", "citizen_name": "张\\udfff三"}'
    response = api_as("operator").post("/tickets", raw=body)
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(number=response.json()["number"])
    assert ticket.text == "路灯坏了请修\ufffd" and ticket.citizen_name == "张\ufffd三"
    assert Contact.objects.get(ticket=ticket).text == ticket.text


def test_deep_json_is_refused_in_words(api_as: Any) -> None:
    nested = '{"channel": "phone", "text": "路灯坏了", "title": ' + "[" * 50 + "]" * 50 + "}"
    for raw in (nested, "[" * 100_000 + "]" * 100_000, "{not json"):
        response = api_as("operator").post("/tickets", raw=raw)
        assert response.status_code == 400
        assert response.json()["message"] == "请求体不是有效的 JSON,或嵌套过深"
    assert not Ticket.objects.exists()


def test_an_action_body_is_cleaned_and_bounded_like_every_other(org: Any, api_as: Any) -> None:
    """The action endpoint reads its body itself (after the scope and the role): the same
    cleaning and the same depth bound as the API's parser, on both databases."""
    from tests.web.helpers import dispatched

    number = dispatched(org).number
    supervisor = api_as("supervisor")
    for raw in ('{"note": ' + "[" * 50 + "]" * 50 + "}", "[" * 100_000 + "]" * 100_000, "{not json"):
        response = supervisor.post(f"/tickets/{number}/actions/urge", raw=raw)
        assert response.status_code == 422, response.content
        assert response.json()["message"] == "请求体不是有效的 JSON,或嵌套过深"
    response = supervisor.post(f"/tickets/{number}/actions/urge", raw='{"note": "快\\u0000办\\ud800"}')
    assert response.status_code == 200, response.content
    event = Ticket.objects.get(number=number).events.get(action="urge")
    assert "\x00" not in json.dumps(event.payload) and "快办\ufffd" in json.dumps(
        event.payload, ensure_ascii=False
    )


@pytest.mark.parametrize("level", ["prefecture", "county", "township"])
def test_a_unit_user_gets_rankings_and_the_report_for_any_level(org: Any, api_as: Any, level: str) -> None:
    response = api_as("a_zj").get(f"/kpis/ranking?level={level}")
    assert response.status_code == 200 and response.json()["level"] == level
    assert client_for(org.a_housing_handler).get("/analytics/report/").status_code == 200


PORTAL_REQUEST = {"text": "石门县龙潭镇老街下水道堵塞,污水漫到路面", "phone": "13712345678"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.mark.parametrize(
    ("path", "content_type", "length"),
    [
        ("/portal/", "multipart/form-data; boundary=x", MAX_UPLOAD_BYTES + 1),
        ("/login/", "application/x-www-form-urlencoded", MAX_BODY_BYTES + 1),
        ("/api/v1/tickets", "application/json", MAX_BODY_BYTES + 1),
        ("/api/v1/auth/token", "application/json", 10**12),
    ],
)
def test_a_body_over_its_cap_is_413_before_it_is_read(
    org: Any, path: str, content_type: str, length: int
) -> None:
    # The body sent is empty: reading the declared length of it would fail the request.
    response = Client().generic("POST", path, b"", content_type=content_type, CONTENT_LENGTH=str(length))
    assert response.status_code == 413
    text = response.content.decode() if not path.startswith("/api/") else response.json()["message"]
    assert "过大" in text and "MB" in text
    assert not Ticket.objects.exists()


def test_a_photo_over_the_cap_stops_the_upload_and_stores_nothing(org: Any, media: Path) -> None:
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * MAX_FILE_BYTES, content_type="image/png")
    response = Client().post("/portal/", {**PORTAL_REQUEST, "photo": big})
    assert response.status_code == 413
    assert "每个文件不能超过 5 MB" in response.content.decode()
    assert not Ticket.objects.exists() and not Attachment.objects.exists()
    assert not media.exists() or not any(media.rglob("*.*"))


def test_a_photo_within_the_cap_is_kept(org: Any, media: Path) -> None:
    photo = PNG + b"\x00" * (MAX_FILE_BYTES - len(PNG))
    response = Client().post(
        "/portal/", {**PORTAL_REQUEST, "photo": SimpleUploadedFile("ok.png", photo, content_type="image/png")}
    )
    assert response.status_code == 302
    assert Path(Attachment.objects.get().file.path).stat().st_size == MAX_FILE_BYTES


def test_too_many_files_or_a_broken_form_is_refused_in_words(org: Any, media: Path) -> None:
    files = {f"photo{i}": SimpleUploadedFile(f"{i}.png", PNG, content_type="image/png") for i in range(5)}
    many = Client().post("/portal/", {**PORTAL_REQUEST, **files})
    assert many.status_code == 413 and "最多 4 个文件" in many.content.decode()
    broken = Client().generic("POST", "/portal/", b"--x\r\nfoo", content_type="multipart/form-data")
    assert broken.status_code == 400 and "表单格式无效" in broken.content.decode()
    assert not Ticket.objects.exists()
