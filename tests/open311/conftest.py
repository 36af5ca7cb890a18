"""Open311 answers checked against the official GeoReport v2 JSON Schemas (Draft 4, with
format checking) in ../shared/open311/schemas/."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # noqa: S405 - our own answers
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.core.management import call_command
from django.test import Client
from referencing import Registry, Resource

from hotline.open311.services import all_services
from tests.conftest import Org

SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "open311" / "schemas"


def _schema(name: str) -> dict[str, Any]:
    return dict(json.loads((SCHEMAS / name).read_text(encoding="utf-8")))


def _registry() -> Registry:
    registry: Registry = Registry()
    for path in SCHEMAS.glob("*.json"):
        resource = Resource.from_contents(_schema(path.name), default_specification=_DRAFT4)
        registry = registry.with_resource(path.name, resource)
    swagger = _schema("swagger.json")
    for name, definition in swagger["definitions"].items():
        resource = Resource.from_contents(definition, default_specification=_DRAFT4)
        registry = registry.with_resource(f"swagger:{name}", resource)
    return registry


_DRAFT4 = __import__("referencing.jsonschema", fromlist=["DRAFT4"]).DRAFT4
REGISTRY = _registry()


def validate(value: Any, schema: str) -> None:
    """``value`` against one official schema (a file name, or ``swagger:<definition>``)."""
    contents = REGISTRY.contents(schema)
    validator = jsonschema.Draft4Validator(
        contents, registry=REGISTRY, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    validator.validate(value)


def xml_of(response: Any) -> ET.Element:
    body = response.content
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>'), body[:60]
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(body)  # noqa: S314 - our own answer


@pytest.fixture
def api_key(org: Org, capsys: Any) -> str:
    call_command("open311", "key", "create", "--name", "测试客户端")
    return capsys.readouterr().out.strip()


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def service_code(db: Any) -> str:
    return all_services()[0].code
