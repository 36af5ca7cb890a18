"""Shared fixtures: a small prefecture, users for every role, an API client.

Tests run on SQLite by default and on PostgreSQL when HOTLINE_DATABASE_URL points there.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.test import Client

from hotline.org.models import Level, Role, Unit, UnitKind, User

_codes = itertools.count(1)


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Any) -> Any:
    """``with committed(): ...`` runs the block's after-commit work (the after-commit
    followers of ticket changes: notifications, routing learning) when the block ends,
    as the real commit would. A test's own transaction never commits, so without this a
    test of those followers would see nothing happen — and pass vacuously when it
    asserts that nothing happened."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _audit_anchor_in_tmp(settings: Any, tmp_path: Any) -> None:
    """A test's audit signing key and checkpoints live in its own folder, never in the
    working directory's data folder."""
    settings.HOTLINE_AUDIT_KEY = str(tmp_path / "hotline-audit.key")
    settings.HOTLINE_AUDIT_CHECKPOINTS = str(tmp_path / "audit-checkpoints")
    settings.HOTLINE_AUDIT_WEBHOOK = ""


def make_unit(
    name: str, level: str, kind: str, parent: Unit | None = None, code: str | None = None, **kw: Any
) -> Unit:
    return Unit.objects.create(
        code=code or f"U{next(_codes):05d}",
        name=name,
        level=level,
        kind=kind,
        parent=parent,
        area=kw.pop("area", ""),
        **kw,
    )


def make_user(username: str, role: str, unit: Unit, password: str = "pass-12345") -> User:
    return User.objects.create_user(
        username=username, password=password, role=role, unit=unit, display_name=username
    )


class Org:
    """A centre, a prefecture with two counties, each with departments and townships."""

    def __init__(self) -> None:
        self.centre = make_unit("12345热线中心", Level.CENTRE, UnitKind.CENTRE, code="CENTRE")
        self.prefecture = make_unit("青山州人民政府", Level.PREFECTURE, UnitKind.GOVERNMENT, code="P")
        self.pref_housing = make_unit(
            "州住房和城乡建设局", Level.PREFECTURE, UnitKind.FUNCTIONAL, self.prefecture, code="P-ZJ"
        )
        self.county_a = make_unit(
            "滨江县人民政府", Level.COUNTY, UnitKind.GOVERNMENT, self.prefecture, code="A", area="滨江县"
        )
        self.a_housing = make_unit(
            "滨江县住建局", Level.COUNTY, UnitKind.FUNCTIONAL, self.county_a, code="A-ZJ"
        )
        self.a_town = make_unit(
            "滨江县城关镇", Level.TOWNSHIP, UnitKind.GOVERNMENT, self.county_a, code="A-CG", area="城关镇"
        )
        self.a_village = make_unit(
            "城关镇河西村", Level.VILLAGE, UnitKind.EXECUTING, self.a_town, code="A-CG-HX", area="河西村"
        )
        self.county_b = make_unit(
            "石门县人民政府", Level.COUNTY, UnitKind.GOVERNMENT, self.prefecture, code="B", area="石门县"
        )
        self.b_housing = make_unit(
            "石门县住建局", Level.COUNTY, UnitKind.FUNCTIONAL, self.county_b, code="B-ZJ"
        )
        self.b_town = make_unit(
            "石门县龙潭镇", Level.TOWNSHIP, UnitKind.GOVERNMENT, self.county_b, code="B-LT", area="龙潭镇"
        )
        self.disabled = make_unit(
            "已撤销的办公室", Level.COUNTY, UnitKind.FUNCTIONAL, self.county_a, code="A-OLD", active=False
        )

        self.operator = make_user("operator", Role.OPERATOR, self.centre)
        self.dispatcher = make_user("dispatcher", Role.DISPATCHER, self.centre)
        self.supervisor = make_user("supervisor", Role.SUPERVISOR, self.centre)
        self.reviewer = make_user("reviewer", Role.REVIEWER, self.centre)
        self.callback = make_user("callback", Role.CALLBACK, self.centre)
        self.leader = make_user("leader", Role.LEADER, self.centre)
        self.admin = make_user("admin", Role.ADMIN, self.centre)
        self.a_county_handler = make_user("a_gov", Role.HANDLER, self.county_a)
        self.a_housing_handler = make_user("a_zj", Role.HANDLER, self.a_housing)
        self.a_town_handler = make_user("a_cg", Role.HANDLER, self.a_town)
        self.a_village_handler = make_user("a_hx", Role.HANDLER, self.a_village)
        self.b_housing_handler = make_user("b_zj", Role.HANDLER, self.b_housing)
        self.b_town_handler = make_user("b_lt", Role.HANDLER, self.b_town)
        self.a_leader = make_user("a_leader", Role.LEADER, self.county_a)


def ensure_defaults() -> None:
    """The seeded configuration (calendar, policies): transactional tests empty every
    table afterwards, data migrations included, so put it back when it is gone."""
    from hotline.sla import calendar
    from hotline.sla.deadlines import invalidate_policies
    from hotline.sla.models import CalendarYear
    from hotline.sla.policies import seed_default_policies

    if not CalendarYear.objects.exists():
        calendar.seed_from_package()
    seed_default_policies()
    invalidate_policies()
    calendar.invalidate()
    # The unit tree is new in every test: on PostgreSQL its ids differ from the last
    # test's (sequences do not roll back), so places cached from it would name others.
    from hotline.triage.gazetteer import reset_cache

    reset_cache()


@pytest.fixture
def org(db: Any) -> Org:
    ensure_defaults()
    return Org()


class Api:
    """A JSON client that logs in through the token endpoint, as external clients do."""

    def __init__(self, client: Client, token: str | None = None) -> None:
        self.client = client
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, **self._headers())

    def post(self, path: str, body: Any = None, raw: str | None = None) -> Any:
        import json

        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(f"/api/v1{path}", data, content_type="application/json", **self._headers())

    def act(self, number: str, action: str, **fields: Any) -> Any:
        return self.post(f"/tickets/{number}/actions/{action}", fields)


@pytest.fixture
def api_as(org: Org) -> Any:
    def login(username: str, password: str = "pass-12345") -> Api:
        client = Client()
        anonymous = Api(client)
        response = anonymous.post("/auth/token", {"username": username, "password": password})
        assert response.status_code == 200, response.content
        return Api(client, response.json()["token"])

    return login
