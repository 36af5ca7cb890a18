"""Chinese everywhere users look (issue 14, item 8): Django's own error pages, the admin's
section names, export file names, stored values and unit codes as people read them, and
errors of pages as pages."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from hotline.org.actor import Actor
from hotline.tickets.actions import callback, report, review
from tests.web.helpers import client_for, signed

pytestmark = pytest.mark.django_db

ENGLISH = re.compile(r"\b(Not Found|Forbidden|Server Error|Bad Request|CSRF|requested resource)\b")


@pytest.fixture
def production(settings: Any) -> None:
    settings.DEBUG = False


@pytest.mark.parametrize("language", ["zh-CN", "en-US,en;q=0.9"])
def test_unknown_url_is_a_chinese_404_page(client: Client, production: None, language: str) -> None:
    response = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE=language)
    html = response.content.decode()
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    assert "404 · 未找到" in html and 'lang="zh-CN"' in html and not ENGLISH.search(html)


def test_a_404_says_our_words_never_djangos(client: Client, production: None) -> None:
    from django.http import Http404
    from django.test import RequestFactory

    from hotline.web.views.errors import page_not_found

    html = client.get("/kb/99999999/").content.decode()
    assert "该知识条目不存在" in html  # a page's own reason is kept
    request = RequestFactory().get("/x/")
    request.user = AnonymousUser()
    html = page_not_found(request, Http404("No Article matches the given query.")).content.decode()
    assert "页面或工单不存在" in html and "matches" not in html


def test_django_forms_speak_chinese_to_an_english_browser(client: Client, org: Any) -> None:
    response = client.post("/login/", {"username": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "This field is required" not in html and "这个字段是必填项" in html


def test_csrf_failure_is_a_chinese_page(org: Any, production: None) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/portal/", {"text": "x"})
    html = response.content.decode()
    assert response.status_code == 403 and "页面已过期" in html and not ENGLISH.search(html)


def test_server_error_page_is_chinese_and_standalone(production: None) -> None:
    from hotline.web.views.errors import server_error

    response = server_error(None)  # type: ignore[arg-type]
    html = response.content.decode()
    assert response.status_code == 500 and "服务暂时不可用" in html and "12345" in html


def test_admin_sections_have_chinese_names(org: Any) -> None:
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save()
    html = client_for(org.admin).get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    sections = re.findall(r"<caption>\s*<a[^>]*>([^<]*)</a>", html)
    assert sections and "组织与用户" in sections and "智能分诊" in sections
    assert not [s for s in sections if re.fullmatch(r"[A-Za-z ]+", s)], sections


def test_exports_have_chinese_file_names(org: Any) -> None:
    response = client_for(org.leader).get("/analytics/export/kpis.xlsx", {"period": "2025-03"})
    disposition = response["Content-Disposition"]
    # RFC 5987: percent-encoded UTF-8, which browsers turn back into the Chinese name.
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert unquote(disposition.split("''", 1)[1]) == "考核指标_20250301-20250331.xlsx"
    response = client_for(org.leader).get(
        "/analytics/export/drill.xlsx", {"period": "2025-03", "kpi": "sign_rate", "part": "denominator"}
    )
    assert (
        unquote(response["Content-Disposition"].split("''", 1)[1])
        == "工单清单_签收率_派单量_20250301-20250331.xlsx"
    )


def test_a_bad_report_period_is_a_page(org: Any) -> None:
    for url in ("/analytics/report/", "/analytics/export/kpis.xlsx"):
        response = client_for(org.leader).get(url, {"period": "13 月"})
        assert response.status_code == 422 and response["Content-Type"].startswith("text/html")
        html = response.content.decode()
        assert "查询条件有误" in html and '"code"' not in html


def test_ticket_page_labels_values_and_names_units(org: Any) -> None:
    ticket = signed(org)
    report(Actor.of(org.a_housing_handler), ticket.number, result="已修复")
    review(Actor.of(org.reviewer), ticket.number, passed=True)
    callback(Actor.of(org.callback), ticket.number, reached=True, satisfaction="satisfied", resolved=True)
    html = client_for(org.dispatcher).get(f"/tickets/{ticket.number}/").content.decode()
    shown = re.sub(r"<[^>]+>", " ", html)
    assert "satisfied" not in shown and "满意度" in shown
    # The timeline names the units that signed and reported, never by their codes.
    assert "A-ZJ" not in shown and "单位编码" not in shown
    assert shown.count("滨江县住建局") >= 3


def test_a_post_only_address_opened_in_the_browser_is_a_page(client: Client, org: Any) -> None:
    response = client.get("/portal/rate/")
    html = response.content.decode()
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "无法直接打开" in html and "回到页面上点按钮" in html


def test_a_photo_is_named_in_chinese(client: Client, org: Any, settings: Any, tmp_path: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hotline.tickets.models import Ticket
    from hotline.web.models import Attachment

    settings.MEDIA_ROOT = str(tmp_path / "media")
    png = SimpleUploadedFile("x'; rm.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32, content_type="image/png")
    form = {"text": "龙潭镇老街下水道堵塞", "phone": "13712345678", "photo": png}
    assert client.post("/portal/", form).status_code == 302
    ticket = Ticket.objects.get()
    item = Attachment.objects.get()
    response = client_for(org.dispatcher).get(f"/tickets/{ticket.number}/files/{item.pk}/")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline; filename*=utf-8''")
    assert unquote(disposition.split("''", 1)[1]) == f"工单{ticket.number}_附件{item.pk}.png"
