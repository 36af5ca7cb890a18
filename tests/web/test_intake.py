"""The operator's intake page: live suggestions, one-key decisions, nothing half-made."""

from __future__ import annotations

import statistics
import time
import uuid
from typing import Any

import pytest

from hotline.audit.models import Event
from hotline.org.actor import Actor
from hotline.tickets.actions import answer, reject
from hotline.tickets.models import Contact, State, Ticket
from tests.web.helpers import client_for, new_ticket

pytestmark = pytest.mark.django_db

CALL = {
    "channel": "phone",
    "phone": "13900002222",
    "citizen_name": "李四",
    "address": "城关镇河西村",
    "title": "",
    "text": "我的社保卡丢了,想问一下怎么补办,需要带什么材料",
}


def _post(client: Any, op: str, **extra: str) -> Any:
    return client.post("/intake/", {**CALL, "op": op, "idempotency_key": uuid.uuid4().hex, **extra})


def test_intake_access(client: Any, org: Any) -> None:
    assert client.get("/intake/").status_code == 302
    assert client_for(org.a_housing_handler).get("/intake/").status_code == 403
    assert client_for(org.leader).get("/intake/").status_code == 403
    for user in (org.operator, org.dispatcher):
        html = client_for(user).get("/intake/").content.decode()
        assert "受理台" in html and "Alt+1" in html and 'hx-trigger="load, input changed delay:300ms' in html


def test_suggestions_partial(org: Any) -> None:
    client = client_for(org.operator)
    response = client.post("/intake/suggest/", CALL)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    for text in (
        "诉求类型",
        "诉求分类",
        "紧急程度",
        "情绪倾向",
        "有效性",
        "警情",
        "属地",
        "疑似重复件",
        "知识库答复",
    ):
        assert text in html, text
    assert "社保卡丢失或损坏如何补办" in html and "用此答复" in html


def test_suggestions_show_police_hint(org: Any) -> None:
    html = (
        client_for(org.operator)
        .post("/intake/suggest/", {**CALL, "text": "有人在我家门口打架,拿着刀,快来人"})
        .content.decode()
    )
    assert "警情" in html


def test_suggestions_short_text(org: Any) -> None:
    html = client_for(org.operator).post("/intake/suggest/", {"text": "你好"}).content.decode()
    assert "至少 4 个字" in html


def test_suggestions_list_same_phone_open_tickets(org: Any) -> None:
    earlier = new_ticket(org.operator, phone=CALL["phone"])
    closed = new_ticket(org.operator, phone=CALL["phone"])
    reject(Actor.of(org.operator), closed.number, reason="重复来电")
    html = client_for(org.operator).post("/intake/suggest/", CALL).content.decode()
    assert earlier.number in html and "同一来电号码" in html and "合并到此" in html
    assert closed.number not in html


def test_suggest_forbidden_for_handlers(org: Any) -> None:
    assert client_for(org.a_housing_handler).post("/intake/suggest/", CALL).status_code == 403
    assert client_for(org.operator).get("/intake/suggest/").status_code == 405


def test_create_lands_on_ticket_page(org: Any) -> None:
    client = client_for(org.operator)
    response = _post(client, "create", type="咨询类", urgency="", emotion="焦虑")
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response.url == f"/tickets/{ticket.number}/"
    assert ticket.state == State.ACCEPTED and ticket.channel == "phone" and ticket.created_by == org.operator
    # The operator's choice is the decision; triage's suggestion is kept beside it.
    assert ticket.type == "咨询类" and ticket.emotion == "焦虑"
    assert ticket.triage.get("type")
    page = client.get(response.url).content.decode()
    assert f"已受理,工单编号 {ticket.number}" in page


def test_answer_on_the_spot(org: Any) -> None:
    response = _post(
        client_for(org.operator), "answer", answer="请携带身份证到合作银行网点补办。", article="1"
    )
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert ticket.state == State.AWAITING_CALLBACK and ticket.result.startswith("请携带身份证")
    assert Event.objects.filter(ticket=ticket, action="answer").get().payload["article"] == "1"


def test_reject_and_transfer(org: Any) -> None:
    client = client_for(org.operator)
    _post(client, "reject", reject_category="nonsense", reject_reason="无实质内容")
    _post(client, "transfer_police", police_reason="涉及打架斗殴", police_ref="J123")
    states = sorted(Ticket.objects.values_list("state", flat=True))
    assert states == [State.REJECTED, State.TRANSFERRED]


