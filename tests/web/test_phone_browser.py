"""Phones (issue 14, item 5): the portal and a township handler's loop at 390×844 in
headless Chromium, nothing wider than the screen, a compact header, number pads for phone
fields; the staff pages still right at 1366×768; lists that show text, address, deadline
and light. Screenshots go to artifacts/screenshots/ (gitignored)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from hotline.org.actor import Actor
from hotline.tickets.actions import dispatch, report, review, sign
from hotline.tickets.models import State, Ticket
from tests.web.conftest import login, shot
from tests.web.helpers import dispatched, new_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LONG_TEXT = "城关镇河西村村口到小学的那段路有三盏路灯坏了一个多星期,晚上孩子放学回家路上漆黑一片,很不安全"


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    context.set_default_timeout(10_000)
    pg = context.new_page()
    pg.base_url = live_server.url  # type: ignore[attr-defined]
    yield pg
    context.close()


def _fits(page: Any, name: str) -> None:
    """Nothing scrolls sideways, and the header is a compact band, not a column of
    characters; a screenshot of the page as a phone shows it."""
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{name}: {width[0]} px wide on a {width[1]} px screen"
    header = page.evaluate("document.querySelector('.topbar').getBoundingClientRect().height")
    assert header <= 120, f"{name}: header {header} px high"
    # Every link of the header stays on one line.
    tall = page.evaluate(
        "[...document.querySelectorAll('.topbar a')].filter(a => a.getBoundingClientRect().height > 48)"
        ".map(a => a.textContent.trim())"
    )
    assert not tall, f"{name}: header links wrap: {tall}"
    shot(page, f"phone-{name}")


def test_the_citizen_path_on_a_phone(phone: Any, org: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    phone.goto(f"{phone.base_url}/")
    _fits(phone, "portal-landing")
    phone.click("text=我要反映 >> nth=0")
    phone.wait_for_url(re.compile(r"/portal/$"))
    assert phone.get_attribute("#id_phone", "type") == "tel"
    assert phone.get_attribute("#id_phone", "inputmode") == "tel"
    phone.fill("#id_text", "石门县龙潭镇老街下水道堵塞,污水漫到路面,气味很大")
    phone.fill("#id_address", "龙潭镇老街")
    phone.fill("#id_phone", "13755556666")
    _fits(phone, "portal-submit")
    phone.click("button:has-text('提交诉求')")
    phone.wait_for_url(re.compile(r"/portal/submitted/$"))
    _fits(phone, "portal-submitted")
    number = phone.inner_text("#ticket-number").strip()
    code = phone.inner_text("#query-code").strip()
    # Handled and reported meanwhile: the citizen reads the result on the tracking page.
    ticket = Ticket.objects.get(number=number)
    dispatch(Actor.of(org.dispatcher), number, lead_unit="B-LT")
    sign(Actor.of(org.b_town_handler), number)
    report(Actor.of(org.b_town_handler), number, result="已组织疏通下水道,路面污水已清理")
    review(Actor.of(org.reviewer), number, passed=True)
    phone.click("text=查询办理进度")
    assert phone.get_attribute("#id_number", "inputmode") == "numeric"
    assert phone.get_attribute("#id_phone_last4", "inputmode") == "numeric"
    phone.fill("#id_number", number)
    phone.fill("#id_query_code", code)
    phone.press("#id_query_code", "Enter")
    phone.wait_for_selector(".track-result")
    assert "已组织疏通下水道" in phone.inner_text(".track-result")
    assert "石门县龙潭镇" in phone.inner_text(".timeline")
    _fits(phone, "portal-track")
    ticket.refresh_from_db()
    assert ticket.state == State.AWAITING_CALLBACK


def test_a_repeat_on_a_phone_is_offered_the_open_ticket(phone: Any, org: Any) -> None:
    earlier = new_ticket(org.operator, text="石门县龙潭镇老街下水道堵塞,污水漫到路面", phone="13755557777")
    phone.goto(f"{phone.base_url}/portal/")
    phone.fill("#id_text", "石门县龙潭镇老街下水道堵塞,污水漫到路面,还是没人来修")
    phone.fill("#id_phone", "13755557777")
    phone.click("button:has-text('提交诉求')")
    phone.wait_for_selector(".repeat-offer")
    _fits(phone, "portal-repeat-offer")
    phone.click("button:has-text('补充到原工单')")
    phone.wait_for_selector("#added-to")
    assert Ticket.objects.count() == 1 and earlier.contacts.count() == 2


def test_a_township_handler_works_on_a_phone(phone: Any, org: Any) -> None:
    ticket = dispatched(org, lead="A-CG", text=LONG_TEXT, address="城关镇河西村村口至河西小学路段")
    login(phone, "a_cg")
    _fits(phone, "home-township")
    phone.click("nav.mainnav >> text=承办")
    phone.wait_for_url(re.compile(r"/unit/$"))
    card = phone.locator(f"#t-{ticket.number}")
    # The card says what, where and by when, not only the title.
    text = card.inner_text()
    assert "路灯坏了" in text and "河西小学路段" in text and "签收时限" in text and "前" in text
    _fits(phone, "unit-workbench")
    card.locator("button:has-text('签收')").click()
    phone.wait_for_selector("text=已签收")
    _fits(phone, "unit-signed")
    card = phone.locator(f"#t-{ticket.number}")
    card.locator("summary:has-text('办结反馈')").click()
    card.locator("textarea[name=result]").fill("已更换三盏路灯灯泡,恢复夜间照明")
    _fits(phone, "unit-report-form")
    card.locator("button:has-text('提交办结')").click()
    phone.wait_for_selector("text=已提交办结反馈")
    ticket.refresh_from_db()
    assert ticket.state == State.REPORTED
    phone.goto(f"{phone.base_url}/tickets/{ticket.number}/")
    phone.wait_for_selector("text=全程留痕")
    _fits(phone, "ticket-page-township")


def test_callback_and_ticket_pages_on_a_phone(phone: Any, org: Any) -> None:
    ticket = dispatched(org, lead="A-CG", text=LONG_TEXT)
    sign(Actor.of(org.a_town_handler), ticket.number)
    report(Actor.of(org.a_town_handler), ticket.number, result="已更换路灯灯泡")
    review(Actor.of(org.reviewer), ticket.number, passed=True)
    login(phone, "callback")
    phone.goto(f"{phone.base_url}/callback/")
    phone.wait_for_selector(f"#t-{ticket.number}")
    _fits(phone, "callback")
    phone.goto(f"{phone.base_url}/tickets/{ticket.number}/")
    _fits(phone, "ticket-page-callback")


def test_staff_pages_at_1366(page: Any, org: Any) -> None:
    waiting = new_ticket(org.operator, text=LONG_TEXT, address="城关镇河西村村口")
    held = dispatched(org, lead="A-ZJ", text=LONG_TEXT, address="城关镇河西村村口至河西小学路段")
    login(page, "dispatcher")
    page.goto(f"{page.base_url}/dispatch/")
    row = page.locator(f"#t-{waiting.number}").inner_text()
    assert "路灯坏了" in row and "城关镇河西村村口" in row and "未计时" in row
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    header = page.evaluate("document.querySelector('.topbar').getBoundingClientRect().height")
    assert header <= 60  # one row at 1366
    shot(page, "staff-dispatch-1366")
    page.goto(f"{page.base_url}/tickets/{held.number}/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "staff-ticket-1366")
    page.click("button:has-text('退出')")
    login(page, "a_zj")
    page.goto(f"{page.base_url}/unit/")
    row = page.locator(f"#t-{held.number}").inner_text()
    assert "路灯坏了" in row and "河西小学路段" in row and "正常" in row
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # A table at 1366: the list's head is shown, rows are not cards.
    assert page.is_visible("table.grid thead th:has-text('时限')")
    shot(page, "staff-unit-1366")


def test_intake_suggestions_follow_pasted_text(page: Any, org: Any) -> None:
    login(page, "operator")
    page.goto(f"{page.base_url}/intake/")
    page.wait_for_selector("#suggestions")
    # fill() sets the value with one input event and no key: like a paste or dictation.
    page.fill("#id_text", "城关镇河西村的路灯坏了好几天了,晚上很黑")
    page.wait_for_selector("[data-testid=suggestions] .sg-topic")


def test_the_header_stays_compact_at_every_width(page: Any, org: Any) -> None:
    # The administrator has the most links: one row at 1366, two rows (brand and user,
    # then the links) on a tablet or a phone, never a column of links or characters.
    login(page, "admin")
    for width, most in ((1366, 60), (1100, 100), (1024, 100), (800, 100), (390, 120)):
        page.set_viewport_size({"width": width, "height": 800})
        header = page.evaluate("document.querySelector('.topbar').getBoundingClientRect().height")
        assert header <= most, f"header {header} px high at {width} px"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
