"""The demo's plan (no database): exact figures, code scheme, routes, determinism."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from django.contrib.auth.password_validation import validate_password

from hotline.demo.life import Place
from hotline.demo.orgtree import DEMO_PASSWORD, FULL_EXECUTING, FULL_FUNCTIONAL, FULL_USERS, plan_org
from hotline.demo.requests import REQUESTS
from hotline.demo.routing import Router
from hotline.org.models import Level, UnitKind, User


@pytest.fixture(scope="module", params=["small", "full"])
def plan(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    return plan_org(request.param)


def test_full_plan_matches_the_study() -> None:
    full = plan_org("full")
    kinds = Counter(u.kind for u in full.units)
    assert kinds[UnitKind.FUNCTIONAL] == FULL_FUNCTIONAL == 755
    assert kinds[UnitKind.EXECUTING] == FULL_EXECUTING == 10_520
    assert len(full.users) == FULL_USERS == 23_219


def test_plan_is_a_tree_with_unique_codes_and_usernames(plan) -> None:  # type: ignore[no-untyped-def]
    codes = [u.code for u in plan.units]
    assert len(codes) == len(set(codes))
    seen: set[str] = set()
    for unit in plan.units:
        assert unit.parent is None or unit.parent in seen, unit.code  # parents first
        seen.add(unit.code)
        assert len(unit.code) <= 32 and len(unit.name) <= 100
    names = [u.username for u in plan.users]
    assert len(names) == len(set(names))
    assert {u.unit for u in plan.users} <= seen
    by_code = {u.code: u for u in plan.units}
    assert by_code["CENTRE"].level == Level.CENTRE and by_code["Q"].kind == UnitKind.GOVERNMENT
    assert by_code["Q03-GAJ-02"].parent == "Q03-GAJ" and by_code["Q03-02-03"].parent == "Q03-02"


def test_plan_is_deterministic() -> None:
    a, b = plan_org("small"), plan_org("small")
    assert [(u.code, u.name) for u in a.units] == [(u.code, u.name) for u in b.units]
    assert [(u.username, u.display_name) for u in a.users] == [(u.username, u.display_name) for u in b.users]


def test_every_request_routes_to_units_below_each_other(plan) -> None:  # type: ignore[no-untyped-def]
    by_code = {u.code: u for u in plan.units}
    router = Router({u.code: u.name for u in plan.units})
    rng = random.Random(1)
    for county in plan.counties:
        for town in county.townships[:3]:
            place = Place(county, town, town.villages[0])
            for request in REQUESTS:
                for route in request.routes:
                    chain = router.resolve(route, place)
                    for upper, lower in zip(chain, chain[1:], strict=False):
                        assert by_code[lower].parent == upper, (route, chain)
                assert router.chain(request, place, rng)
                wrong = router.wrong(router.chain(request, place, rng)[0], place, rng)
                assert wrong in by_code


def test_the_demo_password_passes_the_validators_for_every_demo_user() -> None:
    """The demo sets its one password without asking the validators (hashed once for
    thousands of users); it must pass them all the same."""
    for spec in plan_org("small").users:
        user = User(username=spec.username, display_name=spec.display_name, phone=spec.phone)
        validate_password(DEMO_PASSWORD, user)  # raises ValidationError naming the user's attribute