def test_merge_into_duplicate(org: Any) -> None:
    master = new_ticket(org.operator)
    response = _post(client_for(org.operator), "merge", merge_into=master.number)
    assert response.status_code == 302 and response.url != f"/tickets/{master.number}/"
    new = Ticket.objects.exclude(pk=master.pk).get()
    assert new.state == State.MERGED and new.merged_into == master
    assert Contact.objects.filter(ticket=master).count() == 2


@pytest.mark.parametrize(
    ("op", "extra", "message"),
    [
        ("answer", {}, "即时答复须填写答复内容"),
        ("reject", {}, "不予受理须填写理由"),
        ("transfer_police", {}, "转110须填写原因"),
        ("merge", {}, "合并须选择或填写主工单编号"),
        ("create", {"text": ""}, "这个字段是必填项"),
        ("create", {"phone": "abc"}, "电话号码格式不正确"),
        ("merge", {"merge_into": "20990101000009"}, "不存在"),
    ],
)
def test_bad_input_creates_nothing(org: Any, op: str, extra: dict[str, str], message: str) -> None:
    events = Event.objects.count()
    response = _post(client_for(org.operator), op, **extra)
    assert response.status_code in (404, 422)
    html = response.content.decode()
    assert message in html, html[:3000]
    assert "工单未创建" in html
    assert Ticket.objects.count() == 0 and Event.objects.count() == events


def test_merge_into_closed_ticket_creates_nothing(org: Any) -> None:
    master = new_ticket(org.operator)
    answer(Actor.of(org.operator), master.number, answer="已答复")
    from hotline.tickets.actions import archive

    archive(Actor.of(org.callback), master.number, reason="no_callback_needed")
    response = _post(client_for(org.operator), "merge", merge_into=master.number)
    assert response.status_code == 409 and "已结束" in response.content.decode()
    assert Ticket.objects.count() == 1


def test_double_submit_creates_once(org: Any) -> None:
    client = client_for(org.operator)
    data = {**CALL, "op": "create", "idempotency_key": "same-key-1"}
    first = client.post("/intake/", data)
    second = client.post("/intake/", data, follow=True)
    assert Ticket.objects.count() == 1
    assert first.url == second.redirect_chain[-1][0]
    assert "未重复创建" in second.content.decode()


def test_suggestion_partial_latency(org: Any, capsys: Any) -> None:
    """The panel must answer within 300 ms of a pause (figures printed for the report)."""
    for i in range(30):
        new_ticket(org.operator, text=f"城关镇河西村第{i}组路灯不亮,晚上很黑", phone=f"1390000{i:04d}")
    client = client_for(org.operator)
    texts = [
        "我的社保卡丢了怎么补办",
        "城关镇河西村的路灯坏了好几天了晚上很黑",
        "楼下工地半夜还在施工太吵了根本睡不着,投诉好几次了没人管",
        "孩子今年上小学需要准备什么材料,居住证可以吗",
        "有人在小区门口打架还拿着刀",
    ]
    client.post("/intake/suggest/", CALL)  # the first call loads jieba and the models
    timings = []
    for _ in range(8):
        for text in texts:
            start = time.perf_counter()
            response = client.post("/intake/suggest/", {**CALL, "text": text})
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    with capsys.disabled():
        print(
            f"\n[intake suggest] n={len(timings)} p50={p50:.1f} ms p99={p99:.1f} ms max={timings[-1]:.1f} ms"
        )
    # The median and 9 in 10 pauses well within budget; p99 is reported (it moves with machine load).
    p90 = timings[int(len(timings) * 0.9)]
    assert p50 < 300 and p90 < 300


def test_suggestion_partial_query_count(org: Any, django_assert_max_num_queries: Any) -> None:
    for i in range(10):
        new_ticket(org.operator, phone=CALL["phone"], text=f"河西村路灯第{i}次反映")
    client = client_for(org.operator)
    client.post("/intake/suggest/", CALL)
    with django_assert_max_num_queries(12):
        client.post("/intake/suggest/", CALL)


def test_similar_open_tickets_are_offered_for_merge(org: Any) -> None:
    earlier = new_ticket(
        org.operator, text="城关镇河西村路灯坏了一个星期,晚上出行很不方便", phone="13500000001"
    )
    html = (
        client_for(org.operator)
        .post(
            "/intake/suggest/", {**CALL, "text": "河西村的路灯坏了一个星期了,晚上出门很不方便", "phone": ""}
        )
        .content.decode()
    )
    assert earlier.number in html and "合并到此" in html
