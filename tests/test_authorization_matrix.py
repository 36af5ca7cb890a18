"""The authorization matrix: every route × every role (and anonymous) × a ticket in and out
of the caller's data scope.

The routes come from the URL configuration (every resolver walked) and from the
OpenAPI (every path × method); ``MATRIX`` below declares, in one table, what each role
gets from each of them. A route that either source has and the table lacks fails
``test_every_route_is_in_the_matrix`` by name, as does a row for a route that is gone.

``test_the_matrix`` asks every route as every role:
- on a route that names a ticket, three times: a ticket in the caller's scope, one
  outside it and a missing one (a notification: the caller's, someone else's, a missing
  one). The first must give the declared outcome; the second must answer byte for byte
  as the third (the number aside): a number outside the scope cannot be told from one
  that does not exist;
- on any other route, once (the admin's pages of a model after the first one: as the
  admin only, see ``Found.asked``).
No answer may be a server error. Every role's user belongs to the same county (a centre
user's scope is the whole platform, so nothing would lie outside it); the admin is staff,
as ``hotline user create --role admin`` makes it. Requests change nothing that a later
one reads: every form and body carries version 0, which no ticket has, so an action that
gets past its gates is refused as stale (or its form judged) before it changes anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from hotline.api import api
from hotline.knowledge.models import Article
from hotline.org.models import ApiToken, Role, User
from hotline.sla.models import Notification
from hotline.tickets.actions import ACTIONS
from hotline.web.models import Attachment
from tests.conftest import Org, make_user
from tests.web.helpers import dispatched

ANON = "anonymous"
FIRST_ID, MISSING_ID = 731_000, 739_999  # of the attachments and notifications asked about
ROLES: tuple[str, ...] = (*Role.values, ANON)
STAFF = tuple(Role.values)
OP, D, H, S, RV, C, L, A = (
    Role.OPERATOR,
    Role.DISPATCHER,
    Role.HANDLER,
    Role.SUPERVISOR,
    Role.REVIEWER,
    Role.CALLBACK,
    Role.LEADER,
    Role.ADMIN,
)

# Outcomes. OK: past every gate (the answer may still refuse the empty form: 4xx other
# than the ones below, or a redirect elsewhere). An int: exactly that status.
OK = "ok"
LOGIN = "login page"  # a redirect to /login/?next=…
ADMIN_LOGIN = "admin login page"  # a redirect to /admin/login/?next=…
Row = dict[str, Any]


def api_for(*roles: str, others: Any = 403) -> Row:
    """An API operation: ``roles`` get through, other roles ``others``, anonymous 401."""
    return {r: OK if r in roles else others for r in STAFF} | {ANON: 401}


def page_for(*roles: str, others: Any = 403) -> Row:
    """A staff page: ``roles`` get through, other roles ``others``, anonymous to the login."""
    return {r: OK if r in roles else others for r in STAFF} | {ANON: LOGIN}


def everyone(outcome: Any = OK) -> Row:
    return dict.fromkeys(ROLES, outcome)


def admin_only(admin: Any, others: Any = ADMIN_LOGIN) -> Row:
    """An admin page: only staff (the admin role) get past the admin's login."""
    return {r: admin if r == A else others for r in ROLES}


@dataclass(frozen=True)
class Route:
    method: str
    row: Row | dict[str, Row]  # per action for a route with an ``{action}``
    # The concrete values of a route's other parameters.
    params: dict[str, str] = field(default_factory=dict)
    # Logging out spends the client's session: such a route gets a client of its own.
    spends_session: bool = False


