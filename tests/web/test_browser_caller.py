"""The caller panel in the browser: a screen-pop for a caller whose ticket was archived
shows it at once; the call is added to the caller's open ticket with one key."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hotline.org.actor import Actor
from hotline.tickets.actions import answer, callback
from hotline.tickets.models import CallReference, Contact, Ticket
from tests.web.conftest import login, shot
from tests.web.helpers import new_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CALLER = "13900008888"


def test_screen_pop_shows_the_callers_history_and_adds_the_call(page: Any, org: Any) -> None:
    done = new_ticket(org.operator, text="社保卡丢了怎么补办", phone=CALLER)
    answer(Actor.of(org.operator), done.number, answer="持身份证到社保经办网点补办。")
    callback(Actor.of(org.callback), done.number, reached=True, satisfaction="satisfied", resolved=True)
    open_one = new_ticket(org.operator, text="小区门口井盖缺失,很危险", phone=CALLER)
    login(page, "operator")
    page.goto(f"{page.base_url}/intake/?phone={CALLER}&call_id=CTI-9&recording=https://pbx.example/r/9.wav")
    panel = page.wait_for_selector("[data-testid=caller]")
    text = panel.inner_text()
    assert done.number in text and "已归档" in text and "回访:满意" in text
    assert open_one.number in text
    shot(page, "intake-caller-panel")
    page.click(f"[data-testid=caller] li:has-text('{open_one.number}') >> text=追加到此工单")
    assert page.input_value("#id_add_to") == open_one.number
    page.click("#id_text")
    page.keyboard.type("井盖还是没有补上,今天又有人差点踩空")
    page.keyboard.press("Alt+6")
    page.wait_for_url(re.compile(rf"/tickets/{open_one.number}/$"))
    assert Ticket.objects.count() == 2
    added = Contact.objects.filter(ticket__number=open_one.number).order_by("id").last()
    assert added is not None and "踩空" in added.text
    assert CallReference.objects.get(contact=added).recording_url == "https://pbx.example/r/9.wav"


def test_typing_a_number_shows_the_caller(page: Any, org: Any) -> None:
    earlier = new_ticket(org.operator, text="路灯不亮", phone=CALLER)
    login(page, "operator")
    page.goto(f"{page.base_url}/intake/")
    page.fill("#id_phone", CALLER)  # a fill is one input event, as a paste is
    page.wait_for_selector(f"[data-testid=caller] >> text={earlier.number}")
