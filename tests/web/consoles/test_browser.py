"""Browser tests of the consoles: one per role's main path, and the whole loop end to end.

Headless Chromium at 1366×768 against the live server; screenshots of every console go to
artifacts/screenshots/.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hotline.tickets.models import State, Ticket
from tests.web.conftest import login, shot
from tests.web.consoles.conftest import act, fresh, new_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def switch(page: Any, username: str) -> None:
    page.context.clear_cookies()
    login(page, username)


def open_console(page: Any, path: str) -> None:
    page.goto(f"{page.base_url}{path}")
    page.wait_for_load_state("networkidle")


def test_dispatcher_confirms_from_queue(page: Any, corg: Any) -> None:
    t = new_ticket(corg)
    new_ticket(corg, text="石门县龙潭镇集贸市场噪音扰民,晚上十点还在营业放音乐")
    login(page, "dispatcher")
    open_console(page, "/dispatch/")
    row = page.locator(f"#t-{t.number}")
    assert "滨江县" in row.inner_text()
    shot(page, "dispatch-queue")
    row.get_by_role("button", name="确认派单").click()
    page.wait_for_load_state("networkidle")
    assert "已派至" in page.locator(".messages").inner_text()
    assert fresh(t).state == State.DISPATCHED


def test_unit_signs_subdispatches_reports(page: Any, corg: Any) -> None:
    t = act(corg, "dispatcher", "dispatch", new_ticket(corg), lead_unit="A")
    login(page, "a_gov")
    open_console(page, "/unit/")
    shot(page, "unit-workbench")
    page.locator(f"#t-{t.number}").get_by_role("button", name="签收").click()
    page.wait_for_load_state("networkidle")
    row = page.locator(f"#t-{t.number}")
    row.locator("summary", has_text="下派").click()
    row.locator(f"#sd-{t.number}").select_option("A-CG")
    row.get_by_role("button", name="下派", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert fresh(t).lead_unit.code == "A-CG"
    switch(page, "a_cg")
    open_console(page, "/unit/")
    page.locator(f"#t-{t.number}").get_by_role("button", name="签收").click()
    page.wait_for_load_state("networkidle")
    row = page.locator(f"#t-{t.number}")
    row.locator("summary", has_text="办结反馈").click()
    row.locator(f"#rp-{t.number}").fill("已更换路灯灯头并试亮")
    row.get_by_role("button", name="提交办结").click()
    page.wait_for_load_state("networkidle")
    assert fresh(t).state == State.REPORTED


def test_supervisor_urges_overdue(page: Any, corg: Any) -> None:
    t = act(corg, "dispatcher", "dispatch", new_ticket(corg), lead_unit="A-ZJ")
    past = timezone.now() - timedelta(days=1)
    Ticket.objects.filter(pk=t.pk).update(sign_deadline=past, resolve_deadline=past)
    login(page, "supervisor")
    open_console(page, "/supervise/")
    assert "滨江县住建局" in page.locator("#by-unit").inner_text()
    shot(page, "supervise")
    row = page.locator(f"#t-{t.number}")
    row.locator(f"#un-{t.number}").fill("请立即签收办理")
    row.get_by_role("button", name="催办").click()
    page.wait_for_load_state("networkidle")
    assert fresh(t).urge_count == 1
    open_console(page, "/supervise/?tab=complaints")
    shot(page, "supervise-complaints")


def test_reviewer_passes(page: Any, corg: Any) -> None:
    t = act(corg, "dispatcher", "dispatch", new_ticket(corg), lead_unit="A-ZJ")
    act(corg, "a_zj", "sign", t)
    act(corg, "a_zj", "report", t, result="已修复路灯")
    login(page, "reviewer")
    open_console(page, "/review/")
    assert "已修复路灯" in page.locator(f"#t-{t.number}").inner_text()
    shot(page, "review-queue")
    page.locator(f"#t-{t.number}").get_by_role("button", name="审核通过").click()
    page.wait_for_load_state("networkidle")
    assert fresh(t).state == State.AWAITING_CALLBACK


def test_callback_records_satisfaction(page: Any, corg: Any) -> None:
    t = act(corg, "dispatcher", "dispatch", new_ticket(corg), lead_unit="A-ZJ")
    act(corg, "a_zj", "sign", t)
    act(corg, "a_zj", "report", t, result="已修复路灯")
    act(corg, "reviewer", "review", t, passed=True)
    login(page, "callback")
    open_console(page, "/callback/")
    row = page.locator(f"#t-{t.number}")
    assert "问候语" in row.inner_text()
    row.get_by_role("button", name="显示完整号码").click()
    page.wait_for_selector(f"#ph-{t.number} .phone-full")
    shot(page, "callback-queue")
    row.get_by_label("满意", exact=True).check()
    row.get_by_label("已解决").check()
    row.get_by_role("button", name="保存回访结果").click()
    page.wait_for_load_state("networkidle")
    assert fresh(t).state == State.ARCHIVED


def test_leader_sees_charts(page: Any, corg: Any) -> None:
    t = new_ticket(corg, lat=27.1, lng=109.2)
    act(corg, "dispatcher", "dispatch", t, lead_unit="A-ZJ")
    act(corg, "a_zj", "sign", t)
    login(page, "leader")
    open_console(page, "/leader/")
    for chart in ("chart-volume", "chart-types", "chart-topics", "chart-rates", "chart-hot-places"):
        assert page.locator(f"#{chart} canvas").count() >= 1, chart
        assert page.evaluate(f"() => !!echarts.getInstanceByDom(document.getElementById('{chart}'))")
    assert page.evaluate("() => window.hotlineCharts.length") == 6
    assert page.locator("#ticket-map .leaflet-interactive").count() == 1
    shot(page, "leader-dashboard")


def test_full_loop_end_to_end(page: Any, corg: Any) -> None:
    """Citizen → portal → dispatcher → county signs, sub-dispatches → township signs and
    reports → reviewer passes → callback dissatisfied → township re-handles → reviewer
    passes → callback satisfied → archived."""
    page.goto(f"{page.base_url}/portal/")
    page.fill("#id_text", "城关镇河西村路口的路灯坏了一个多月,晚上很黑,老人小孩出行不安全")
    page.fill("#id_address", "滨江县城关镇河西村路口")
    page.fill("#id_phone", "13912345678")
    page.fill("#id_citizen_name", "王五")
    page.get_by_role("button", name="提交诉求").click()
    page.wait_for_selector("#ticket-number")
    number = page.locator("#ticket-number").inner_text().strip()
    shot(page, "e2e-01-portal-submitted")
    assert Ticket.objects.get(number=number).state == State.ACCEPTED

    # 派单员: change the suggestion to the county government (searchable select over htmx).
    login(page, "dispatcher")
    open_console(page, "/dispatch/")
    row = page.locator(f"#t-{number}")
    assert row.count() == 1
    row.locator("summary", has_text="改派其他单位").click()
    row.locator(f"#lead-{number}-q").fill("滨江县人民")
    page.wait_for_selector(f"#lead-{number} option[value='A']", state="attached")
    row.locator(f"#lead-{number}").select_option("A")
    row.locator(f"#assist-{number}").evaluate("s => { for (const o of s.options) o.selected = false; }")
    shot(page, "e2e-02-dispatch-change")
    row.get_by_role("button", name="派单", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert "滨江县人民政府" in page.locator(".messages").inner_text()

    # 县: sign and sub-dispatch to the township.
    switch(page, "a_gov")
    open_console(page, "/unit/")
    page.locator(f"#t-{number}").get_by_role("button", name="签收").click()
    page.wait_for_load_state("networkidle")
    row = page.locator(f"#t-{number}")
    row.locator("summary", has_text="下派").click()
    row.locator(f"#sd-{number}-q").fill("城关")
    page.wait_for_selector(f"#sd-{number} option[value='A-CG']", state="attached")
    row.locator(f"#sd-{number}").select_option("A-CG")
    row.get_by_role("button", name="下派", exact=True).click()
    page.wait_for_load_state("networkidle")
    open_console(page, "/unit/?view=below")
    assert "滨江县城关镇" in page.locator(f"#t-{number}").inner_text()

    def township_reports(result: str) -> None:
        switch(page, "a_cg")
        open_console(page, "/unit/")
        row = page.locator(f"#t-{number}")
        sign = row.get_by_role("button", name="签收")
        if sign.count():
            sign.click()
            page.wait_for_load_state("networkidle")
            row = page.locator(f"#t-{number}")
        row.locator("summary", has_text="办结反馈").click()
        row.locator(f"#rp-{number}").fill(result)
        row.get_by_role("button", name="提交办结").click()
        page.wait_for_load_state("networkidle")
        assert fresh(Ticket.objects.get(number=number)).state == State.REPORTED

    def reviewer_passes() -> None:
        switch(page, "reviewer")
        open_console(page, "/review/")
        page.locator(f"#t-{number}").get_by_role("button", name="审核通过").click()
        page.wait_for_load_state("networkidle")

    def callback(satisfaction: str, resolved: str) -> None:
        switch(page, "callback")
        open_console(page, "/callback/")
        row = page.locator(f"#t-{number}")
        assert "王*" in row.inner_text()
        row.get_by_label(satisfaction, exact=True).check()
        row.get_by_label(resolved).check()
        row.get_by_role("button", name="保存回访结果").click()
        page.wait_for_load_state("networkidle")

    township_reports("已更换路灯灯头")
    reviewer_passes()
    callback("不满意", "未解决")
    assert "已退回重办" in page.locator(".messages").inner_text()
    t = Ticket.objects.get(number=number)
    assert t.state == State.HANDLING and t.rehandle_count == 1 and t.lead_unit.code == "A-CG"

    switch(page, "a_cg")
    open_console(page, "/unit/")
    assert "重办第 1 次" in page.locator(f"#t-{number}").inner_text()
    shot(page, "e2e-03-rehandle")
    township_reports("更换整套灯具并加装线路保护,已试亮")
    reviewer_passes()
    callback("满意", "已解决")
    assert "已归档" in page.locator(".messages").inner_text()
    assert Ticket.objects.get(number=number).state == State.ARCHIVED

    # The ticket page (another console's) shows the archived ticket.
    page.goto(f"{page.base_url}/tickets/{number}/")
    page.wait_for_load_state("networkidle")
    assert "已归档" in page.content()
    shot(page, "e2e-04-archived")