# Who may take each lifecycle action (a second statement of lifecycle.TRANSITIONS, on
# purpose: a change of who may do what has to be made here too, in sight of a reviewer).
ACTION_ROLES: dict[str, tuple[str, ...]] = {
    "answer": (OP, D),
    "reject": (OP, D),
    "transfer_police": (OP, D),
    "merge": (OP, D),
    "add_contact": (OP, D),  # the citizen adds on the portal, to their own ticket only
    "release_assist": (D,),
    "police_ack": (),  # what 110 says: recorded by the 110 link as the platform only
    "police_result": (),
    "dispatch": (D,),
    "sign": (H,),
    "return": (H,),
    "rule_return": (D,),
    "subdispatch": (H,),
    "request_extension": (H,),
    "decide_extension": (D,),
    "suspend": (H, D),
    "decide_suspension": (D,),
    "resume": (H, D),
    "warn": (S,),
    "urge": (S,),
    "supervise": (S,),
    "progress": (H,),
    "report": (H,),
    "review": (RV,),
    "callback": (C,),
    "archive": (C,),
    "citizen_rating": (),  # the citizen's own, through the portal's lookup only
    "unit_complaint": (S,),
}

PAGE_ACTIONS = ("answer", "sign", "review", "citizen_rating")
# Django's admin makes the same five pages (and a redirect) for every registered model,
# all behind its own staff-and-permission check: one row each, for every model.
ADMIN_MODEL_VIEWS = ("changelist", "add", "history", "delete", "change", "object")
RECORDS_IN_ADMIN = ("routing_routingfeedback", "routing_suggestionrecord", "open311_apikey")

