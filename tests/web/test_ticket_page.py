"""The ticket page: history, scope, the generic action forms and endpoint, unmasking."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.audit.models import Event
from hotline.org.actor import Actor
from hotline.tickets.action_fields import ACTION_FIELDS
from hotline.tickets.actions import progress, report, review
from hotline.tickets.models import State, Ticket
from hotline.web.views.actions import parse_fields
from tests.web.helpers import client_for, dispatched, new_ticket, signed

pytestmark = pytest.mark.django_db


def test_detail_shows_history_deadlines_units_and_masked_contact(org: Any) -> None:
    ticket = signed(org)
    html = client_for(org.dispatcher).get(f"/tickets/{ticket.number}/").content.decode()
    assert ticket.number in html
    for text in (
        "全程留痕",
        "受理",
        "派单",
        "签收",
        "已受理 → 已派单",
        "派单员",
        "滨江县住建局",
        "主办",
        "时限",
    ):
        assert text in html, text
    assert "138****1234" in html and "13800001234" not in html
    assert "张**" in html and "张三丰" not in html
    assert "查看完整信息" in html


def test_outside_scope_is_404(org: Any) -> None:
    ticket = dispatched(org, lead="A-ZJ")
    response = client_for(org.b_housing_handler).get(f"/tickets/{ticket.number}/")
    assert response.status_code == 404
    assert "不存在" in response.content.decode()
    assert client_for(org.a_county_handler).get(f"/tickets/{ticket.number}/").status_code == 200
    assert client_for(org.operator).get("/tickets/20990101000001/").status_code == 404


def test_action_forms_follow_role_and_state(org: Any) -> None:
    ticket = new_ticket(org.operator)
    forms = client_for(org.dispatcher).get(f"/tickets/{ticket.number}/").context["forms"]
    assert {f.name for f in forms} == {
        "answer",
        "reject",
        "transfer_police",
        "add_contact",
        "merge",
        "dispatch",
    }
    forms = client_for(org.reviewer).get(f"/tickets/{ticket.number}/").context["forms"]
    assert forms == []


def test_act_success_redirects_with_message(org: Any) -> None:
    ticket = new_ticket(org.operator)
    client = client_for(org.dispatcher)
    response = client.post(
        f"/tickets/{ticket.number}/act/dispatch/",
        {"version": ticket.version, "lead_unit": "A-ZJ", "assist_units": "A-CG", "note": "请尽快处理"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/tickets/{ticket.number}/"
    assert "已派单" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.state == State.DISPATCHED
    assert ticket.assignments.count() == 2


def test_act_next_parameter_is_local_only(org: Any) -> None:
    ticket = new_ticket(org.operator)
    response = client_for(org.dispatcher).post(
        f"/tickets/{ticket.number}/act/dispatch/",
        {"version": ticket.version, "lead_unit": "A-ZJ", "next": "https://evil.example/"},
    )
    assert response.url == f"/tickets/{ticket.number}/"
    ticket = new_ticket(org.operator)
    response = client_for(org.dispatcher).post(
        f"/tickets/{ticket.number}/act/dispatch/",
        {"version": ticket.version, "lead_unit": "A-ZJ", "next": "/dispatch/"},
    )
    assert response.url == "/dispatch/"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "主办单位编码"),
        ({"lead_unit": "NOPE"}, "不存在"),
        ({"lead_unit": "A-OLD"}, "已停用"),
        ({"lead_unit": "A-ZJ", "assist_units": "A-ZJ"}, "不能与主办单位相同"),
    ],
)
def test_bad_input_rerenders_and_saves_nothing(org: Any, fields: dict[str, str], message: str) -> None:
    ticket = new_ticket(org.operator)
    events = Event.objects.count()
    response = client_for(org.dispatcher).post(
        f"/tickets/{ticket.number}/act/dispatch/", {"version": ticket.version, **fields}
    )
    assert response.status_code in (403, 404, 422)
    html = response.content.decode()
    assert message in html and "派单」未执行" in html
    assert 'id="act-dispatch" open' in html.replace("\n", " ") or "act-dispatch" in html
    ticket.refresh_from_db()
    assert ticket.state == State.ACCEPTED and ticket.version == 1
    assert Event.objects.count() == events


def test_stale_version_is_refused_with_clear_message(org: Any) -> None:
    ticket = new_ticket(org.operator)
    old = ticket.version
    client = client_for(org.dispatcher)
    assert (
        client.post(
            f"/tickets/{ticket.number}/act/dispatch/", {"version": old, "lead_unit": "A-ZJ"}
        ).status_code
        == 302
    )
    # The same form submitted again (double click, second tab): refused, nothing done twice.
    response = client.post(f"/tickets/{ticket.number}/act/reject/", {"version": old, "reason": "重复"})
    assert response.status_code == 409
    assert "工单已被他人更新" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.state == State.DISPATCHED and ticket.version == old + 1


def test_stale_version_of_a_repeatable_action(org: Any) -> None:
    ticket = signed(org)
    client = client_for(org.a_housing_handler)
    url = f"/tickets/{ticket.number}/act/progress/"
    assert client.post(url, {"version": ticket.version, "note": "第一次"}).status_code == 302
    response = client.post(url, {"version": ticket.version, "note": "第二次"})
    assert response.status_code == 409 and "工单已被他人更新" in response.content.decode()
    assert Event.objects.filter(ticket=ticket, action="progress").count() == 1


def test_missing_version_is_refused(org: Any) -> None:
    ticket = new_ticket(org.operator)
    response = client_for(org.dispatcher).post(
        f"/tickets/{ticket.number}/act/dispatch/", {"lead_unit": "A-ZJ"}
    )
    assert response.status_code == 422
    assert "版本号" in response.content.decode()


def test_wrong_role_and_unknown_action(org: Any) -> None:
    ticket = new_ticket(org.operator)
    response = client_for(org.reviewer).post(
        f"/tickets/{ticket.number}/act/dispatch/", {"version": 1, "lead_unit": "A-ZJ"}
    )
    assert response.status_code == 403 and "无权" in response.content.decode()
    assert (
        client_for(org.dispatcher).post(f"/tickets/{ticket.number}/act/fly/", {"version": 1}).status_code
        == 404
    )
    assert client_for(org.dispatcher).get(f"/tickets/{ticket.number}/act/dispatch/").status_code == 405


def test_act_outside_scope_is_404(org: Any) -> None:
    ticket = dispatched(org, lead="A-ZJ")
    response = client_for(org.b_housing_handler).post(
        f"/tickets/{ticket.number}/act/sign/", {"version": ticket.version}
    )
    assert response.status_code == 404
    ticket.refresh_from_db()
    assert ticket.state == State.DISPATCHED


def test_handler_path_through_the_endpoint(org: Any) -> None:
    ticket = dispatched(org)
    client = client_for(org.a_housing_handler)
    url = f"/tickets/{ticket.number}/act/"
    assert client.post(url + "sign/", {"version": 2}).status_code == 302
    assert client.post(url + "progress/", {"version": 3, "note": "已到现场"}).status_code == 302
    assert client.post(url + "report/", {"version": 4, "result": "路灯已修复"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == State.REPORTED
    html = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "办理结果" in html and "路灯已修复" in html and "已到现场" in html


def test_review_and_callback_forms(org: Any) -> None:
    ticket = signed(org)
    handler = Actor.of(org.a_housing_handler)
    progress(handler, ticket.number, note="处理中")
    ticket = report(handler, ticket.number, result="已修复")
    response = client_for(org.reviewer).post(
        f"/tickets/{ticket.number}/act/review/", {"version": ticket.version}
    )
    assert response.status_code == 422 and "审核结论" in response.content.decode()
    ticket = review(Actor.of(org.reviewer), ticket.number, passed=True)
    response = client_for(org.callback).post(
        f"/tickets/{ticket.number}/act/callback/",
        {
            "version": ticket.version,
            "reached": "1",
            "satisfaction": "satisfied",
            "resolved": "1",
            "note": "市民满意",
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == State.ARCHIVED
    html = client_for(org.callback).get(f"/tickets/{ticket.number}/").content.decode()
    assert "满意度" in html and "满意" in html and "是否解决" in html


def test_unmask_is_recorded(org: Any) -> None:
    ticket = new_ticket(org.operator)
    client = client_for(org.dispatcher)
    before = Event.objects.filter(ticket=ticket, action="view_personal_data").count()
    response = client.post(f"/tickets/{ticket.number}/reveal/", {"purpose": "回电核实"})
    html = response.content.decode()
    assert response.status_code == 200 and "13800001234" in html and "张三丰" in html
    event = Event.objects.filter(ticket=ticket, action="view_personal_data").get()
    assert before == 0 and event.actor == org.dispatcher and event.payload["purpose"] == "回电核实"
    # htmx swaps only the citizen panel.
    partial = client.post(f"/tickets/{ticket.number}/reveal/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "13800001234" in partial
    # The timeline shows the read.
    assert "查看市民完整信息" in client.get(f"/tickets/{ticket.number}/").content.decode()


def test_unmask_forbidden_for_other_roles(org: Any) -> None:
    ticket = new_ticket(org.operator)
    client = client_for(org.leader)
    assert "查看完整信息" not in client.get(f"/tickets/{ticket.number}/").content.decode()
    response = client.post(f"/tickets/{ticket.number}/reveal/")
    assert response.status_code == 403
    assert not Event.objects.filter(ticket=ticket, action="view_personal_data").exists()


def test_parse_fields_types() -> None:
    from django.http import QueryDict

    from hotline.errors import InvalidInput

    assert parse_fields("decide_extension", QueryDict("approve=1&days=3")) == {
        "approve": True,
        "days": 3,
        "note": "",
    }
    assert parse_fields("dispatch", QueryDict("lead_unit=A&assist_units=B,C%20D"))["assist_units"] == [
        "B",
        "C",
        "D",
    ]
    assert parse_fields("callback", QueryDict("reached=0"))["reached"] is False
    with pytest.raises(InvalidInput):
        parse_fields("request_extension", QueryDict("days=abc&reason=x"))
    with pytest.raises(InvalidInput):
        parse_fields("archive", QueryDict("reason=whatever"))
    # Every action of the lifecycle has a field definition.
    from hotline.tickets.actions import ACTIONS

    assert set(ACTION_FIELDS) == set(ACTIONS)


def test_ticket_page_query_count(org: Any, django_assert_max_num_queries: Any) -> None:
    ticket = signed(org)
    handler = Actor.of(org.a_housing_handler)
    for i in range(10):
        ticket = progress(handler, ticket.number, note=f"进展 {i}")
    client = client_for(org.dispatcher)
    client.get(f"/tickets/{ticket.number}/")  # warm the policy cache
    with django_assert_max_num_queries(12):
        response = client.get(f"/tickets/{ticket.number}/")
    assert len(response.context["timeline"]) == 13
    assert Ticket.objects.count() == 1
