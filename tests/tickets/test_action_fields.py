"""An action's fields are declared once (``tickets.action_fields``): they are the action
function's keyword arguments, and the API body and the page form are derived from them."""

from __future__ import annotations

import inspect
import typing
from typing import Any

import pytest
from django.http import QueryDict

from hotline.tickets.action_fields import ACTION_FIELDS, ActionField
from hotline.tickets.actions import ACTIONS
from hotline.tickets.schemas import ACTION_SCHEMAS
from hotline.web.views import actions as page

# Keyword arguments every action takes that are not fields of its form or body.
INFRASTRUCTURE = {"expected_version"}


def _keyword_parameters(action: str) -> dict[str, inspect.Parameter]:
    parameters = inspect.signature(ACTIONS[action]).parameters.values()
    return {p.name: p for p in parameters if p.kind is p.KEYWORD_ONLY and p.name not in INFRASTRUCTURE}


def test_every_action_is_declared() -> None:
    assert set(ACTION_FIELDS) == set(ACTIONS)


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_declared_fields_are_the_keyword_arguments(action: str) -> None:
    """Adding a parameter to an action without declaring it (or the other way) fails here."""
    parameters = _keyword_parameters(action)
    assert {f.name for f in ACTION_FIELDS[action]} == set(parameters)
    hints = typing.get_type_hints(ACTIONS[action])
    for field in ACTION_FIELDS[action]:
        parameter = parameters[field.name]
        assert field.required == (parameter.default is inspect.Parameter.empty), field.name
        if field.kind == "units":
            # Parsed, a unit list is never None; the action takes None for "no units" too.
            assert hints[field.name] == field.type | None, field.name
            assert field.empty() == [] and parameter.default is None, field.name
            continue
        assert hints[field.name] == field.type, field.name
        if not field.required:
            assert field.empty() == parameter.default, field.name


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_api_body_is_derived_from_the_declaration(action: str) -> None:
    schema = ACTION_SCHEMAS[action]
    assert list(schema.model_fields) == ["version", *(f.name for f in ACTION_FIELDS[action])]
    for field in ACTION_FIELDS[action]:
        info = schema.model_fields[field.name]
        assert info.annotation == field.type
        assert info.is_required() == field.required
        if not field.required:
            assert info.get_default(call_default_factory=True) == field.empty()


def _sample(field: ActionField) -> tuple[str, Any]:
    """A valid value for a field: as a form posts it, and as a JSON body carries it."""
    if field.kind == "bool":
        return "1", True
    if field.kind == "int":
        return "3", 3
    if field.kind == "units":
        return "U1,U2", ["U1", "U2"]
    if field.kind == "select":
        value = next(v for v, _ in field.choices if v)
        return value, value
    return "值", "值"


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("filled", ["required", "all"])
def test_page_form_and_api_give_the_action_the_same_arguments(action: str, filled: str) -> None:
    fields = [f for f in ACTION_FIELDS[action] if filled == "all" or f.required]
    form = QueryDict(mutable=True)
    body: dict[str, Any] = {}
    for field in fields:
        form[field.name], body[field.name] = _sample(field)
    from_api = ACTION_SCHEMAS[action].model_validate(body).model_dump()
    from_api.pop("version")
    assert page.parse_fields(action, form) == from_api


def test_page_form_uses_the_declaration() -> None:
    assert page.ACTION_FIELDS is ACTION_FIELDS
