"""Browser paths through the pages (headless Chromium at 1366×768), with screenshots."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hotline.knowledge.models import Article, ArticleTerm
from hotline.knowledge.seed import seed_articles
from hotline.sla.models import Notification
from hotline.tickets.models import State, Ticket
from tests.web.conftest import login, shot
from tests.web.helpers import new_ticket, signed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_horizontal_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_operator_path(page: Any, org: Any) -> None:
    seed_articles(Article, ArticleTerm)
    login(page, "operator")
    shot(page, "home-operator")
    page.click("nav.mainnav >> text=受理")
    page.wait_for_url(re.compile(r"/intake/$"))
    page.fill("#id_phone", "13911112222")
    page.fill("#id_citizen_name", "赵六")
    page.fill("#id_address", "滨江县城关镇")
    page.click("#id_text")
    page.keyboard.type("我的社保卡丢了,想问一下怎么补办")
    page.wait_for_selector("[data-testid=suggestions] .sg-type")
    page.wait_for_selector("text=社保卡丢失或损坏如何补办")
    _no_horizontal_scroll(page)
    shot(page, "operator-intake")
    # Use the knowledge answer and answer on the spot with the keyboard (Alt+2).
    page.click("text=用此答复")
    assert "合作银行" in page.input_value("#id_answer")
    page.keyboard.press("Alt+2")
    page.wait_for_url(re.compile(r"/tickets/\d+/$"))
    ticket = Ticket.objects.get()
    assert ticket.state == State.AWAITING_CALLBACK
    assert page.is_visible(f"text=已受理并即时答复,工单编号 {ticket.number}")
    shot(page, "ticket-page")


def test_operator_creates_and_reveals(page: Any, org: Any) -> None:
    login(page, "operator")
    page.goto(f"{page.base_url}/intake/")
    page.fill("#id_phone", "13911113333")
    page.click("#id_text")
    page.keyboard.type("城关镇河西村的路灯坏了好几天了,晚上很黑")
    page.wait_for_selector("[data-testid=suggestions] .sg-topic")
    page.keyboard.press("Alt+1")
    page.wait_for_url(re.compile(r"/tickets/\d+/$"))
    assert Ticket.objects.get().state == State.ACCEPTED
    assert page.is_visible("text=139****3333")
    page.click("text=查看完整信息")
    page.wait_for_selector("text=13911113333")


def test_handler_acts_on_ticket_page(page: Any, org: Any) -> None:
    ticket = signed(org)
    Notification.objects.create(
        user=org.a_housing_handler,
        kind="urge",
        title="催办:请尽快办理",
        ticket=ticket,
        created_at=ticket.updated_at,
    )
    login(page, "a_zj")
    shot(page, "home-handler")
    page.click("nav.mainnav >> text=消息")
    page.wait_for_url(re.compile(r"/inbox/$"))
    shot(page, "inbox")
    page.click(f"text={ticket.number}")
    page.wait_for_url(re.compile(rf"/tickets/{ticket.number}/$"))
    page.click("#act-report summary")
    page.fill("#f-report-result", "已更换路灯灯泡,恢复照明")
    page.click("#act-report button[type=submit]")
    page.wait_for_selector("text=已办结反馈:工单")
    ticket.refresh_from_db()
    assert ticket.state == State.REPORTED
    shot(page, "ticket-page-handler")


def test_citizen_path(page: Any, org: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    page.goto(f"{page.base_url}/")
    shot(page, "portal-landing")
    page.click("text=我要反映 >> nth=0")
    page.fill("#id_text", "石门县龙潭镇老街下水道堵塞,污水漫到路面,气味很大")
    page.fill("#id_address", "龙潭镇老街")
    page.fill("#id_phone", "13755556666")
    page.set_input_files(
        "#id_photo",
        files=[{"name": "drain.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n" + b"\0" * 100}],
    )
    shot(page, "portal-submit")
    page.click("button:has-text('提交诉求')")
    page.wait_for_url(re.compile(r"/portal/submitted/$"))
    number = page.inner_text("#ticket-number").strip()
    code = page.inner_text("#query-code").strip()
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == "web" and ticket.query_code == code
    shot(page, "portal-submitted")
    page.click("text=查询办理进度")
    page.fill("#id_number", number)
    page.fill("#id_query_code", code.lower())  # as a citizen may type it
    page.press("#id_query_code", "Enter")
    page.wait_for_selector("text=您的诉求已受理")
    shot(page, "portal-track")


def test_knowledge_base_search(page: Any, org: Any) -> None:
    seed_articles(Article, ArticleTerm)
    page.goto(f"{page.base_url}/kb/")
    page.fill("#kb-q", "公积金怎么取出来")
    page.press("#kb-q", "Enter")
    page.wait_for_selector("text=住房公积金提取条件和办理方式")
    _no_horizontal_scroll(page)
    shot(page, "kb-search")
    page.click("text=住房公积金提取条件和办理方式")
    page.wait_for_selector("h1:has-text('住房公积金提取条件和办理方式')")
    shot(page, "kb-article")


def test_staff_pages_render(page: Any, org: Any) -> None:
    seed_articles(Article, ArticleTerm)
    new_ticket(org.operator)
    page.goto(f"{page.base_url}/login/")
    shot(page, "login")
    for username in ("dispatcher", "leader"):
        login(page, username)
        _no_horizontal_scroll(page)
        shot(page, f"home-{username}")
        page.click("button:has-text('退出')")
        page.wait_for_url(re.compile(r"/$"))
    login(page, "admin")
    page.goto(f"{page.base_url}/kb/manage/")
    shot(page, "kb-manage")
    page.goto(f"{page.base_url}/kb/manage/new/")
    shot(page, "kb-edit")
    # The keyboard reaches the main content first (skip link) and shows focus.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
