"""Event payloads: what the actions record, and the facts the readers take from them.

One history drives every action (and every variant of its payload) through the API, at
replayed moments, so the stored payloads can be compared with literal dicts: those are
the payloads the platform has always stored, and history already in a database must
keep reading the same. The readers in ``tickets.events`` are then checked against what
the same history did to the ticket (its state, units, counters and deadlines).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hotline import clock
from hotline.audit.chain import verify
from hotline.audit.models import Event
from hotline.org.actor import Actor
from hotline.tickets import events
from hotline.tickets.actions import rate
from hotline.tickets.models import Contact, State, Ticket
from tests.tickets.test_lifecycle_api import new_ticket

pytestmark = pytest.mark.django_db

START = datetime(2024, 3, 4, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday


class History:
    """Drives the API at one replayed moment per step (an hour apart) and keeps, for each
    step, the ticket as the response showed it."""

    def __init__(self, api_as: Any, around: Callable[[], AbstractContextManager[Any]] = nullcontext) -> None:
        self.api_as = api_as
        self.around = around  # e.g. ``committed``: each step then commits, followers and all
        self.clients: dict[str, Any] = {}
        self.moment = START
        self.after: list[tuple[str, dict[str, Any]]] = []  # (number, ticket) per step

    def client(self, user: str) -> Any:
        if user not in self.clients:
            self.clients[user] = self.api_as(user)
        return self.clients[user]

    def tick(self) -> datetime:
        self.moment += timedelta(hours=1)
        return self.moment

    def new(self, text: str) -> str:
        with self.around(), clock.replaying_at(self.tick()):
            return str(new_ticket(self.client("operator"), text=text)["number"])

    def act(self, user: str, number: str, action: str, **fields: Any) -> dict[str, Any]:
        with self.around(), clock.replaying_at(self.tick()):
            response = self.client(user).act(number, action, **fields)
        assert response.status_code == 200, (action, response.content)
        body: dict[str, Any] = response.json()
        body["sla_done"] = Ticket.objects.get(number=number).sla.get("done", [])
        self.after.append((number, body))
        return body


def drive(
    api_as: Any, around: Callable[[], AbstractContextManager[Any]] = nullcontext
) -> tuple[dict[str, str], list[tuple[str, dict[str, Any]]]]:
    """Every action, and every variant of its payload, on six tickets. Returns their
    numbers and, per step through the API, (number, the ticket after the step)."""
    h = History(api_as, around)
    main = h.new("城关镇河西村路口的路灯坏了一个多月,晚上很黑")
    h.act(
        "dispatcher", main, "dispatch", lead_unit="A", assist_units=["A-ZJ"], urgency="特急", note=" 请尽快 "
    )
    h.act("a_gov", main, "sign")
    h.act("a_zj", main, "sign")
    h.act("a_zj", main, "progress", note="已安排人员")
    h.act("a_gov", main, "subdispatch", unit="A-CG", note="请城关镇核实")
    h.act("a_cg", main, "return", reason="不属本镇职责")  # back to the county, which handles it
    h.act("a_gov", main, "request_extension", days=1, reason="需采购灯具")
    h.act("dispatcher", main, "decide_extension", approve=True, note="同意")
    h.act("a_gov", main, "request_extension", days=1, reason="再等一天")
    h.act("dispatcher", main, "decide_extension", approve=False)
    h.act("a_gov", main, "suspend", reason="等待供电公司")
    h.act("dispatcher", main, "decide_suspension", approve=True, note="同意挂起")
    h.act("a_gov", main, "resume", note="供电已恢复")
    h.act("dispatcher", main, "suspend", reason="市民出差")
    h.act("dispatcher", main, "resume")
    h.act("supervisor", main, "warn", note="即将到期", deadline="resolve")
    h.act("supervisor", main, "urge", note="请加快")
    h.act("supervisor", main, "supervise", note="督办", deadline="resolve")
    h.act("a_zj", main, "report", result="已配合排查")
    h.act("a_gov", main, "report", result="已更换灯头")
    h.act("reviewer", main, "review", passed=False, comment="缺少照片")
    h.act("a_gov", main, "report", result="已更换灯头并附照片")
    h.act("reviewer", main, "review", passed=True)
    h.act("callback", main, "callback", reached=False, note="无人接听")
    h.act("callback", main, "callback", satisfaction="dissatisfied", resolved=False, note="仍不亮")
    h.act("a_gov", main, "report", result="更换整套灯具")
    h.act("reviewer", main, "review", passed=True)
    h.act("callback", main, "callback", satisfaction="satisfied", resolved=True)
    with h.around(), clock.replaying_at(h.tick()):
        rate(Actor.citizen(own_ticket=main), main, rating="satisfied", comment=" 很好 ")
    h.act("supervisor", main, "unit_complaint", unit="A-ZJ", person="李四", content="推诿")

    ruled = h.new("石门县龙潭镇自来水停水三天了")
    h.act("dispatcher", ruled, "dispatch", lead_unit="A")
    h.act("a_gov", ruled, "return", reason="不属本县")  # to the centre
    h.act("dispatcher", ruled, "rule_return", decision="redispatch", lead_unit="B-LT", assist_units=["B-ZJ"])
    h.act("b_lt", ruled, "sign")
    h.act("b_lt", ruled, "return", reason="应由住建局办理")
    h.act("dispatcher", ruled, "rule_return", decision="overrule", reason="属镇级职责")

    answered = h.new("请问社保卡丢了怎么补办?")
    h.act("operator", answered, "answer", answer="携带身份证到社保网点补办。", article="KB-1")
    h.act("callback", answered, "archive", reason="unreachable", note="三次未接通")
    rejected = h.new("测试测试")
    h.act("operator", rejected, "reject", reason="无实质内容", category="nonsense")
    police = h.new("有人在街上打架")
    h.act("operator", police, "transfer_police", reason="治安事件", police_ref=" 110-9 ")
    repeat = h.new("龙潭镇还是停水")
    h.act("operator", repeat, "merge", into=ruled)
    numbers = {"main": main, "ruled": ruled, "answered": answered, "rejected": rejected}
    return {**numbers, "police": police, "repeat": repeat}, h.after


def _history(number: str) -> list[tuple[str, dict[str, Any]]]:
    return [(e.action, e.payload) for e in Event.objects.filter(ticket__number=number).order_by("seq")]


def _contacts(number: str) -> list[int]:
    return list(Contact.objects.filter(ticket__number=number).order_by("id").values_list("id", flat=True))


def test_every_action_records_the_payload_the_platform_always_stored(
    org: Any, api_as: Any, settings: Any
) -> None:
    settings.HOTLINE_AUTO_DISPATCH_CONFIDENCE = "off"
    n, _ = drive(api_as)
    main_contact, ruled_contact, repeat_contact = (_contacts(n[k])[0] for k in ("main", "ruled", "repeat"))
    moved = _contacts(n["ruled"])[1:]
    assert _history(n["main"]) == [
        ("create", {"channel": "phone", "contact": main_contact}),
        (
            "dispatch",
            {
                "lead_unit": "A",
                "lead_unit_name": "滨江县人民政府",
                "assist_units": ["A-ZJ"],
                "decided": {"urgency": "特急"},
                "note": "请尽快",
            },
        ),
        ("sign", {"unit": "A", "share": "lead"}),
        ("sign", {"unit": "A-ZJ", "share": "assist"}),
        ("progress", {"note": "已安排人员", "unit": "A-ZJ", "share": "assist"}),
        (
            "subdispatch",
            {"from_unit": "A", "unit": "A-CG", "unit_name": "滨江县城关镇", "note": "请城关镇核实"},
        ),
        ("return", {"reason": "不属本镇职责", "unit": "A-CG", "share": "lead", "back_to": "A"}),
        ("request_extension", {"days": 1, "reason": "需采购灯具"}),
        (
            "decide_extension",
            {"approve": True, "note": "同意", "days": 1, "resolve_deadline": "2024-03-05T17:30:00+08:00"},
        ),
        ("request_extension", {"days": 1, "reason": "再等一天"}),
        ("decide_extension", {"approve": False, "note": ""}),
        ("suspend", {"reason": "等待供电公司", "requested": True}),
        ("decide_suspension", {"approve": True, "reason": "等待供电公司", "note": "同意挂起"}),
        (
            "resume",
            {"suspended_from": "2024-03-04T14:00:00+00:00", "frozen_seconds": 3600, "note": "供电已恢复"},
        ),
        ("suspend", {"reason": "市民出差", "direct": True}),
        ("resume", {"suspended_from": "2024-03-04T16:00:00+00:00", "frozen_seconds": 3600, "note": ""}),
        ("warn", {"note": "即将到期", "unit": "A", "deadline": "resolve"}),
        ("urge", {"note": "请加快", "unit": "A", "count": 1}),
        ("supervise", {"note": "督办", "unit": "A", "count": 1, "deadline": "resolve"}),
        ("report", {"share": "assist", "unit": "A-ZJ", "result": "已配合排查"}),
        ("report", {"share": "lead", "unit": "A", "result": "已更换灯头"}),
        ("review", {"passed": False, "comment": "缺少照片"}),
        ("report", {"share": "lead", "unit": "A", "result": "已更换灯头并附照片"}),
        ("review", {"passed": True, "comment": ""}),
        ("callback", {"reached": False, "note": "无人接听"}),
        (
            "callback",
            {
                "reached": True,
                "note": "仍不亮",
                "satisfaction": "dissatisfied",
                "resolved": False,
                "rehandle": 1,
            },
        ),
        ("report", {"share": "lead", "unit": "A", "result": "更换整套灯具"}),
        ("review", {"passed": True, "comment": ""}),
        ("callback", {"reached": True, "note": "", "satisfaction": "satisfied", "resolved": True}),
        ("citizen_rating", {"rating": "satisfied", "comment": "很好"}),
        (
            "unit_complaint",
            {"unit": "A-ZJ", "unit_name": "滨江县住建局", "person": "李四", "content": "推诿"},
        ),
    ]
    assert _history(n["ruled"]) == [
        ("create", {"channel": "phone", "contact": ruled_contact}),
        ("dispatch", {"lead_unit": "A", "lead_unit_name": "滨江县人民政府", "assist_units": []}),
        ("return", {"reason": "不属本县", "unit": "A", "share": "lead"}),
        (
            "rule_return",
            {
                "lead_unit": "B-LT",
                "lead_unit_name": "石门县龙潭镇",
                "assist_units": ["B-ZJ"],
                "decision": "redispatch",
                "returned_by": "A",
            },
        ),
        ("sign", {"unit": "B-LT", "share": "lead"}),
        ("return", {"reason": "应由住建局办理", "unit": "B-LT", "share": "lead"}),
        ("rule_return", {"decision": "overrule", "reason": "属镇级职责", "unit": "B-LT"}),
        ("merged_in", {"from": n["repeat"], "contacts": moved}),
    ]
    assert _history(n["answered"])[1:] == [
        ("answer", {"answer": "携带身份证到社保网点补办。", "article": "KB-1"}),
        ("archive", {"reason": "unreachable", "note": "三次未接通"}),
    ]
    assert _history(n["rejected"])[1:] == [("reject", {"reason": "无实质内容", "category": "nonsense"})]
    assert _history(n["police"])[1:] == [("transfer_police", {"reason": "治安事件", "police_ref": "110-9"})]
    assert _history(n["repeat"]) == [
        ("create", {"channel": "phone", "contact": repeat_contact}),
        ("merge", {"into": n["ruled"], "contacts": moved}),
    ]
    assert verify().ok


def _moment(value: str | None) -> datetime | None:
    # The API writes a moment in the zone it was computed in; compare moments, not text.
    return datetime.fromisoformat(value) if value else None


def test_the_readers_tell_what_the_history_did_to_the_ticket(org: Any, api_as: Any, settings: Any) -> None:
    settings.HOTLINE_AUTO_DISPATCH_CONFIDENCE = "off"
    n, steps = drive(api_as)
    for number in (n["main"], n["ruled"]):
        # One event per step through the API (the rating and the master's merged_in were not).
        history = [
            e
            for e in Event.objects.filter(ticket__number=number).select_related("actor_unit").order_by("seq")
            if e.action not in ("create", "citizen_rating", "merged_in")
        ]
        after_steps = [ticket for num, ticket in steps if num == number]
        assert len(history) == len(after_steps)
        before: dict[str, Any] = {"dispatched_at": None, "resolve_deadline": None, "rehandle_count": 0}
        suspended_at = returned_by = None
        for event, after in zip(history, after_steps, strict=True):
            action, payload = event.action, event.payload
            # The centre sent the ticket to units exactly when its dispatch time moved.
            sent = _moment(after["dispatched_at"]) != _moment(before["dispatched_at"])
            assert events.is_dispatch(action, payload) == sent, event.seq
            assert events.dispatched_lead(action, payload) == (after["lead_unit"]["code"] if sent else None)
            assert events.is_overruled_return(action, payload) == (action == "rule_return" and not sent)
            assert events.returned_by(action, payload) == (
                returned_by if action == "rule_return" and sent else None
            )
            passed = action == "review" and after["state"] == State.AWAITING_CALLBACK
            assert events.review_passed(action, payload) == passed
            rehandled = after["rehandle_count"] > before["rehandle_count"]
            assert events.callback_dissatisfied(action, payload) == rehandled
            granted = events.extension_granted(action, payload)
            if action == "decide_extension":
                moved = _moment(after["resolve_deadline"]) != _moment(before["resolve_deadline"])
                assert (granted is not None) == moved
            else:
                assert granted is None
            resumed_from = suspended_at if action == "resume" else None
            assert events.suspended_from(action, payload) == resumed_from
            if event.to_state == State.SUSPENDED and event.from_state != State.SUSPENDED:
                suspended_at = event.created_at
            if action == "return":
                returned_by = event.actor_unit.code
            # A step about a deadline leaves its marker, so that the sweep does not repeat it.
            kind = events.escalated_deadline(action, payload)
            assert (f"{action}:{kind}" in after["sla_done"]) == bool(kind)
            before = after
    marked = [
        m for e in Event.objects.order_by("seq") if (m := events.escalated_deadline(e.action, e.payload))
    ]
    assert marked == ["resolve", "resolve"]  # the warn and the supervise; the urge named none


@pytest.mark.parametrize(
    ("action", "payload", "dispatch", "lead", "returned"),
    [
        ("dispatch", {"lead_unit": "A"}, True, "A", None),
        ("rule_return", {"decision": "redispatch", "lead_unit": "B"}, True, "B", None),  # no returned_by yet
        ("rule_return", {"decision": "redispatch", "lead_unit": "B", "returned_by": "A"}, True, "B", "A"),
        ("rule_return", {"decision": "overrule", "unit": "A", "reason": "x"}, False, None, None),
        ("subdispatch", {"unit": "A-CG"}, False, None, None),
        ("sign", {"unit": "A"}, False, None, None),
    ],
)
def test_stored_payloads_read_the_same_whatever_keys_they_lack(
    action: str, payload: dict[str, Any], dispatch: bool, lead: str | None, returned: str | None
) -> None:
    assert events.is_dispatch(action, payload) is dispatch
    assert events.is_overruled_return(action, payload) is (action == "rule_return" and not dispatch)
    assert events.dispatched_lead(action, payload) == lead
    assert events.returned_by(action, payload) == returned