MATRIX: dict[str, Route] = {
    # The API (the OpenAPI's paths and methods).
    "POST /api/v1/auth/token": Route("POST", everyone()),
    "GET /api/v1/me": Route("GET", api_for(*STAFF)),
    "GET /api/v1/units": Route("GET", api_for(*STAFF)),
    # No ticket is named, so nothing to probe: the body is judged before the role.
    "POST /api/v1/tickets": Route("POST", api_for(*STAFF)),
    "GET /api/v1/tickets": Route("GET", api_for(*STAFF)),
    "GET /api/v1/tickets/{number}": Route("GET", api_for(*STAFF)),
    "GET /api/v1/tickets/{number}/events": Route("GET", api_for(*STAFF)),
    "GET /api/v1/tickets/{number}/suggestions": Route("GET", api_for(*STAFF)),
    "GET /api/v1/search/tickets": Route("GET", api_for(*STAFF)),
    "POST /api/v1/tickets/{number}/actions/{action}": Route(
        "POST", {action: api_for(*roles) for action, roles in ACTION_ROLES.items()}
    ),
    # Without the citizen's digits the form is refused before any ticket is looked up.
    "GET /api/v1/public/tickets/{number}": Route("GET", everyone()),
    "GET /api/v1/public/audit/head": Route("GET", everyone()),
    "GET /api/v1/notifications": Route("GET", api_for(*STAFF)),
    "POST /api/v1/notifications/{notification_id}/read": Route("POST", api_for(*STAFF)),
    "GET /api/v1/kpis/definitions": Route("GET", api_for(*STAFF)),
    "GET /api/v1/kpis": Route("GET", api_for(*STAFF)),
    "GET /api/v1/kpis/ranking": Route("GET", api_for(*STAFF)),
    "GET /api/v1/kpis/drill": Route("GET", api_for(*STAFF)),
    "GET /api/v1/hotspots": Route("GET", api_for(*STAFF)),
    "GET /api/v1/risks": Route("GET", api_for(*STAFF)),
    # The API's own pages.
    "GET /api/v1/": Route("GET", everyone(404)),  # no page of its own
    "GET /api/v1/openapi.json": Route("GET", everyone()),
    "GET /api/v1/docs": Route("GET", everyone()),
    "GET /api/docs": Route("GET", everyone()),
    # Pages.
    "GET /": Route("GET", everyone()),
    "GET /healthz": Route("GET", everyone()),
    "GET /login/": Route("GET", everyone()),
    "POST /logout/": Route("POST", everyone(), spends_session=True),
    "GET /password/": Route("GET", page_for(*STAFF)),
    "GET /inbox/": Route("GET", page_for(*STAFF)),
    "POST /inbox/read-all/": Route("POST", page_for(*STAFF)),
    "POST /inbox/{notification_id}/read/": Route("POST", page_for(*STAFF)),
    "GET /inbox/{notification_id}/open/": Route("GET", page_for(*STAFF)),
    "GET /intake/": Route("GET", page_for(OP, D, A)),
    "POST /intake/suggest/": Route("POST", page_for(OP, D, A)),
    "POST /intake/caller/": Route("POST", page_for(OP, D, A)),
    "GET /tickets/{number}/": Route("GET", page_for(*STAFF)),
    # The page asks the same check_role as the API (asked above for every action): one
    # action for each kind of gate keeps the matrix fast, as each answer is a whole page.
    "POST /tickets/{number}/act/{action}/": Route(
        "POST", {action: page_for(*ACTION_ROLES[action]) for action in PAGE_ACTIONS}
    ),
    "POST /tickets/{number}/reveal/": Route("POST", page_for(OP, D, H, C)),
    "GET /tickets/{number}/files/{attachment_id}/": Route("GET", page_for(*STAFF)),
    # 找工单: every staff member searches their own scope; a bulk form without its action
    # is refused (422) before the role's gate; a saved filter is its owner's (0: nobody's).
    "GET /search/": Route("GET", page_for(*STAFF)),
    "POST /search/bulk/": Route("POST", page_for(*STAFF)),
    "POST /search/filters/": Route("POST", page_for(*STAFF)),
    "POST /search/filters/{filter_id}/delete/": Route("POST", page_for(others=404), {"filter_id": "0"}),
    "GET /kb/": Route("GET", everyone()),
    "GET /kb/{article_id}/": Route("GET", everyone()),
    "GET /kb/manage/": Route("GET", page_for(*STAFF)),
    "GET /kb/manage/new/": Route("GET", page_for(*STAFF)),
    "GET /kb/manage/{article_id}/": Route("GET", page_for(*STAFF)),
    # Only the centre's staff approve, and every role's user here belongs to a county.
    "POST /kb/manage/{article_id}/approve/": Route("POST", page_for()),
    "GET /portal/": Route("GET", everyone()),
    "GET /portal/submitted/": Route("GET", everyone()),
    "GET /portal/track/": Route("GET", everyone()),
    "POST /portal/rate/": Route("POST", everyone()),
    # Open311 GeoReport v2: public; its POST (on the same path as the list) needs an api_key.
    "GET /open311/v2/discovery.{fmt}": Route("GET", everyone(), {"fmt": "json"}),
    "GET /open311/v2/services.{fmt}": Route("GET", everyone(), {"fmt": "xml"}),
    "GET /open311/v2/services/{code}.{fmt}": Route("GET", everyone(404), {"code": "nosuch", "fmt": "json"}),
    "GET /open311/v2/requests.{fmt}": Route("GET", everyone(), {"fmt": "json"}),
    "GET /open311/v2/requests/{request_id}.{fmt}": Route(
        "GET", everyone(404), {"request_id": "0", "fmt": "xml"}
    ),
    "GET /open311/v2/servicerequestupdates.{fmt}": Route("GET", everyone(), {"fmt": "xml"}),
    "GET /open311/v2/tokens/{token}.{fmt}": Route("GET", everyone(404), {"token": "nosuch", "fmt": "json"}),
    # WeChat's message server: signed by WeChat, no session; absent until configured.
    "GET /channels/wechat/": Route("GET", everyone(404)),
    # The 110 link: signed by 110 (HMAC), no session; absent until configured.
    "POST /channels/police/": Route("POST", everyone(404)),
    # The SMS gateway's pushes: signed by the gateway (HMAC), no session; absent until configured.
    "POST /channels/sms/": Route("POST", everyone(404)),
    "POST /channels/sms/report/": Route("POST", everyone(404)),
    "GET /analytics/report/": Route("GET", page_for(*STAFF)),
    "GET /analytics/export/kpis.xlsx": Route("GET", page_for(*STAFF)),
    "GET /analytics/export/drill.xlsx": Route("GET", page_for(*STAFF)),
    # The role consoles: the console's role first (a 403 whatever the ticket), then the scope.
    "GET /dispatch/": Route("GET", page_for(D)),
    "POST /dispatch/bulk/": Route("POST", page_for(D)),
    "GET /dispatch/units/": Route("GET", page_for(D)),
    "POST /dispatch/{number}/dispatch/": Route("POST", page_for(D)),
    "POST /dispatch/{number}/rule-return/": Route("POST", page_for(D)),
    "POST /dispatch/{number}/decide/": Route("POST", page_for(D)),
    "GET /unit/": Route("GET", page_for(H)),
    "GET /unit/units/": Route("GET", page_for(H)),
    "POST /unit/{number}/{action}/": Route("POST", page_for(H), {"action": "sign"}),
    "GET /supervise/": Route("GET", page_for(S)),
    "GET /supervise/units/": Route("GET", page_for(S)),
    "POST /supervise/complaints/": Route("POST", page_for(S)),
    "POST /supervise/{number}/{step}/": Route("POST", page_for(S), {"step": "urge"}),
    "GET /review/": Route("GET", page_for(RV)),
    "POST /review/{number}/": Route("POST", page_for(RV)),
    "GET /callback/": Route("GET", page_for(C)),
    "POST /callback/{number}/": Route("POST", page_for(C)),
    "POST /callback/{number}/archive/": Route("POST", page_for(C)),
    "POST /callback/{number}/phone/": Route("POST", page_for(C)),
    "GET /leader/": Route("GET", page_for(L, A)),
    "GET /leader/tickets/": Route("GET", page_for(L, A)),
    "GET /leader/hotspots/": Route("GET", page_for(L, A)),
    "POST /leader/hotspots/push/": Route("POST", page_for(L, A)),
    # Django's admin site (keyed by URL name): staff only; the admin role manages the
    # platform's models (units, users, routing, calendars …), Django's own groups stay
    # with a superuser.
    "admin:index": Route("GET", admin_only(OK)),
    "admin:login": Route("GET", everyone()),
    "admin:logout": Route("POST", admin_only(OK, others=OK), spends_session=True),
    "admin:password_change": Route("GET", admin_only(OK)),
    "admin:password_change_done": Route("GET", admin_only(OK)),
    "admin:autocomplete": Route("GET", admin_only(403)),
    "admin:jsi18n": Route("GET", admin_only(OK)),
    "admin:view_on_site": Route("GET", admin_only(404), {"content_type_id": "1", "object_id": "1"}),
    "admin:app_list": Route("GET", admin_only(OK), {"app_label": "org"}),
    "admin:<any other path>": Route("GET", admin_only(404), {"url": "no/such/page/"}),
    # A user of the fixture (``Fixture.values``: ids differ between databases).
    "admin:auth_user_password_change": Route("GET", admin_only(OK)),
    # Records the platform writes (routing's feedback and suggestions) and API keys (made
    # by ``hotline open311 key create``, shown once): viewed in the admin, never added.
    "admin:<record>_add": Route("GET", admin_only(403)),
    # Asked about an object that does not exist: a history or an old object URL goes back
    # to the index; a change or delete page refuses a user without the permission first.
    **{
        f"admin:<model>_{view}": Route("GET", admin_only(OK), {"object_id": "0"})
        for view in ADMIN_MODEL_VIEWS
    },
    **{
        f"admin:auth_<model>_{view}": Route(
            "GET", admin_only(OK if view in ("history", "object") else 403), {"object_id": "0"}
        )
        for view in ADMIN_MODEL_VIEWS
    },
}


