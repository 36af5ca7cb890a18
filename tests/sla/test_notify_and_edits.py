"""Inbox, outbound delivery, and calendar/policy edits that would break a policy."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from hotline.audit.models import Event
from hotline.sla import calendar
from hotline.sla.editing import CalendarEditError, set_day
from hotline.sla.models import CalendarDay, Notification
from tests.peers import json_peer

pytestmark = pytest.mark.django_db


def test_inbox_lists_and_marks_read(org: Any, api_as: Any, committed: Any) -> None:
    op, disp, unit = api_as("operator"), api_as("dispatcher"), api_as("a_zj")
    number = op.post("/tickets", {"channel": "phone", "text": "下水道井盖缺失"}).json()["number"]
    with committed():
        disp.act(number, "dispatch", lead_unit="A-ZJ")
    inbox = unit.get("/notifications").json()
    assert inbox["unread"] == 1 and inbox["items"][0]["ticket"] == number
    assert "待签收" in inbox["items"][0]["title"]
    nid = inbox["items"][0]["id"]
    assert unit.post(f"/notifications/{nid}/read").json()["read"] is True
    assert unit.get("/notifications").json()["unread"] == 0
    assert op.post(f"/notifications/{nid}/read").status_code == 404  # someone else's message
    with committed():
        unit.act(number, "sign")
        unit.act(number, "return", reason="不属本单位职责")
    assert any("退回" in n["title"] for n in disp.get("/notifications").json()["items"])


def test_webhook_outbound_delivers_after_commit(
    org: Any, api_as: Any, committed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with json_peer() as peer:
        monkeypatch.setenv("HOTLINE_NOTIFY", f"webhook:{peer.base_url}/sms")
        op, disp = api_as("operator"), api_as("dispatcher")
        number = op.post("/tickets", {"channel": "phone", "text": "路灯不亮"}).json()["number"]
        with committed():
            disp.act(number, "dispatch", lead_unit="A-ZJ")
    received = peer.received
    assert received and received[0]["ticket"] == number and received[0]["user"] == "a_zj"
    assert Notification.objects.get(user=org.a_housing_handler).sent_at is not None


def test_calendar_edit_that_makes_a_policy_impossible_is_refused(org: Any) -> None:
    before = CalendarDay.objects.count()
    today = datetime.now(tz=calendar.BEIJING).date()
    # Making two whole months rest days leaves no way to meet a 15-working-day limit.
    exceptions = dict(CalendarDay.objects.values_list("date", "is_workday"))
    for i in range(1, 70):
        exceptions[today + timedelta(days=i)] = False
    from hotline.sla.editing import check_feasible

    with pytest.raises(CalendarEditError):
        check_feasible(exceptions)
    assert CalendarDay.objects.count() == before


def test_calendar_edit_is_applied_recorded_and_seen_by_the_calendar(org: Any) -> None:
    day = date(2026, 12, 31)  # a Thursday made a holiday
    set_day(day, is_workday=False, name="临时休息日", actor=org.admin)
    assert not calendar.current().is_workday(day)
    assert Event.objects.filter(action="calendar_edit", actor=org.admin).count() == 1
    set_day(day, is_workday=True, actor=org.admin)  # back to normal: the exception goes
    assert not CalendarDay.objects.filter(date=day).exists()
    assert calendar.current().is_workday(day)


def test_failed_outbound_messages_are_retried_by_the_worker(
    org: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hotline.sla import notify

    calls: list[int] = []

    class Flaky:
        down = True

        def send(self, n: Notification) -> None:
            calls.append(n.pk)
            if self.down:
                raise ConnectionError("gateway down")

    flaky = Flaky()
    monkeypatch.setattr(notify, "outbound", lambda: flaky)
    [nid] = notify.notify([org.a_housing_handler], kind="test", title="测试消息")
    assert notify.deliver([nid]) == 0
    assert Notification.objects.get(pk=nid).sent_at is None
    flaky.down = False
    assert notify.deliver_pending() == 1
    assert Notification.objects.get(pk=nid).sent_at is not None
    assert notify.deliver_pending() == 0 and calls == [nid, nid]
