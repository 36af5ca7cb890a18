"""Discovery, the service list (the platform's own taxonomy) and service definitions."""

from __future__ import annotations

from typing import Any

from django.test import Client

from hotline.open311.services import all_services
from hotline.triage.taxonomy import get_taxonomy
from tests.open311.conftest import validate, xml_of


def test_discovery_in_both_formats(client: Client, db: Any) -> None:
    response = client.get("/open311/v2/discovery.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    endpoint = response.json()["endpoints"][0]
    assert endpoint["url"].endswith("/open311/v2/")
    assert "application/json" in endpoint["formats"]
    root = xml_of(client.get("/open311/v2/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_are_the_taxonomy(client: Client, db: Any) -> None:
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 200
    services = response.json()
    validate(services, "services.json")
    nodes = get_taxonomy().nodes
    assert len(services) == len(nodes) > 10
    first = services[0]
    assert first["group"] == nodes[0].level1
    assert first["service_name"] == nodes[0].level3
    assert first["keywords"].split(",") == list(nodes[0].keywords)
    assert len({s["service_code"] for s in services}) == len(services)

    root = xml_of(client.get("/open311/v2/services.xml"))
    assert root.tag == "services"
    items = root.findall("service")
    assert len(items) == len(services)
    assert {child.tag for child in items[0]} == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert items[0].findtext("service_name") == first["service_name"]
    # 路灯 asks for its pole number: its metadata says so, in both formats.
    assert first["metadata"] is True and items[0].findtext("metadata") == "true"


def test_service_definition_and_an_unknown_code(client: Client, db: Any) -> None:
    code = all_services()[3].code
    response = client.get(f"/open311/v2/services/{code}.json")
    assert response.status_code == 200
    validate(response.json(), "service-definition.json")
    root = xml_of(client.get(f"/open311/v2/services/{code}.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == code

    missing = client.get("/open311/v2/services/nosuch.json")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/json")
    assert missing.json()[0]["code"] == 404
    root = xml_of(client.get("/open311/v2/services/nosuch.xml"))
    assert root.tag == "errors"
    assert root.find("error/code").text == "404"  # type: ignore[union-attr]
    assert root.findtext("error/description")
