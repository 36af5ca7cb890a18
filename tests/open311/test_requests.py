"""POST requests through the one intake path, and the public GET of what came in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management import call_command
from django.test import Client

from hotline import clock
from hotline.open311.models import ApiKey, ServiceRequest
from hotline.open311.services import all_services, by_code
from hotline.org.actor import Actor
from hotline.tickets.actions import dispatch
from hotline.tickets.models import Channel, Ticket
from tests.open311.conftest import validate, xml_of

CHINESE = "小区门口路灯坏了三天,晚上一片漆黑,老人出行不便。请尽快维修!"


def post(client: Client, fmt: str = "json", **fields: Any) -> Any:
    return client.post(f"/open311/v2/requests.{fmt}", fields)


def submit(client: Client, api_key: str, service_code: str, **extra: Any) -> str:
    fields = {
        "api_key": api_key,
        "service_code": service_code,
        "lat": "30.2741",
        "long": "120.1551",
        "description": CHINESE,
        "first_name": "三",
        "last_name": "张",
        "phone": "13800138000",
        "email": "zhang@example.com",
        "media_url": "https://example.com/lamp.jpg",
    } | extra
    response = post(client, **fields)
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    validate(body[0], "swagger:RequestResponse")
    return str(body[0]["service_request_id"])


def test_a_post_becomes_a_ticket_through_the_intake(client: Client, api_key: str, service_code: str) -> None:
    number = submit(client, api_key, service_code)
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == Channel.API
    assert ticket.text == CHINESE
    assert ticket.citizen_name == "张三"
    assert ticket.phone == "13800138000"
    assert ticket.topic == by_code()[service_code].path
    assert ticket.events.filter(action="create").exists()  # type: ignore[attr-defined]
    row = ServiceRequest.objects.get(ticket=ticket)
    assert row.email == "zhang@example.com"
    assert row.attributes == {} and row.token

    root = xml_of(
        post(client, "xml", api_key=api_key, service_code=service_code, address_string="西湖区文三路")
    )
    assert root.tag == "service_requests"
    assert Ticket.objects.filter(number=root.findtext("request/service_request_id")).exists()


def test_get_shows_the_request_without_personal_data(client: Client, api_key: str, service_code: str) -> None:
    number = submit(client, api_key, service_code)
    response = client.get(f"/open311/v2/requests/{number}.json")
    assert response.status_code == 200
    body = response.json()
    validate(body, "requests.json")
    (request,) = body
    assert request["service_request_id"] == number
    assert request["status"] == "open"
    assert request["status_notes"]  # the Chinese sub-state
    assert request["service_code"] == service_code
    assert request["requested_datetime"][-6:] == "+08:00"
    # The Chinese description comes back byte for byte.
    assert CHINESE.encode() in response.content
    # The ticket's number holds today's date ("20261208…" has an 8000 in it): not personal.
    text = response.content.decode().replace(number, "")
    for personal in ("13800138000", "张三", "zhang@example.com", "8000"):
        assert personal not in text

    listed = client.get("/open311/v2/requests.json").json()
    validate(listed, "requests.json")
    assert [r["service_request_id"] for r in listed] == [number]

    root = xml_of(client.get(f"/open311/v2/requests/{number}.xml"))
    assert root.tag == "service_requests"
    item = root.find("request")
    assert item is not None
    assert item.findtext("description") == CHINESE
    assert item.findtext("status") == "open"
    assert {c.tag for c in item} >= {"service_request_id", "status", "service_code", "requested_datetime"}


def test_get_filters(client: Client, api_key: str, service_code: str) -> None:
    other = all_services()[5].code
    first = submit(client, api_key, service_code)
    second = submit(client, api_key, other)

    def ids(**query: str) -> list[str]:
        response = client.get("/open311/v2/requests.json", query)
        assert response.status_code == 200, response.content.decode()
        if response.json():
            validate(response.json(), "requests.json")
        return sorted(r["service_request_id"] for r in response.json())

    assert ids() == sorted([first, second])
    assert ids(service_code=other) == [second]
    assert ids(service_code=f"{service_code},{other}") == sorted([first, second])
    assert ids(service_code="") == sorted([first, second])  # empty is absent
    assert ids(status="open") == sorted([first, second])
    assert ids(status="closed") == []
    # service_request_id overrides every other filter
    assert ids(service_request_id=first, status="closed", service_code=other) == [first]
    later = (clock.now() + timedelta(days=1)).isoformat()
    assert ids(start_date=later) == []
    long_ago = (clock.now() - timedelta(days=200)).isoformat()
    assert ids(start_date=long_ago) == []  # cut to 90 days from its start
    assert ids(end_date=(clock.now() - timedelta(days=1)).isoformat()) == []
    bad = client.get("/open311/v2/requests.xml", {"status": "pending"})
    assert bad.status_code == 400
    assert xml_of(bad).tag == "errors"
    for bad_date in ("yesterday", "2026-02-30T08:00:00+08:00", "2026-01-01T25:00:00"):
        refused = client.get("/open311/v2/requests.json", {"start_date": bad_date})
        assert refused.status_code == 400, bad_date
        assert refused.json()[0]["code"] == 400


def test_refusals_change_nothing(client: Client, api_key: str, service_code: str) -> None:
    base = {"api_key": api_key, "service_code": service_code, "lat": "30.27", "long": "120.15"}
    cases = [
        (403, base | {"api_key": "wrong"}),
        (403, {k: v for k, v in base.items() if k != "api_key"}),
        (404, base | {"service_code": "nosuch"}),
        (400, {k: v for k, v in base.items() if k != "service_code"}),
        (400, base | {"service_code": ""}),
        (400, {k: v for k, v in base.items() if k not in ("lat", "long")}),
        (400, base | {"long": ""}),
        (400, base | {"lat": "north"}),
        (400, base | {"description": "字" * 4001}),
        (400, base | {"phone": "not a phone"}),
        (400, base | {"media_url": "javascript:alert(1)"}),
    ]
    for status, fields in cases:
        response = post(client, **fields)
        assert response.status_code == status, (fields, response.content.decode())
        body = response.json()
        assert body[0]["code"] == status and body[0]["description"], body
        root = xml_of(post(client, "xml", **fields))
        assert root.tag == "errors" and root.findtext("error/code") == str(status)
    assert not Ticket.objects.exists()
    assert submit(client, api_key, service_code, description="字" * 4000)


def test_a_revoked_key_is_refused(client: Client, api_key: str, service_code: str, capsys: Any) -> None:
    ApiKey.objects.update(revoked_at=clock.now())
    response = post(client, api_key=api_key, service_code=service_code, address_string="文三路")
    assert response.status_code == 403
    call_command("open311", "key", "create", "--name", "另一个")
    fresh = capsys.readouterr().out.strip()
    assert len(fresh) >= 32 and not ApiKey.objects.filter(key_digest=fresh).exists()
    assert post(client, api_key=fresh, service_code=service_code, address_string="文三路").status_code == 200


def test_unknown_request_and_method(client: Client, db: Any) -> None:
    missing = client.get("/open311/v2/requests/20990101000001.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404
    assert client.delete("/open311/v2/requests.json").status_code == 405


def test_numbers_and_names_in_the_text_are_starred(client: Client, api_key: str, service_code: str) -> None:
    text = "我是张三,电话13800138000,身份证330106199001011234,座机0571-88886666,门牌12号坏了\x01"
    number = submit(client, api_key, service_code, description=text)
    (shown,) = client.get(f"/open311/v2/requests/{number}.json").json()
    assert shown["description"] == (
        "我是**,电话***********,身份证******************,座机*************,门牌12号坏了\x01"
    )
    root = xml_of(client.get(f"/open311/v2/requests/{number}.xml"))  # parses despite the control
    assert root.findtext("request/description", "").endswith("门牌12号坏了")


def test_request_updates_carry_the_richer_status(
    client: Client, api_key: str, service_code: str, org: Any
) -> None:
    number = submit(client, api_key, service_code)
    dispatch(Actor.of(org.dispatcher), number, lead_unit="A-ZJ")
    response = client.get("/open311/v2/servicerequestupdates.json")
    assert response.status_code == 200
    mine = [u for u in response.json() if u["service_request_id"] == number]
    assert [u["status"] for u in mine] == ["OPEN", "ACTION_SCHEDULED"]
    assert mine[0]["description"] == "您的诉求已受理"
    assert all(u["updated_datetime"].endswith("+08:00") and u["update_id"].isdigit() for u in mine)
    assert "13800138000" not in response.content.decode()
    (shown,) = client.get(f"/open311/v2/requests/{number}.json").json()
    assert shown["agency_responsible"] == org.a_housing.name
    assert shown["status_notes"] == "已派单"
    assert shown["expected_datetime"] and shown["expected_datetime"].endswith("+08:00")
    validate([shown], "requests.json")

    root = xml_of(client.get("/open311/v2/servicerequestupdates.xml"))
    assert root.tag == "service_request_updates"
    assert [u.findtext("status") for u in root.findall("request_update")] == ["OPEN", "ACTION_SCHEDULED"]
    later = (clock.now() + timedelta(days=1)).isoformat()
    assert client.get("/open311/v2/servicerequestupdates.json", {"start_date": later}).json() == []
