"""The admin pages (职责清单, 辖区边界) and the ``routing`` command."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from hotline.routing.models import Boundary, DutyRule
from tests.routing.conftest import PROPERTY, make_ticket

pytestmark = pytest.mark.django_db


def admin_client(org: Any) -> Client:
    org.admin.is_staff = org.admin.is_superuser = True
    org.admin.save()
    client = Client()
    client.force_login(org.admin)
    return client


def test_admin_lists_the_catalogue_and_validates_boundaries(rorg: Any) -> None:
    client = admin_client(rorg)
    page = client.get("/admin/routing/dutyrule/", {"q": "物业"})
    assert page.status_code == 200 and "职责清单" in page.content.decode()
    bad = client.post(
        "/admin/routing/boundary/add/", {"unit": rorg.b_town.pk, "geojson": '{"type": "Point"}'}
    )
    assert bad.status_code == 200 and "不是有效的 GeoJSON 多边形" in bad.content.decode()
    square = '{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}'
    good = client.post("/admin/routing/boundary/add/", {"unit": rorg.b_town.pk, "geojson": square})
    assert good.status_code == 302 and Boundary.objects.filter(unit=rorg.b_town).exists()


def test_command_seeds_reports_and_suggests(rorg: Any) -> None:
    out = StringIO()
    call_command("routing", "seed", stdout=out)
    assert "新增默认条目 0 条" in out.getvalue() and DutyRule.objects.exists()
    out = StringIO()
    call_command("routing", "ftr", stdout=out)
    assert "一次派单准确率 —(0/0)" in out.getvalue()
    ticket = make_ticket(text="城关镇小区物业问题", topic=PROPERTY)
    out = StringIO()
    call_command("routing", "suggest", ticket.number, stdout=out)
    assert '"code": "A-ZJ"' in out.getvalue()