# ---------------------------------------------------------------------------------------
# The routes as the URL configuration and the OpenAPI have them.

_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, str]]:
    """(path template, namespace, URL name) of every route."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace and namespace else entry.namespace
            yield from _walk(entry, prefix + str(entry.pattern), inner or namespace)
        else:
            assert isinstance(entry, URLPattern)
            yield prefix + str(entry.pattern), namespace, entry.name or ""


def _admin_key(template: str, name: str) -> str:
    """The matrix row of an admin route: its name, or its kind for a model's page."""
    # Django's own models (auth) and the platform's have rows of their own.
    django_own = "auth_" if name.startswith("auth_") or "admin/auth/" in template else ""
    model_page = re.fullmatch(r"(\w+?_\w+?)_(changelist|add|history|delete|change)", name)
    if model_page and name != "auth_user_password_change":
        if model_page.group(2) == "add" and model_page.group(1) in RECORDS_IN_ADMIN:
            return "admin:<record>_add"
        return f"admin:{django_own}<model>_{model_page.group(2)}"
    if not name and template.endswith("<path:object_id>/"):
        return f"admin:{django_own}<model>_object"  # the old object URL, redirected to its change page
    if not name and "(?P<url>" in template:
        return "admin:<any other path>"
    return f"admin:{name}"


