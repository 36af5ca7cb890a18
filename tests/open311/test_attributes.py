"""Services that ask more than the standard fields (GeoReport v2 service definitions
with attributes), the checked answers, the spec's token and the jurisdiction."""

from __future__ import annotations

from typing import Any

from django.test import Client, override_settings

from hotline.open311.attributes import BY_TOPIC
from hotline.open311.models import ServiceRequest
from hotline.open311.services import all_services
from hotline.tickets.models import Ticket
from tests.open311.conftest import validate, xml_of

NOISE = "环境保护 / 环境污染 / 噪声污染"


def _code(path: str) -> str:
    return next(s.code for s in all_services() if s.path == path)


def _post(client: Client, api_key: str, fmt: str = "json", **fields: Any) -> Any:
    base = {"api_key": api_key, "service_code": _code(NOISE), "address_string": "城关镇幸福小区3栋"}
    return client.post(f"/open311/v2/requests.{fmt}", base | fields)


def test_the_definition_lists_the_questions_in_both_formats(client: Client, db: Any) -> None:
    assert NOISE in BY_TOPIC
    response = client.get(f"/open311/v2/services/{_code(NOISE)}.json")
    body = response.json()
    validate(body, "service-definition.json")
    source, times = body["attributes"]
    assert (source["code"], source["datatype"], source["required"]) == (
        "noise_source",
        "singlevaluelist",
        True,
    )
    assert {"key": "construction", "name": "建筑施工"} in source["values"]
    assert times["datatype"] == "multivaluelist"
    root = xml_of(client.get(f"/open311/v2/services/{_code(NOISE)}.xml"))
    assert [a.findtext("code") for a in root.findall("attributes/attribute")] == [
        "noise_source",
        "noise_times",
    ]
    assert root.find("attributes/attribute/values/value/key").text == "construction"  # type: ignore[union-attr]


def test_answers_are_checked_kept_and_written_under_the_description(client: Client, api_key: str) -> None:
    response = _post(
        client,
        api_key,
        description="工地夜间施工噪音很大",
        **{"attribute[noise_source]": "construction", "attribute[noise_times][]": ["evening", "night"]},
    )
    assert response.status_code == 200, response.content.decode()
    body = response.json()[0]
    validate(body, "swagger:RequestResponse")
    ticket = Ticket.objects.get(number=body["service_request_id"])
    assert (
        ticket.text == "工地夜间施工噪音很大\n噪声来源:建筑施工\n主要出现的时段:傍晚(18-22时)、夜间(22-6时)"
    )
    row = ServiceRequest.objects.get(ticket=ticket)
    assert row.attributes == {"noise_source": "construction", "noise_times": ["evening", "night"]}
    # The spec's token resolves to the id, in both formats; an unknown one is a 404.
    found = client.get(f"/open311/v2/tokens/{body['token']}.json")
    validate(found.json()[0], "swagger:TokenResponse")
    assert found.json() == [{"service_request_id": ticket.number, "token": row.token}]
    root = xml_of(client.get(f"/open311/v2/tokens/{body['token']}.xml"))
    assert root.findtext("request/service_request_id") == ticket.number
    assert client.get("/open311/v2/tokens/0123456789abcdef.json").status_code == 404


def test_bad_answers_are_refused_and_store_nothing(client: Client, api_key: str) -> None:
    cases = [
        ({}, "缺少必填属性 attribute[noise_source]"),
        ({"attribute[noise_source]": "aliens", "attribute[noise_times][]": "night"}, "须为以下之一"),
        ({"attribute[noise_source]": "traffic", "attribute[noise_times][]": "noon"}, "须为以下之一"),
        (
            {
                "attribute[noise_source]": "traffic",
                "attribute[noise_times][]": "night",
                "attribute[floor]": "3",
            },
            "该服务没有属性「floor」",
        ),
        (
            {"attribute[noise_source][]": ["traffic", "other"], "attribute[noise_times][]": "night"},
            "只能填一个值",
        ),
    ]
    for fields, said in cases:
        response = _post(client, api_key, description="噪音", **fields)
        assert response.status_code == 400, fields
        assert said in response.json()[0]["description"], (fields, response.json())
    wage = _code("劳动和社会保障 / 劳动关系 / 拖欠工资")
    refused = _post(
        client,
        api_key,
        service_code=wage,
        **{"attribute[employer]": "某公司", "attribute[amount_owed]": "很多"},
    )
    assert refused.status_code == 400 and "须为数字" in refused.json()[0]["description"]
    root = xml_of(_post(client, api_key, "xml", description="噪音"))
    assert root.tag == "errors" and root.findtext("error/code") == "400"
    assert not Ticket.objects.exists() and not ServiceRequest.objects.exists()


def test_another_jurisdiction_is_not_served(client: Client, api_key: str) -> None:
    with override_settings(HOTLINE_OPEN311_JURISDICTION="hy12345.gov.cn"):
        other = client.get("/open311/v2/services.json", {"jurisdiction_id": "nyc.gov"})
        assert other.status_code == 404 and "hy12345.gov.cn" in other.json()[0]["description"]
        assert (
            client.get("/open311/v2/services.json", {"jurisdiction_id": "hy12345.gov.cn"}).status_code == 200
        )
        assert client.get("/open311/v2/services.json", {"jurisdiction_id": ""}).status_code == 200
        refused = _post(client, api_key, jurisdiction_id="nyc.gov", description="噪音")
        assert refused.status_code == 404 and not Ticket.objects.exists()
