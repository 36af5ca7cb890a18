"""The whole lifecycle through the public API, as external clients drive it."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.audit.chain import verify

pytestmark = pytest.mark.django_db


def new_ticket(api: Any, **extra: Any) -> dict[str, Any]:
    body = {
        "channel": "phone",
        "text": "城关镇河西村路口的路灯坏了一个多月,晚上很黑",
        "phone": "13812345678",
        "citizen_name": "张三",
        **extra,
    }
    response = api.post("/tickets", body)
    assert response.status_code in (200, 201), response.content
    return response.json()


def test_full_path_dispatch_subdispatch_report_review_callback_rehandle_archive(
    org: Any, api_as: Any
) -> None:
    operator, dispatcher = api_as("operator"), api_as("dispatcher")
    county, town = api_as("a_gov"), api_as("a_cg")
    reviewer, callback = api_as("reviewer"), api_as("callback")

    ticket = new_ticket(operator)
    number = ticket["number"]
    assert ticket["state"] == "accepted"
    assert len(number) == 13 and number.isdigit()
    assert ticket["phone"] == "138****5678" and ticket["citizen_name"] == "张*"

    r = dispatcher.act(number, "dispatch", lead_unit="A", assist_units=["A-ZJ"])
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "dispatched" and r.json()["lead_unit"]["code"] == "A"

    assert county.act(number, "sign").json()["state"] == "handling"
    r = county.act(number, "subdispatch", unit="A-CG", note="请城关镇核实处理")
    assert r.json()["state"] == "dispatched" and r.json()["lead_unit"]["code"] == "A-CG"
    assert town.act(number, "sign").json()["state"] == "handling"

    # The assisting unit signs and reports its part; handling stays open.
    housing = api_as("a_zj")
    assert housing.act(number, "sign").json()["state"] == "handling"
    assert housing.act(number, "report", result="已配合排查线路").json()["state"] == "handling"

    assert town.act(number, "report", result="已更换路灯灯头").json()["state"] == "reported"
    r = reviewer.act(number, "review", passed=True)
    assert r.json()["state"] == "awaiting_callback"

    r = callback.act(number, "callback", satisfaction="dissatisfied", resolved=False, note="市民称仍不亮")
    assert r.json()["state"] == "handling" and r.json()["rehandle_count"] == 1
    assert town.act(number, "report", result="更换整套灯具并试亮").json()["state"] == "reported"
    assert reviewer.act(number, "review", passed=True).json()["state"] == "awaiting_callback"
    r = callback.act(number, "callback", satisfaction="satisfied", resolved=True)
    assert r.json()["state"] == "archived"

    events = operator.get(f"/tickets/{number}/events").json()
    assert [e["action"] for e in events] == [
        "create",
        "dispatch",
        "sign",
        "subdispatch",
        "sign",
        "sign",
        "report",
        "report",
        "review",
        "callback",
        "report",
        "review",
        "callback",
    ]
    assert events[3]["from_state"] == "handling" and events[3]["to_state"] == "dispatched"
    assert verify().ok

    public = api_as("operator").client.get(f"/api/v1/public/tickets/{number}", {"phone_last4": "5678"})
    assert public.status_code == 200
    body = public.json()
    assert body["state"] == "archived"
    text = str(body)
    assert "13812345678" not in text and "张三" not in text and "市民称仍不亮" not in text
    assert body["timeline"][0]["message"] == "您的诉求已受理"


def test_answer_on_the_spot_then_callback_archives(org: Any, api_as: Any) -> None:
    operator, callback = api_as("operator"), api_as("callback")
    number = new_ticket(operator, text="请问社保卡丢了怎么补办?")["number"]
    r = operator.act(number, "answer", answer="携带身份证到任一社保经办网点即可补办。")
    assert r.json()["state"] == "awaiting_callback"
    assert (
        callback.act(number, "callback", satisfaction="satisfied", resolved=True).json()["state"]
        == "archived"
    )


def test_return_then_redispatch_and_overrule(org: Any, api_as: Any) -> None:
    operator, dispatcher, b = api_as("operator"), api_as("dispatcher"), api_as("b_zj")
    number = new_ticket(operator)["number"]
    dispatcher.act(number, "dispatch", lead_unit="B-ZJ")
    r = b.act(number, "return", reason="地点在滨江县,不属我县")
    assert r.json()["state"] == "returned"
    r = dispatcher.act(number, "rule_return", decision="redispatch", lead_unit="A-ZJ")
    assert r.json()["state"] == "dispatched" and r.json()["lead_unit"]["code"] == "A-ZJ"

    a = api_as("a_zj")
    a.act(number, "sign")
    assert a.act(number, "return", reason="属镇街管理").json()["state"] == "returned"
    r = dispatcher.act(number, "rule_return", decision="overrule", reason="住建局负责路灯")
    assert r.json()["state"] == "handling" and r.json()["lead_unit"]["code"] == "A-ZJ"


def test_extension_and_suspension_are_asked_then_decided(org: Any, api_as: Any) -> None:
    operator, dispatcher, unit = api_as("operator"), api_as("dispatcher"), api_as("a_zj")
    number = new_ticket(operator)["number"]
    dispatcher.act(number, "dispatch", lead_unit="A-ZJ")
    unit.act(number, "sign")
    r = unit.act(number, "request_extension", days=5, reason="需协调供电公司")
    assert r.json()["pending_request"]["kind"] == "extension"
    again = unit.act(number, "suspend", reason="等待材料")
    assert again.status_code == 409 and again.json()["code"] == "request_pending"
    assert dispatcher.act(number, "decide_extension", approve=True).json()["pending_request"] == {}

    assert unit.act(number, "suspend", reason="等待市民补充材料").json()["state"] == "handling"
    assert dispatcher.act(number, "decide_suspension", approve=True).json()["state"] == "suspended"
    assert unit.act(number, "resume").json()["state"] == "handling"
    supervisor = api_as("supervisor")
    r = supervisor.act(number, "urge", note="请加快办理")
    assert r.json()["urge_count"] == 1 and r.json()["state"] == "handling"
    assert supervisor.act(number, "supervise").json()["supervise_count"] == 1


def test_reject_transfer_merge(org: Any, api_as: Any) -> None:
    operator = api_as("operator")
    a = new_ticket(operator)["number"]
    b = new_ticket(operator, phone="13900001111")["number"]
    c = new_ticket(operator, text="有人在小区门口打架")["number"]
    d = new_ticket(operator, text="喂喂喂")["number"]
    r = operator.act(b, "merge", into=a)
    assert r.json()["state"] == "merged" and r.json()["merged_into"] == a
    assert operator.act(c, "transfer_police", reason="治安案件").json()["state"] == "transferred"
    assert operator.act(d, "reject", reason="无实质内容", category="nonsense").json()["state"] == "rejected"
    master = operator.get(f"/tickets/{a}").json()
    assert master["state"] == "accepted"