@dataclass(frozen=True)
class Found:
    key: str  # its row in MATRIX
    path: str  # "/tickets/{number}/": a URL once its parameters are filled in
    # Who is asked: every role, but on the admin's pages of a model after the first one
    # only the staff (the admin's own login turns everyone else away before any model's
    # code runs, and the first model shows that).
    asked: tuple[str, ...] = ROLES


def routes() -> list[Found]:
    found: list[Found] = []
    for template, namespace, name in _walk(get_resolver()):
        path = "/" + _CONVERTER.sub(r"{\1}", template)
        if namespace == "admin":
            key = _admin_key(template, name)
            again = "<model>" in key and any(f.key == key for f in found)
            found.append(Found(key, _admin_path(template), (A,) if again else ROLES))
        elif namespace == "api-v1" and name not in ("api-root", "openapi-json", "openapi-view"):
            continue  # an operation: the OpenAPI names it with its method
        else:
            found.append(Found(f"{_method_of(path)} {path}", path))
    for path, operations in api.get_openapi_schema()["paths"].items():
        found.extend(Found(f"{method.upper()} {path}", path) for method in operations)
    return found


def _method_of(path: str) -> str:
    """A page's row says with which method it is asked (GET unless the row says POST)."""
    return "POST" if f"POST {path}" in MATRIX else "GET"


def _admin_path(template: str) -> str:
    """An admin URL template as a path with {name} parameters (its regex parts resolved)."""
    path = "/" + template.replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)
    return _CONVERTER.sub(r"{\1}", path)


def test_every_route_is_in_the_matrix() -> None:
    found = routes()
    missing = sorted({r.key for r in found} - set(MATRIX))
    assert not missing, f"routes missing from the authorization matrix: {missing}"
    gone = sorted(set(MATRIX) - {r.key for r in found})
    assert not gone, f"matrix rows for routes that no longer exist: {gone}"
    for key, route in MATRIX.items():
        per_action = _per_action(key, route)
        for row in route.row.values() if per_action else [route.row]:
            assert set(row) == set(ROLES), f"{key}: a row must name every role and anonymous"
        if per_action and key.startswith("POST /api/"):
            assert set(route.row) == set(ACTIONS), f"{key}: one row per action ({sorted(ACTIONS)})"
        elif per_action:
            assert set(route.row) <= set(ACTIONS), f"{key}: rows for actions that are gone"


def _per_action(key: str, route: Route) -> bool:
    """Whether a route's row is one row per lifecycle action (its ``{action}`` is one)."""
    return "{action}" in key and "action" not in route.params


# ---------------------------------------------------------------------------------------
# Asking every route as every role.


