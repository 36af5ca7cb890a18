"""The citizens' lookup (GET /api/v1/public/tickets/{number}) cannot be guessed: the query
code (查询码) issued with every ticket opens it; the phone's last four digits still do,
for a few wrong tries per ticket and per client address, counted in the database."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from hotline.tickets.models import QUERY_CODE_ALPHABET, Ticket

pytestmark = pytest.mark.django_db

PHONE = "13712345678"  # last four: 5678
START = datetime(2026, 3, 2, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def new_ticket(api_as: Any) -> dict[str, Any]:
    response = api_as("operator").post(
        "/tickets", {"channel": "phone", "text": "小区路灯不亮", "phone": PHONE}
    )
    assert response.status_code == 201
    return dict(response.json())


def lookup(number: str, address: str = "192.0.2.1", **params: str) -> Any:
    return Client().get(f"/api/v1/public/tickets/{number}", params, REMOTE_ADDR=address)


def test_every_ticket_gets_its_own_query_code(org: Any, api_as: Any) -> None:
    codes = [new_ticket(api_as)["query_code"] for _ in range(3)]
    assert len(set(codes)) == 3
    assert all(len(c) == 6 and set(c) <= set(QUERY_CODE_ALPHABET) for c in codes)
    assert set(QUERY_CODE_ALPHABET).isdisjoint("01ILO")


def test_the_query_code_finds_the_ticket(org: Any, api_as: Any) -> None:
    ticket = new_ticket(api_as)
    number, code = ticket["number"], ticket["query_code"]
    found = lookup(number, query_code=code)
    assert found.status_code == 200 and found.json()["number"] == number
    # As people type it: lower case, with a space or a dash.
    assert lookup(number, query_code=f" {code[:3].lower()}-{code[3:]} ").status_code == 200
    wrong = lookup(number, query_code="ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY")
    missing = lookup("20990101000001", query_code=code)
    assert wrong.status_code == missing.status_code == 404
    assert wrong.json() == missing.json()  # nothing tells a wrong code from a wrong number


@pytest.mark.parametrize(
    ("params", "field"),
    [({"query_code": "ABC"}, "query_code"), ({"query_code": "ABCDE0"}, "query_code"), ({}, "query_code"),
     ({"phone_last4": "56a8"}, "phone_last4"), ({"phone_last4": "٥٦٧٨"}, "phone_last4")],
)  # fmt: skip
def test_a_malformed_proof_is_422_naming_the_field(
    org: Any, api_as: Any, params: dict[str, str], field: str
) -> None:
    response = lookup(new_ticket(api_as)["number"], **params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", field]


def test_an_attacker_gets_five_guesses_at_a_ticket_a_day_from_any_number_of_addresses(
    org: Any, api_as: Any
) -> None:
    number = new_ticket(api_as)["number"]
    with time_machine.travel(START, tick=False):
        answers = [
            lookup(number, address=f"198.51.{i // 250}.{i % 250 + 1}", phone_last4=f"{i:04d}")
            for i in range(40)
        ]
        statuses = [a.status_code for a in answers]
        assert statuses.count(404) == 5 and statuses[:5] == [404] * 5
        assert set(statuses[5:]) == {429}
        refused = lookup(number, address="203.0.113.50", phone_last4="5678")  # the right digits
        assert refused.status_code == 429
        assert refused.json()["message"] == (
            "该工单凭手机号后四位查询的失败次数过多,请于 3月3日 09:30 后再试,或凭查询码查询"
        )
        assert refused["Retry-After"] == str(24 * 3600)
        # The citizen's query code still opens it, from anywhere.
        code = Ticket.objects.get(number=number).query_code
        assert lookup(number, address="198.51.0.1", query_code=code).status_code == 200
    with time_machine.travel(START + timedelta(days=1, seconds=1), tick=False):
        assert lookup(number, address="203.0.113.50", phone_last4="5678").status_code == 200


def test_one_address_gets_twenty_failed_lookups_an_hour_whatever_it_tries(org: Any, api_as: Any) -> None:
    ticket = new_ticket(api_as)
    with time_machine.travel(START, tick=False):
        for i in range(20):  # wrong codes at many numbers: nothing per ticket, all per address
            assert lookup(f"20990101{i:06d}", query_code="ZZZZZZ").status_code == 404
        refused = lookup(ticket["number"], query_code=ticket["query_code"])
        assert refused.status_code == 429
        assert refused.json()["message"] == "查询失败次数过多,请于 10:30 后再试"
        assert (
            lookup(ticket["number"], address="192.0.2.2", query_code=ticket["query_code"]).status_code == 200
        )


def test_right_lookups_are_not_counted(org: Any, api_as: Any) -> None:
    ticket = new_ticket(api_as)
    for _ in range(30):
        assert lookup(ticket["number"], phone_last4="5678").status_code == 200
        assert lookup(ticket["number"], query_code=ticket["query_code"]).status_code == 200


def test_the_lookup_behind_a_trusted_proxy_counts_the_client(org: Any, api_as: Any, settings: Any) -> None:
    settings.HOTLINE_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.HOTLINE_LIMITS = {**settings.HOTLINE_LIMITS, "lookup_address": "3/60"}
    ticket = new_ticket(api_as)
    proxy = {"REMOTE_ADDR": "127.0.0.1"}
    client = Client()
    path = f"/api/v1/public/tickets/{ticket['number']}"
    for _ in range(3):
        client.get(path, {"query_code": "ZZZZZZ"}, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    right = {"query_code": ticket["query_code"]}
    assert client.get(path, right, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code == 429
    # One client locked out does not lock out every citizen behind the same proxy.
    assert client.get(path, right, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy).status_code == 200
