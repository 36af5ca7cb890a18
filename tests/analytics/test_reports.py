"""The printable monthly report and the Excel exports."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.analytics.test_kpis import history  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.analytics.urls")]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_kpi_export_opens_with_chinese_headers(org: Any, history: dict[str, str]) -> None:  # noqa: F811
    r = _client(org.leader).get("/analytics/export/kpis.xlsx", {"period": "2025-03", "level": "county"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    header = [c.value for c in ws[1]]
    assert header[:5] == ["排名", "单位编码", "单位名称", "层级", "综合得分"] and "签收率(%)" in header
    rows = {row[1]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["A-ZJ"][header.index("签收率(%)")] == 50.0
    assert list(rows.values())[-1][2] == "合计"


def test_drill_export_lists_the_tickets(org: Any, history: dict[str, str]) -> None:  # noqa: F811
    r = _client(org.leader).get(
        "/analytics/export/drill.xlsx",
        {"period": "2025-03", "kpi": "sign_rate", "unit": "A-ZJ", "part": "denominator"},
    )
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [c.value for c in ws[1]][:3] == ["工单编号", "标题", "受理时间"]
    assert sorted(row[0] for row in ws.iter_rows(min_row=2, values_only=True)) == sorted(
        [history["t1"], history["t2"]]
    )
    # Out of scope: refused, not a 500.
    r = _client(org.b_housing_handler).get("/analytics/export/drill.xlsx", {"kpi": "volume", "unit": "A-ZJ"})
    assert r.status_code == 403


def test_monthly_report_renders(org: Any, history: dict[str, str]) -> None:  # noqa: F811
    r = _client(org.leader).get("/analytics/report/", {"period": "2025-03"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "月度分析报告" in html and "滨江县住建局" in html and "echarts.min.js" in html
    assert _client(org.leader).get("/analytics/report/", {"period": "bad"}).status_code == 422
    assert Client().get("/analytics/report/").status_code == 302


def test_api_through_token_auth(org: Any, history: dict[str, str]) -> None:  # noqa: F811
    client = Client()
    token = client.post(
        "/api/v1/auth/token",
        {"username": "leader", "password": "pass-12345"},
        content_type="application/json",
    ).json()["token"]
    r = client.get(
        "/api/analytics-test/kpis/ranking",
        {"level": "county", "period": "2025-03"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert r.status_code == 200 and r.json()["rows"][0]["unit"] == "B-ZJ"