class Fixture:
    """The fixture prefecture, a user of every role in county A, and what they ask about."""

    def __init__(self, org: Org, media: Path) -> None:
        self.users: dict[str, User] = {}
        for role in STAFF:
            user = make_user(f"m_{role}", role, org.county_a)
            if role == A:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            self.users[role] = user
        self.inside = dispatched(org, lead="A-ZJ")
        self.outside = dispatched(org, lead="B-ZJ")
        self.missing = self.inside.number[:-5] + "99999"
        assert len(self.missing) == len(self.outside.number)
        # Ids of their own range, so that a page's other figures are never taken for them.
        self.files = {
            t.number: Attachment.objects.create(
                pk=FIRST_ID + i,
                ticket=t,
                file=ContentFile(b"\x89PNG\r\n\x1a\nphoto", name="photo.png"),
                content_type="image/png",
                size=13,
            ).pk
            for i, t in enumerate((self.inside, self.outside))
        }
        elsewhere = org.b_town_handler
        self.notes = {}
        for i, (role, user) in enumerate([*self.users.items(), ("elsewhere", elsewhere)]):
            self.notes[role] = Notification.objects.create(
                pk=FIRST_ID + 100 + i,
                user=user,
                ticket=None,
                kind="test",
                title="消息",
                created_at=self.inside.created_at,
            ).pk
        self.article = self._article(org)
        self.clients = {role: self._client(role) for role in ROLES}
        self.tokens = {role: ApiToken.issue(user) for role, user in self.users.items()}
        self.address = 0

    def _article(self, org: Org) -> int:
        """An approved, published article of the county (not indexed: nothing here searches)."""
        article = Article.objects.create(
            title="矩阵条目",
            body="测试用",
            owner_unit=org.county_a,
            published=True,
            approved_at=self.inside.created_at,
        )
        return article.pk

    def _client(self, role: str) -> Client:
        client = Client()
        if role != ANON:
            client.force_login(self.users[role])
        return client

    def values(self, role: str, case: str) -> dict[str, str]:
        """The parameters naming a ticket (and what hangs on it) in one case."""
        number = {"in": self.inside.number, "out": self.outside.number, "missing": self.missing}[case]
        own = self.notes.get(role, self.notes["elsewhere"])
        note = {"in": own, "out": self.notes["elsewhere"], "missing": MISSING_ID}[case]
        return {
            "number": number,
            "attachment_id": str(self.files.get(number, MISSING_ID)),
            "notification_id": str(note),
            "article_id": str(self.article),
            "id": str(self.users[OP].pk),  # the admin's password page of another user
        }

    def ask(self, route: Route, path: str, role: str) -> Any:
        self.address += 1
        client = self._client(role) if route.spends_session else self.clients[role]
        headers: dict[str, Any] = {"REMOTE_ADDR": f"10.9.{self.address // 250}.{self.address % 250 + 1}"}
        if path.startswith("/api/v1/") and role != ANON:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {self.tokens[role]}"
        if route.method == "POST":
            # A version no ticket has: an action that gets this far refuses it as stale.
            if path.startswith("/api/v1/"):
                response = client.post(path, '{"version": 0}', content_type="application/json", **headers)
            else:
                response = client.post(path, {"version": "0"}, **headers)
        else:
            response = client.get(path, **headers)
        client.cookies.pop("messages", None)  # a message left for the next page would differ
        return response


def outcome(response: Any) -> Any:
    status = response.status_code
    if status in (301, 302):
        location = response["Location"]
        if location.startswith("/login/"):
            return LOGIN
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
    if status in (401, 403, 404) or status >= 500:
        return status
    return OK


_CSRF = re.compile(r'(csrfmiddlewaretoken" value="|csrf-token" content="|"X-CSRFToken": ")[A-Za-z0-9]+')


def shown(response: Any, values: dict[str, str]) -> tuple[Any, ...]:
    """What a response tells its caller, with the case's own numbers (``values``: those in
    its path) and the per-request CSRF token written as placeholders."""

    def blank(text: str) -> str:
        for name, value in values.items():
            text = text.replace(value, "{" + name + "}")
        return _CSRF.sub(r"\1…", text)

    body = b"".join(response.streaming_content) if response.streaming else response.content
    return (
        response.status_code,
        response.get("Content-Type", ""),
        blank(response.get("Location", "")),
        blank(body.decode("utf-8", "replace")),
    )


SCOPED = ("{number}", "{notification_id}")


@pytest.fixture
def fixture(org: Org, settings: Any, tmp_path: Path) -> Fixture:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Fixture(org, tmp_path)


def _cells(found: Found) -> Iterator[tuple[str, Row, dict[str, str]]]:
    """(path with the non-scope parameters filled in, row, parameters) of each cell."""
    route = MATRIX[found.key]
    if _per_action(found.key, route):
        for action, row in route.row.items():
            yield found.path.replace("{action}", action), row, {}
    else:
        yield found.path, route.row, route.params


