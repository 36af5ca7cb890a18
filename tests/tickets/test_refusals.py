"""What the core must refuse — each with the right status, a clear message, and no write."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.audit.models import Event
from hotline.tickets.models import Assignment, Contact, Ticket

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, int, int, int]:
    # Signing in (``api_as``) is recorded too: count every other event.
    events = Event.objects.exclude(action="login").count()
    return Ticket.objects.count(), Contact.objects.count(), Assignment.objects.count(), events


def create(api: Any, **extra: Any) -> str:
    r = api.post(
        "/tickets",
        {"channel": "phone", "text": "小区门口下水道堵塞污水外溢", "phone": "13700001234", **extra},
    )
    assert r.status_code == 201, r.content
    return str(r.json()["number"])


def test_unknown_ticket_is_404(org: Any, api_as: Any) -> None:
    op = api_as("operator")
    assert op.get("/tickets/2099010100001").status_code == 404
    assert op.get("/tickets/2099010100001/events").status_code == 404
    r = op.act("2099010100001", "answer", answer="x")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_unknown_action_is_404(org: Any, api_as: Any) -> None:
    op = api_as("operator")
    number = create(op)
    assert op.act(number, "teleport").status_code == 404


def test_action_not_allowed_in_state_is_409_with_allowed_actions(org: Any, api_as: Any) -> None:
    op, disp = api_as("operator"), api_as("dispatcher")
    number = create(op)
    before = counts()
    r = api_as("reviewer").act(number, "review", passed=True)
    assert r.status_code == 409
    body = r.json()
    assert (
        body["code"] == "invalid_state"
        and "dispatch" in body["allowed_actions"]
        and "answer" in body["allowed_actions"]
    )
    assert counts() == before
    disp.act(number, "dispatch", lead_unit="A-ZJ")
    r = disp.act(number, "dispatch", lead_unit="B-ZJ")
    assert r.status_code == 409 and set(r.json()["allowed_actions"]) >= {"sign", "return", "urge"}


def test_role_not_allowed_is_403_and_writes_nothing(org: Any, api_as: Any) -> None:
    op = api_as("operator")
    number = create(op)
    before = counts()
    for user, action, fields in [
        ("operator", "dispatch", {"lead_unit": "A-ZJ"}),
        ("supervisor", "answer", {"answer": "好"}),
        ("leader", "reject", {"reason": "x"}),
        ("callback", "dispatch", {"lead_unit": "A-ZJ"}),
    ]:
        r = api_as(user).act(number, action, **fields)
        assert r.status_code == 403, (user, action, r.content)
        assert r.json()["message"]
    # A handler whose unit never held the ticket: outside the scope comes before the role.
    assert api_as("a_zj").act(number, "answer", answer="好").status_code == 404
    assert counts() == before


def test_data_scope_hides_and_forbids(org: Any, api_as: Any) -> None:
    op, disp = api_as("operator"), api_as("dispatcher")
    number = create(op)
    disp.act(number, "dispatch", lead_unit="A-CG")
    other_county = api_as("b_lt")
    # Outside the scope: 404 when reading or acting, as for a missing ticket; absent from lists.
    assert other_county.get(f"/tickets/{number}").status_code == 404
    assert other_county.get("/tickets").json()["total"] == 0
    before = counts()
    refused = other_county.act(number, "sign")
    assert (refused.status_code, refused.json()) == (
        404,
        {"code": "not_found", "message": f"工单 {number} 不存在"},
    )
    assert counts() == before
    # The county above the township sees it; the township sees it; a village below does not.
    assert api_as("a_gov").get(f"/tickets/{number}").status_code == 200
    assert api_as("a_leader").get("/tickets").json()["total"] == 1
    assert api_as("a_cg").get(f"/tickets/{number}").status_code == 200
    assert api_as("a_hx").get(f"/tickets/{number}").status_code == 404
    # A county user sees the county's units only.
    codes = {u["code"] for u in api_as("a_gov").get("/units").json()["items"]}
    assert "A-CG" in codes and "B" not in codes and "CENTRE" not in codes
    # The unit above may see but not sign for its township.
    assert api_as("a_gov").act(number, "sign").status_code == 403


def test_dispatch_refuses_disabled_unknown_and_out_of_scope_units(org: Any, api_as: Any) -> None:
    op, disp = api_as("operator"), api_as("dispatcher")
    number = create(op)
    before = counts()
    r = disp.act(number, "dispatch", lead_unit="A-OLD")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "lead_unit"]
    r = disp.act(number, "dispatch", lead_unit="NOPE")
    assert r.status_code == 422
    r = disp.act(number, "dispatch", lead_unit="A-ZJ", assist_units=["A-ZJ"])
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "assist_units.0"]
    assert counts() == before


def test_subdispatch_only_to_a_unit_below(org: Any, api_as: Any) -> None:
    op, disp, a = api_as("operator"), api_as("dispatcher"), api_as("a_zj")
    number = create(op)
    disp.act(number, "dispatch", lead_unit="A-ZJ")
    a.act(number, "sign")
    before = counts()
    r = a.act(number, "subdispatch", unit="B-LT")
    assert r.status_code in (403, 422)
    r = a.act(number, "subdispatch", unit="A-CG")  # a sibling branch, not below the bureau
    assert r.status_code == 422 and "下级" in r.json()["message"]
    assert counts() == before


def test_malformed_or_missing_fields_are_422_naming_the_field(org: Any, api_as: Any) -> None:
    op = api_as("operator")
    before = counts()
    r = op.post("/tickets", {"channel": "phone"})
    assert r.status_code == 422 and "text" in str(r.json()["detail"])
    r = op.post("/tickets", {"channel": "pigeon", "text": "x"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "channel"]
    r = op.post("/tickets", {"channel": "phone", "text": "   "})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "text"]
    r = op.post("/tickets", {"channel": "phone", "text": "路灯坏了", "lat": 95, "lng": 100})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "lat"]
    r = op.post("/tickets", {"channel": "phone", "text": "路灯坏了", "phone": "call me"})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "phone"]
    r = op.post("/tickets", raw="{not json")
    assert r.status_code in (400, 422)
    assert counts() == before

    number = create(op)
    before = counts()
    r = op.act(number, "reject", reason="")
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "reason"]
    r = op.act(number, "reject")
    assert r.status_code == 422 and "reason" in str(r.json()["detail"])
    r = op.act(number, "reject", reason="x", colour="red")
    assert r.status_code == 422 and "colour" in str(r.json()["detail"])
    r = op.post(f"/tickets/{number}/actions/reject", raw="[1,2]")
    assert r.status_code == 422
    r = api_as("dispatcher").act(number, "dispatch", lead_unit="A-ZJ", assist_units="A-CG")
    assert r.status_code == 422
    assert counts() == before


def test_duplicate_idempotency_key_returns_the_first_result(org: Any, api_as: Any) -> None:
    op = api_as("operator")
    body = {"channel": "app", "text": "公交12路晚上太早收班", "idempotency_key": "app-7f3a-0001"}
    first = op.post("/tickets", body)
    assert first.status_code == 201
    before = counts()
    again = op.post("/tickets", {**body, "text": "retry with other text"})
    assert again.status_code == 200
    assert again.json()["number"] == first.json()["number"]
    assert again.json()["text"] == "公交12路晚上太早收班"
    assert counts() == before


def test_stale_version_is_409_and_no_double_action(org: Any, api_as: Any) -> None:
    op, disp = api_as("operator"), api_as("dispatcher")
    number = create(op)
    seen = op.get(f"/tickets/{number}").json()["version"]
    assert disp.act(number, "dispatch", lead_unit="A-ZJ", version=seen).status_code == 200
    before = counts()
    r = disp.act(number, "urge", version=seen)
    assert r.status_code in (403, 409)
    r = api_as("supervisor").act(number, "urge", version=seen)
    assert r.status_code == 409 and r.json()["code"] == "stale"
    assert counts() == before


def test_unauthenticated_and_bad_login(org: Any, api_as: Any) -> None:
    from django.test import Client

    client = Client()
    assert client.get("/api/v1/tickets").status_code == 401
    assert client.get("/api/v1/tickets", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    r = client.post(
        "/api/v1/auth/token", {"username": "operator", "password": "wrong"}, content_type="application/json"
    )
    assert r.status_code == 401


def test_public_lookup_needs_matching_last4_and_hides_personal_data(org: Any, api_as: Any) -> None:
    from django.test import Client

    op = api_as("operator")
    number = create(op, citizen_name="李四")
    client = Client()
    assert client.get(f"/api/v1/public/tickets/{number}", {"phone_last4": "0000"}).status_code == 404
    assert client.get(f"/api/v1/public/tickets/{number}", {"phone_last4": "12a4"}).status_code == 422
    r = client.get(f"/api/v1/public/tickets/{number}", {"phone_last4": "1234"})
    assert r.status_code == 200
    assert "李四" not in r.content.decode() and "13700001234" not in r.content.decode()


def test_unmasked_read_is_recorded_and_limited_to_roles_that_need_it(org: Any, api_as: Any) -> None:
    op = api_as("operator")
    number = create(op, citizen_name="王五")
    assert op.get(f"/tickets/{number}").json()["phone"] == "137****1234"
    r = op.get(f"/tickets/{number}", unmask="true")
    assert r.json()["phone"] == "13700001234" and r.json()["citizen_name"] == "王五"
    assert Event.objects.filter(ticket__number=number, action="view_personal_data").count() == 1
    assert api_as("leader").get(f"/tickets/{number}", unmask="true").status_code == 403


def test_list_filters_and_pagination(org: Any, api_as: Any) -> None:
    op, disp = api_as("operator"), api_as("dispatcher")
    numbers = [create(op, text=f"第{i}号 噪音扰民 夜间施工") for i in range(23)]
    disp.act(numbers[0], "dispatch", lead_unit="A-ZJ")
    page1 = op.get("/tickets").json()
    assert page1["total"] == 23 and len(page1["items"]) == 20
    assert len(op.get("/tickets", page=2).json()["items"]) == 3
    assert op.get("/tickets", state="dispatched").json()["total"] == 1
    assert op.get("/tickets", unit="A").json()["total"] == 1
    assert op.get("/tickets", q="第7号").json()["total"] == 1
    assert op.get("/tickets", state="flying").status_code == 422
    assert op.get("/tickets", page=0).status_code == 422
    assert op.get("/tickets", page="x").status_code == 422
