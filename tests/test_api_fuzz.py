"""The API under schemathesis: requests generated from the live OpenAPI (valid ones and
ones that break it), sent through the WSGI application with the tokens of three roles,
must never meet a server error, must answer only statuses the OpenAPI declares, and
their answers must have the declared shape (enumerations included).

Bounded for the suite (``FUZZ_EXAMPLES`` per operation, mode and role); raise it for a
longer run by hand, e.g. ``FUZZ_EXAMPLES=200 pytest tests/test_api_fuzz.py -s``.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from hotline.wsgi import application
from tests.web.helpers import dispatched, new_ticket, signed

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# The centre's operator, a unit's handler, and a leader who sees every unit.
ROLES = ("operator", "a_zj", "leader")


@pytest.fixture
def tickets(org: Any) -> list[str]:
    """Tickets in a few states, so that generated paths also reach real ones."""
    return [new_ticket(org.operator).number, dispatched(org).number, signed(org).number]


def _token(username: str) -> str:
    from django.test import Client

    response = Client().post(
        "/api/v1/auth/token",
        {"username": username, "password": "pass-12345"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def _run(operation: Any, mode: GenerationMode, tickets: list[str], headers: dict[str, str]) -> dict[str, str]:
    """Failures of ``operation``'s generated cases, one example of each kind."""
    failures: dict[str, str] = {}

    @given(case=operation.as_strategy(generation_mode=mode), number=st.sampled_from([*tickets, None]))
    @settings(
        max_examples=EXAMPLES,
        phases=[Phase.explicit, Phase.generate],
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any, number: str | None) -> None:
        if number and "number" in (case.path_parameters or {}):
            case.path_parameters["number"] = number
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as exc:
            # Collected, not raised: one run reports every kind of failure it met.
            for failure in exc.exceptions if isinstance(exc, FailureGroup) else [exc]:
                key = f"{operation.label} [{mode.value}] {response.status_code} {failure.title}"
                failures.setdefault(key, f"{response.text[:300]}\n{case.as_curl_command(headers)}")

    # Unsatisfiable: nothing to break in a negative case (no parameter, body or token).
    with contextlib.suppress(Unsatisfiable):
        run()
    return failures


@pytest.mark.parametrize("username", ROLES)
def test_generated_requests_meet_no_server_error_and_only_declared_answers(
    transactional_db: Any, tickets: list[str], username: str
) -> None:
    # Each request commits as in production (transactional_db): a failed one rolls back
    # alone instead of poisoning the test's transaction for the requests after it.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    headers = {"Authorization": f"Bearer {_token(username)}"}
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures.update(_run(operation, mode, tickets, headers))
    assert len(operations) >= 18
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
