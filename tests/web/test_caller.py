"""Caller first: the intake page shows who is calling from the number alone — every
earlier ticket (archived ones too), the flags, the open tickets to add this call to — and
keeps the telephone system's call id and recording link from its screen-pop URL."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from hotline.knowledge.models import StockPhrase
from hotline.knowledge.phrases import phrases_for
from hotline.org.actor import Actor
from hotline.tickets.actions import add_contact, answer, callback
from hotline.tickets.citizens import caller_history, canonical_phone
from hotline.tickets.models import CallReference, Contact, Ticket
from tests.web.helpers import client_for, new_ticket

pytestmark = pytest.mark.django_db

CALLER = "13900007777"


def _archived(org: Any, text: str = "社保卡丢了怎么补办", **kw: Any) -> Ticket:
    ticket = new_ticket(org.operator, text=text, phone=CALLER, **kw)
    answer(Actor.of(org.operator), ticket.number, answer="持身份证到社保经办网点补办。")
    return callback(
        Actor.of(org.callback), ticket.number, reached=True, satisfaction="satisfied", resolved=True
    )


def _panel(user: Any, phone: str) -> str:
    response = client_for(user).post("/intake/caller/", {"phone": phone})
    assert response.status_code == 200
    return response.content.decode()


def test_a_caller_ringing_again_after_his_ticket_was_archived_is_recognised(org: Any) -> None:
    done = _archived(org)
    assert done.state == "archived"
    html = _panel(org.operator, "+86 139-0000-7777")  # however the number is written
    assert done.number in html and "已归档" in html
    assert "持身份证到社保经办网点补办。" in html and "回访:满意" in html
    assert "追加到此工单" not in html  # nothing open to add this call to
    assert "该号码此前没有来电来信记录" in _panel(org.operator, "13900001111")
    assert "输入来电号码后" in _panel(org.operator, "139")  # a few digits name no one


def test_open_tickets_can_take_this_call_and_flags_warn(org: Any) -> None:
    _archived(org, text="小区路灯不亮", topic="城乡建设 / 市政设施 / 路灯")
    open_one = new_ticket(
        org.operator, text="小区路灯又不亮了", phone=CALLER, topic="城乡建设 / 市政设施 / 路灯"
    )
    add_contact(Actor.of(org.operator), open_one.number, text="还是不亮", phone=CALLER)
    html = _panel(org.operator, CALLER)
    assert f'"id_add_to": "{open_one.number}"' in html
    assert "重复来电:近30日来电来信 3 次" in html
    assert "重复诉求:「城乡建设 / 市政设施」近90日 2 件" in html


def test_history_counts_later_contacts_and_stays_in_scope(org: Any) -> None:
    # The number is on a later contact of someone else's ticket only.
    other = new_ticket(org.operator, text="路口积水严重", phone="13600000001")
    add_contact(Actor.of(org.operator), other.number, text="我是邻居,也反映积水", phone=CALLER)
    history = caller_history(Actor.of(org.operator).scope, CALLER)
    assert [t.number for t in history.tickets] == [other.number]
    # A handler outside the ticket's units sees nothing of it.
    assert caller_history(Actor.of(org.b_housing_handler).scope, CALLER).tickets == []
    assert client_for(org.a_housing_handler).post("/intake/caller/", {"phone": CALLER}).status_code == 403


def test_a_number_with_many_later_contacts_keeps_its_newest(org: Any, monkeypatch: Any) -> None:
    # A switchboard calls about everything: beyond the cap the newest contacts count.
    monkeypatch.setattr("hotline.tickets.citizens.MAX_LATER", 2)
    others = [new_ticket(org.operator, text=f"路口积水严重{i}", phone=f"1360000000{i}") for i in range(3)]
    for other in others:
        add_contact(Actor.of(org.operator), other.number, text="单位总机转来", phone=CALLER)
    history = caller_history(Actor.system().scope, CALLER)
    assert [t.number for t in history.tickets] == [others[2].number, others[1].number]


def test_a_dissatisfied_callback_is_flagged(org: Any) -> None:
    ticket = new_ticket(org.operator, text="噪音扰民", phone=CALLER)
    answer(Actor.of(org.operator), ticket.number, answer="已告知执法部门")
    callback(Actor.of(org.callback), ticket.number, reached=True, satisfaction="dissatisfied", resolved=False)
    assert f"曾不满意:工单 {ticket.number} 回访不满意" in caller_history(Actor.system().scope, CALLER).flags


def test_phone_numbers_are_one_form_in_every_channel() -> None:
    assert canonical_phone("+86 138-1234-5678") == "13812345678"
    assert canonical_phone("0086 13812345678") == "13812345678"
    assert canonical_phone("0731-8888 6666") == "073188886666"
    assert canonical_phone("+44 20 7946 0958") == "+442079460958"


def test_screen_pop_fills_the_form_and_the_call_reference_is_kept(org: Any) -> None:
    client = client_for(org.operator)
    page = client.get(
        "/intake/",
        {"phone": CALLER, "call_id": "CTI-20261206-0042", "recording": "https://pbx.example/r/42.wav"},
    )
    html = page.content.decode()
    assert f'value="{CALLER}"' in html and 'value="CTI-20261206-0042"' in html
    assert 'value="https://pbx.example/r/42.wav"' in html
    response = client.post(
        "/intake/",
        {
            "channel": "phone",
            "phone": CALLER,
            "text": "楼下餐馆油烟很大,窗户都不敢开",
            "op": "create",
            "idempotency_key": uuid.uuid4().hex,
            "call_id": "CTI-20261206-0042",
            "recording_url": "https://pbx.example/r/42.wav",
        },
    )
    assert response.status_code == 302
    ref = CallReference.objects.select_related("contact__ticket").get()
    assert (ref.call_id, ref.recording_url, ref.contact.ticket.phone) == (
        "CTI-20261206-0042",
        "https://pbx.example/r/42.wav",
        CALLER,
    )
    page = client.get(f"/tickets/{ref.contact.ticket.number}/").content.decode()
    assert "话务流水号 CTI-20261206-0042" in page and 'href="https://pbx.example/r/42.wav"' in page


def test_a_bad_screen_pop_value_is_an_error_and_makes_nothing(org: Any) -> None:
    response = client_for(org.operator).post(
        "/intake/",
        {
            "channel": "phone",
            "phone": CALLER,
            "text": "楼下餐馆油烟很大",
            "op": "create",
            "idempotency_key": uuid.uuid4().hex,
            "call_id": "CTI-1",
            "recording_url": "javascript:alert(1)",
        },
    )
    assert response.status_code == 422
    assert "录音地址须为 http(s) 链接" in response.content.decode()
    assert not Ticket.objects.exists() and not CallReference.objects.exists()


def test_adding_the_call_to_an_open_ticket_makes_no_new_ticket(org: Any) -> None:
    open_one = new_ticket(org.operator, text="小区门口井盖缺失", phone=CALLER)
    client = client_for(org.operator)
    response = client.post(
        "/intake/",
        {
            "channel": "phone",
            "phone": CALLER,
            "text": "井盖还没补上,今天又有人差点踩空",
            "op": "add_contact",
            "add_to": open_one.number,
            "idempotency_key": uuid.uuid4().hex,
            "call_id": "CTI-77",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"/tickets/{open_one.number}/"
    assert Ticket.objects.count() == 1
    added = Contact.objects.filter(ticket=open_one).order_by("id").last()
    assert added.text == "井盖还没补上,今天又有人差点踩空" and added.call.call_id == "CTI-77"
    # A closed or unknown ticket is refused on the page, and nothing is added.
    done = _archived(org)
    for number in (done.number, "20990101000001", ""):
        refused = client.post(
            "/intake/",
            {"channel": "phone", "phone": CALLER, "text": "补充", "op": "add_contact", "add_to": number},
        )
        assert refused.status_code in (404, 409, 422), number
        assert "未执行" in refused.content.decode() or "请选择或填写" in refused.content.decode()
    assert Contact.objects.filter(ticket=open_one).count() == 2


def test_stock_phrases_for_the_topic_are_offered_and_inserted(org: Any) -> None:
    StockPhrase.objects.all().delete()
    StockPhrase.objects.create(topic="", label="开场", text="您好,12345热线", position=1)
    StockPhrase.objects.create(topic="城乡建设/市政设施", label="路灯报修", text="请提供灯杆编号", position=5)
    StockPhrase.objects.create(topic="环境保护", label="噪声", text="请问噪声时段", position=1)
    StockPhrase.objects.create(topic="", label="停用", text="x", active=False)
    labels = [p.label for p in phrases_for("城乡建设 / 市政设施 / 路灯")]
    assert labels == ["路灯报修", "开场"]
    html = (
        client_for(org.operator)
        .post("/intake/suggest/", {"text": "小区门口路灯不亮了好几天"})
        .content.decode()
    )
    assert 'data-insert="您好,12345热线"' in html
