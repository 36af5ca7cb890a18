"""The OpenAPI as a client reads it: every operation declares the refusals it can answer
(in the one error shape), every code of the domain is an enumeration, every number a
client chooses has a range. (tests/test_api_fuzz.py checks the answers against it.)"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hotline.org.models import Level, Role, UnitKind
from hotline.tickets.actions import ACTIONS
from hotline.tickets.lifecycle import RECORDED_LABELS, TRANSITIONS
from hotline.tickets.models import Channel, State

ERROR = {"$ref": "#/components/schemas/ErrorOut"}


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def _operations(openapi: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, operations in openapi["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_operation_declares_its_refusals_in_the_error_shape(openapi: dict[str, Any]) -> None:
    operations = _operations(openapi)
    assert len(operations) >= 18
    for name, operation in operations:
        responses = operation["responses"]
        parameters = operation.get("parameters", [])
        expected = {"400"}
        if operation.get("security"):
            expected.add("401")
        if any(p["in"] == "path" for p in parameters):
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"413", "422"}
        if parameters:
            expected.add("422")
        assert expected <= set(responses), (name, sorted(responses))
        assert any(s.startswith("2") for s in responses), name
        for status, response in responses.items():
            if status.startswith("4"):
                assert response["description"], (name, status)
                schema = response["content"]["application/json"]["schema"]
                assert schema == ERROR or schema.get("$ref"), (name, status)


def test_what_an_operation_refuses_by_itself_is_declared(openapi: dict[str, Any]) -> None:
    paths = openapi["paths"]
    act = paths["/api/v1/tickets/{number}/actions/{action}"]["post"]["responses"]
    assert {"403", "404", "409", "422"} <= set(act)
    assert "429" in paths["/api/v1/public/tickets/{number}"]["get"]["responses"]
    assert "429" in paths["/api/v1/auth/token"]["post"]["responses"]
    assert "403" in paths["/api/v1/tickets"]["post"]["responses"]
    error = openapi["components"]["schemas"]["ErrorOut"]
    assert {"code", "message"} <= set(error["required"]) and error["additionalProperties"] is True


def _enum(schema: dict[str, Any]) -> list[str]:
    return list(schema.get("enum") or schema.get("items", {}).get("enum") or [])


def test_states_roles_actions_and_channels_are_enumerations(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    ticket = schemas["TicketOut"]["properties"]
    assert _enum(ticket["state"]) == State.values and _enum(ticket["channel"]) == Channel.values
    assert _enum(ticket["allowed_actions"]) == list(TRANSITIONS)
    assert _enum(schemas["TicketIn"]["properties"]["channel"]) == Channel.values
    assert _enum(schemas["MeOut"]["properties"]["role"]) == Role.values
    assert _enum(schemas["UnitOut"]["properties"]["level"]) == Level.values
    assert _enum(schemas["UnitOut"]["properties"]["kind"]) == UnitKind.values
    event = schemas["EventOut"]["properties"]
    assert set(_enum(event["action"])) == set(TRANSITIONS) | set(RECORDED_LABELS)
    assert _enum(event["to_state"]) == ["", *State.values]
    act = openapi["paths"]["/api/v1/tickets/{number}/actions/{action}"]["post"]
    action = next(p for p in act["parameters"] if p["name"] == "action")
    assert sorted(_enum(action["schema"])) == sorted(ACTIONS)
    # Each action's body is declared, closed to unknown fields.
    bodies = act["requestBody"]["content"]["application/json"]["schema"]["anyOf"]
    assert len(bodies) == len(ACTIONS) and all(b["additionalProperties"] is False for b in bodies)
    # Wherever a state, a channel, a level or a role is a field or a parameter.
    coded = {"state", "channel", "level", "role", "from_state", "to_state"}
    for name, schema in schemas.items():
        for field, prop in schema.get("properties", {}).items():
            if field in coded:
                assert _enum(prop), f"{name}.{field}"
    for name, operation in _operations(openapi):
        for parameter in operation.get("parameters", []):
            if parameter["name"] in coded:
                assert _enum(parameter["schema"]), f"{name} ?{parameter['name']}"


def test_every_number_a_client_chooses_has_a_range(openapi: dict[str, Any]) -> None:
    for name, operation in _operations(openapi):
        for parameter in operation.get("parameters", []):
            schema = parameter["schema"]
            if parameter["in"] == "query" and schema.get("type") == "integer":
                assert "minimum" in schema and "maximum" in schema, f"{name} ?{parameter['name']}"
