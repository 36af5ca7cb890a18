"""找工单 (/search/) through the page: the list, the scope, bad input, saved filters, bulk actions."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from hotline.audit.models import Event
from hotline.org.actor import Actor
from hotline.tickets.actions import progress, report, review
from hotline.tickets.models import State, Ticket
from hotline.web.models import SavedFilter
from tests.web.helpers import client_for, dispatched, new_ticket, signed


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def awaiting_callback(org: Any) -> Ticket:
    ticket = signed(org)
    handler = Actor.of(org.a_housing_handler)
    progress(handler, ticket.number, note="处理中")
    report(handler, ticket.number, result="已修复")
    return review(Actor.of(org.reviewer), ticket.number, passed=True)


def test_the_list_shows_text_address_unit_deadline_light_and_state(org: Any) -> None:
    ticket = dispatched(org, address="滨江县城关镇河西村三组")
    body = client_for(org.supervisor).get("/search/", {"address": "河西村"}).content.decode()
    assert f'href="/tickets/{ticket.number}/"' in body
    assert "城关镇河西村路灯坏了一个星期" in body  # the excerpt
    assert "滨江县城关镇河西村三组" in body and "滨江县住建局" in body
    assert "light light-green" in body and "正常" in body
    assert ticket.sign_deadline is not None and f"{ticket.sign_deadline.astimezone():%m-%d}" in body
    assert "已派单" in body and "地址「河西村」" in body


def test_a_handler_finds_nothing_of_another_unit_by_any_field(org: Any) -> None:
    ours = dispatched(org, lead="A-ZJ", text="河西村路灯不亮")
    theirs = dispatched(
        org,
        lead="B-ZJ",
        text="龙潭镇停水三天",
        phone="13911115678",
        citizen_name="李四",
        address="龙潭镇幸福路",
    )
    client = client_for(org.a_housing_handler)
    for params in [
        {"number": theirs.number},
        {"phone": "13911115678"},
        {"phone": "5678"},
        {"name": "李四"},
        {"address": "幸福路"},
        {"text": "停水"},
        {"state": "dispatched"},
        {},
    ]:
        response = client.get("/search/", params)
        assert response.status_code == 200, params
        assert f"/tickets/{theirs.number}/" not in response.content.decode(), params
    assert f"/tickets/{ours.number}/" in client.get("/search/").content.decode()
    refused = client.get("/search/", {"unit": "B-ZJ"})
    assert refused.status_code == 400 and "单位「B-ZJ」不存在或不在您的数据范围内" in refused.content.decode()
    assert f"/tickets/{theirs.number}/" not in refused.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("number=abc", "工单编号只含数字"),
        ("from=2026-02-30", "日期 2026-02-30 不存在"),
        ("from=tomorrow", "日期格式应为 年-月-日"),
        ("to=2026-01-01&from=2026-02-01", "截止日期不能早于起始日期"),
        ("state=nonsense", "未知状态:nonsense"),
        ("channel=%E4%BC%A0%E7%9C%9F", "未知渠道"),
        ("text=" + "字" * 500, "不能超过 100 个字"),
        ("address=%25", "至少输入 2 个字"),
        ("phone=--", "请输入完整电话号码或后四位数字"),
        ("after=1.2.3", "翻页位置无效"),
        ("after=99999999999999999999.1", "翻页位置无效"),
    ],
)
def test_bad_input_is_a_400_in_chinese_never_a_500(org: Any, query: str, message: str) -> None:
    response = client_for(org.supervisor).get(f"/search/?{query}")
    assert response.status_code == 400 and message in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "state=&state=accepted",
        "number=&name=",
        "unit=%27%3B--",
        "text=%5C%25_",
        "page=-1&after=",
        "x=" + "y" * 5000,
    ],
)
def test_odd_but_harmless_queries_answer(org: Any, query: str) -> None:
    assert client_for(org.supervisor).get(f"/search/?{query}").status_code in (200, 400)


def test_anonymous_goes_to_login(client: Client, org: Any) -> None:
    response = client.get("/search/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_saved_filters_are_the_users_own(org: Any) -> None:
    mine = client_for(org.supervisor)
    response = mine.post(
        "/search/filters/", {"name": "  河西村 未派 ", "query": "address=河西村&state=accepted&after=1.2"}
    )
    assert response.status_code == 302
    saved = SavedFilter.objects.get(user=org.supervisor)
    assert saved.name == "河西村 未派" and saved.query == "address=%E6%B2%B3%E8%A5%BF%E6%9D%91&state=accepted"
    assert f'href="/search/?{saved.query.replace("&", "&amp;")}"' in mine.get("/search/").content.decode()
    # The same name again replaces it.
    mine.post("/search/filters/", {"name": "河西村 未派", "query": "address=河西村"})
    assert list(SavedFilter.objects.filter(user=org.supervisor).values_list("query", flat=True)) == [
        "address=%E6%B2%B3%E8%A5%BF%E6%9D%91"
    ]
    other = client_for(org.dispatcher)
    assert "河西村 未派" not in other.get("/search/").content.decode()
    assert other.post(f"/search/filters/{saved.pk}/delete/").status_code == 404
    assert SavedFilter.objects.filter(pk=saved.pk).exists()
    assert mine.post(f"/search/filters/{saved.pk}/delete/").status_code == 302
    assert not SavedFilter.objects.exists()


def test_a_bad_saved_filter_is_refused(org: Any) -> None:
    client = client_for(org.supervisor)
    response = client.post("/search/filters/", {"name": "", "query": "text=路灯"}, follow=True)
    assert "筛选名称须为 1 至 40 个字" in response.content.decode()
    response = client.post("/search/filters/", {"name": "坏", "query": "from=2026-02-30"}, follow=True)
    assert "查询条件有误,未保存" in response.content.decode()
    assert not SavedFilter.objects.exists()


def test_bulk_urge_reports_each_ticket(org: Any) -> None:
    a = dispatched(org, text="河西村路灯不亮")
    b = dispatched(org, text="河西村路灯闪烁")
    waiting = new_ticket(org.operator, text="河西村路灯还没派单")  # accepted: 催办 does not apply
    client = client_for(org.supervisor)
    page = client.get("/search/", {"text": "路灯"}).content.decode()
    assert "批量催办" in page and "批量归档" not in page and "批量派单" not in page
    response = client.post(
        "/search/bulk/?text=路灯",
        {
            "action": "urge",
            "note": "请尽快处理",
            "numbers": [a.number, b.number, waiting.number, "2099010100001"],
            f"version_{a.number}": a.version,
            f"version_{b.number}": b.version - 1,  # stale: someone acted since the list
            f"version_{waiting.number}": waiting.version,
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "批量催办:成功 1 件,未执行 3 件" in body
    assert fresh(a).urge_count == 1 and fresh(b).urge_count == 0 and fresh(waiting).urge_count == 0
    assert "已催办" in body and "该工单已被他人更新" in body
    assert "不在您的数据范围内" in body
    # The refusal of the wrong state is the action's own reason, on that ticket's row.
    result = body.split('id="bulk-result"')[1].split("</table>")[0]
    row = result.split(f"/tickets/{waiting.number}/")[1].split("</tr>")[0]
    assert "工单当前状态为「已受理」,不能执行「催办」" in row
    assert Event.objects.filter(action="urge").count() == 1


def test_bulk_dispatch_to_one_lead_unit(org: Any) -> None:
    first = new_ticket(org.operator, text="龙潭镇停水")
    second = new_ticket(org.operator, text="龙潭镇又停水")
    done = dispatched(org, lead="A-ZJ", text="龙潭镇停水已派")
    client = client_for(org.dispatcher)
    fields = {
        "action": "dispatch",
        "lead_unit": "B-ZJ",
        "numbers": [first.number, second.number, done.number],
        **{f"version_{t.number}": t.version for t in (first, second, done)},
    }
    body = client.post("/search/bulk/?text=停水", fields).content.decode()
    assert "批量派单:成功 2 件,未执行 1 件" in body
    assert fresh(first).lead_unit.code == fresh(second).lead_unit.code == "B-ZJ"
    assert fresh(done).lead_unit.code == "A-ZJ" and fresh(done).state == State.DISPATCHED
    missing = client.post("/search/bulk/", {**fields, "lead_unit": ""})
    assert missing.status_code == 422 and "请选择主办单位" in missing.content.decode()


def test_bulk_archive_needs_a_reason_and_the_callback_role(org: Any) -> None:
    ticket = awaiting_callback(org)
    fields = {"action": "archive", "numbers": [ticket.number], f"version_{ticket.number}": ticket.version}
    callback = client_for(org.callback)
    refused = callback.post("/search/bulk/", fields)
    assert refused.status_code == 422 and "请选择归档原因" in refused.content.decode()
    assert fresh(ticket).state == State.AWAITING_CALLBACK
    # Another role may not take the action at all.
    assert (
        client_for(org.supervisor).post("/search/bulk/", {**fields, "reason": "declined"}).status_code == 403
    )
    assert (
        client_for(org.a_housing_handler).post("/search/bulk/", {**fields, "action": "urge"}).status_code
        == 403
    )
    assert fresh(ticket).state == State.AWAITING_CALLBACK
    body = callback.post("/search/bulk/", {**fields, "reason": "unreachable"}).content.decode()
    assert "批量归档:成功 1 件,未执行 0 件" in body and fresh(ticket).state == State.ARCHIVED


def test_bulk_limits(org: Any) -> None:
    client = client_for(org.supervisor)
    none = client.post("/search/bulk/", {"action": "urge"})
    assert none.status_code == 400 and "请先勾选工单" in none.content.decode()
    many = client.post(
        "/search/bulk/", {"action": "urge", "numbers": [f"2026010100{i:03d}" for i in range(51)]}
    )
    assert many.status_code == 400 and "一次最多批量处理 50 件" in many.content.decode()


def test_every_staff_role_has_the_menu_link(org: Any) -> None:
    for user in (org.operator, org.a_village_handler, org.leader):
        body = client_for(user).get("/").content.decode()
        assert '<a href="/search/" accesskey="f">找工单</a>' in body
    current = client_for(org.operator).get("/search/").content.decode()
    assert '<a href="/search/" accesskey="f" aria-current="page" class="current">找工单</a>' in current


def test_a_bulk_form_without_its_action_is_refused(org: Any) -> None:
    response = client_for(org.a_housing_handler).post("/search/bulk/", {"numbers": ["2026010100001"]})
    assert response.status_code == 422 and "请选择批量操作" in response.content.decode()


def test_the_api_answers_the_same_search_in_json(org: Any, api_as: Any) -> None:
    ours = dispatched(org, lead="A-ZJ", text="河西村路灯不亮", address="滨江县城关镇河西村")
    theirs = dispatched(org, lead="B-ZJ", text="龙潭镇路灯不亮")
    handler = api_as("a_zj")
    body = handler.get("/search/tickets", text="路灯").json()
    assert [hit["number"] for hit in body["items"]] == [ours.number] and body["next"] is None
    hit = body["items"][0]
    assert hit["lead_unit"]["name"] == "滨江县住建局" and hit["light"] == "green"
    assert hit["address"] == "滨江县城关镇河西村" and hit["excerpt"] == "河西村路灯不亮"
    assert hit["deadline"] is not None and hit["state_label"] == "已派单"
    everything = api_as("supervisor").get("/search/tickets", text="路灯", state=["dispatched"]).json()
    assert {h["number"] for h in everything["items"]} == {ours.number, theirs.number}
    refused = handler.get("/search/tickets", number="x", **{"from": "2026-02-30"})
    assert refused.status_code == 422
    assert {(d["loc"][1], d["msg"]) for d in refused.json()["detail"]} == {
        ("number", "工单编号只含数字"),
        ("from", "日期 2026-02-30 不存在"),
    }
    paged = api_as("supervisor").get("/search/tickets", after="x")
    assert paged.status_code == 422 and "翻页位置无效" in paged.json()["message"]


def test_a_page_of_results_costs_the_same_few_queries(org: Any, django_assert_max_num_queries: Any) -> None:
    for i in range(25):
        dispatched(org, text=f"第{i}件路灯故障")
    client = client_for(org.supervisor)
    client.get("/search/")
    with django_assert_max_num_queries(8):
        body = client.get("/search/", {"text": "路灯"}).content.decode()
    assert body.count('class="tno"') == 20 and "下一页(更早的工单)" in body