def test_the_matrix(fixture: Fixture) -> None:
    wrong: list[str] = []
    asked, routes_asked, scoped_routes = 0, 0, 0
    for found in routes():
        route = MATRIX.get(found.key)
        if route is None:
            continue  # test_every_route_is_in_the_matrix names it
        for template, row, params in _cells(found):
            for name, value in params.items():
                template = template.replace("{" + name + "}", value)
            scoped = any(p in template for p in SCOPED)
            routes_asked += 1
            scoped_routes += scoped
            for role in found.asked:
                answers = {}
                for case in ("in", "out", "missing") if scoped else ("in",):
                    values = {
                        name: value
                        for name, value in fixture.values(role, case).items()
                        if "{" + name + "}" in template
                    }
                    path = template
                    for name, value in values.items():
                        path = path.replace("{" + name + "}", value)
                    response = fixture.ask(route, path, role)
                    asked += 1
                    answers[case] = (response, values)
                    if response.status_code >= 500:
                        wrong.append(f"{route.method} {path} as {role}: server error {response.status_code}")
                got = outcome(answers["in"][0])
                if got != row[role]:
                    wrong.append(f"{route.method} {template} as {role}: {got}, expected {row[role]}")
                if scoped:
                    out, missing = shown(*answers["out"]), shown(*answers["missing"])
                    if out != missing:
                        wrong.append(
                            f"{route.method} {template} as {role}: outside the scope {out[:3]} "
                            f"differs from missing {missing[:3]}"
                        )
                    if row[role] in (LOGIN, ADMIN_LOGIN, 401) and shown(*answers["in"]) != missing:
                        wrong.append(f"{route.method} {template} as {role}: refused differently per ticket")
    print(
        f"authorization matrix: {routes_asked} routes ({scoped_routes} naming a ticket or a "
        f"notification: in scope, outside it, missing) × {len(ROLES)} roles: {asked} requests"
    )
    assert not wrong, "\n".join(wrong)


BAD_BODIES = ("{not json", "[1]", '{"version": "x"}', "[" * 100_000 + "]" * 100_000, '{"reason": 7}')


def test_the_scope_and_the_role_come_before_the_body(fixture: Fixture) -> None:
    """A bad body on a ticket outside the scope is a 404 like a missing ticket's, without a
    token a 401 whatever the ticket; a role that may not act hears 403 before its body is
    judged, and only a role that may act gets its body judged (422)."""
    handler = fixture.clients[H]
    token = {"HTTP_AUTHORIZATION": f"Bearer {fixture.tokens[H]}"}
    reviewer = {"HTTP_AUTHORIZATION": f"Bearer {fixture.tokens[RV]}"}
    outside, missing, inside = fixture.outside.number, fixture.missing, fixture.inside.number

    def act(number: str, body: str, headers: dict[str, str], action: str = "return") -> Any:
        path = f"/api/v1/tickets/{number}/actions/{action}"
        return handler.post(path, body, content_type="application/json", **headers)

    for body in BAD_BODIES:
        refused = act(outside, body, token)
        assert (refused.status_code, refused.json()) == (
            404,
            {"code": "not_found", "message": f"工单 {outside} 不存在"},
        )
        assert shown(refused, {"number": outside}) == shown(act(missing, body, token), {"number": missing})
        for number in (inside, outside, missing):
            assert act(number, body, {}).json() == {"code": "unauthorized", "message": "未登录或令牌无效"}
        assert act(inside, body, reviewer).status_code == 403
        assert act(inside, body, token).status_code == 422
        page = handler.post(f"/tickets/{outside}/act/return/", {"version": "x", "reason": ""})
        gone = handler.post(f"/tickets/{missing}/act/return/", {"version": "x", "reason": ""})
        assert page.status_code == 404 and shown(page, {"number": outside}) == shown(
            gone, {"number": missing}
        )


def test_the_matrix_can_fail(fixture: Fixture) -> None:
    """The comparison sees a difference: a ticket's own page and a missing one's differ."""
    inside, missing = fixture.values(H, "in"), fixture.values(H, "missing")
    route = MATRIX["GET /tickets/{number}/"]
    a = fixture.ask(route, f"/tickets/{inside['number']}/", H)
    b = fixture.ask(route, f"/tickets/{missing['number']}/", H)
    assert shown(a, {"number": inside["number"]}) != shown(b, {"number": missing["number"]})
    assert json.loads(fixture.ask(MATRIX["GET /api/v1/me"], "/api/v1/me", H).content)["role"] == H
