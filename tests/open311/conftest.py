"""Open311 answers checked against the official GeoReport v2 JSON Schemas (Draft 4, with
format checking) in ../shared/open311/schemas/."""

from __future__ import annotations

import functools
import json
import os
import xml.etree.ElementTree as ET  # noqa: S405 - our own answers
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.core.management import call_command
from django.test import Client
from referencing import Registry, Resource

from hotline.open311.attributes import attributes_of
from hotline.open311.services import all_services
from tests.conftest import Org


def _schemas_folder() -> Path | None:
    """The official schemas: ``$HOTLINE_OPEN311_SCHEMAS``, or ``shared/open311/schemas``
    beside the checkout (the project's layout), or under /work (a clone made elsewhere,
    as CI's is). They are not committed: they are the standard's, not ours."""
    candidates = [
        os.environ.get("HOTLINE_OPEN311_SCHEMAS", ""),
        Path(__file__).resolve().parents[3] / "shared" / "open311" / "schemas",
        "/work/shared/open311/schemas",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "requests.json").is_file():
            return Path(candidate)
    return None


SCHEMAS = _schemas_folder()


def _schema(name: str) -> dict[str, Any]:
    assert SCHEMAS is not None
    return dict(json.loads((SCHEMAS / name).read_text(encoding="utf-8")))


@functools.cache
def _registry() -> Registry:
    assert SCHEMAS is not None
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


def validate(value: Any, schema: str) -> None:
    """``value`` against one official schema (a file name, or ``swagger:<definition>``)."""
    if SCHEMAS is None:
        pytest.skip("未找到 Open311 官方 JSON Schema(设置 HOTLINE_OPEN311_SCHEMAS 指向 schemas 目录)")
    registry = _registry()
    contents = registry.contents(schema)
    validator = jsonschema.Draft4Validator(
        contents, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
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
    # A service that asks nothing beyond the standard fields (tests/open311/test_attributes.py
    # posts to those that do).
    return next(s.code for s in all_services() if not attributes_of(s.path))
