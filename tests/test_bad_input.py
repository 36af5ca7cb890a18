"""No input reaches a server error: out-of-range pages and dates answer 422, a NUL byte
in a path, query or form is a 400, and JSON text is cleaned of NUL and lone surrogates —
the same on SQLite and PostgreSQL (which cannot store a NUL)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hotline.tickets.models import Contact, Ticket
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


@pytest.mark.parametrize("level", ["prefecture", "county", "township"])
def test_a_unit_user_gets_rankings_and_the_report_for_any_level(org: Any, api_as: Any, level: str) -> None:
    response = api_as("a_zj").get(f"/kpis/ranking?level={level}")
    assert response.status_code == 200 and response.json()["level"] == level
    assert client_for(org.a_housing_handler).get("/analytics/report/").status_code == 200
