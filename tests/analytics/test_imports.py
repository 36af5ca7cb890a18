"""Imports: real tickets with their history, idempotent, errors per line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from hotline.analytics import imports, rollups
from hotline.audit.models import Event
from hotline.org.models import Unit
from hotline.sla.models import Notification
from hotline.tickets import actions as a
from hotline.tickets.models import Ticket
from tests.analytics.conftest import act, bj, new

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parents[3] / "shared" / "data"

TEDDY = """id,user,title,time,text,reply,reply_time,label
1,U1,河滨路夜市油烟扰民,2019-04-25T09:32:09,河滨路夜市烧烤油烟很大,"您好,经核查已责令整改。A市生态环境局 2019年5月6日",2019-05-06T10:00:00,环境保护
2,U2,路灯不亮,2019-04-26 08:00:00,小区路灯坏了,,,城乡建设
3,U3,时间有误,not-a-time,内容,,,
4,U4,空内容,2019-04-27T08:00:00,,,,
5,U5,答复早于留言,2019-04-28T08:00:00,内容,"已处理。A市城管局",2019-04-01T08:00:00,
"""

NYC = """Unique Key,Created Date,Closed Date,Agency,Agency Name,Complaint Type,Descriptor,Incident Zip,Incident Address,City,Status,Resolution Description,Open Data Channel Type,Latitude,Longitude
9001,02/28/2023 11:44:59 PM,02/01/2023 01:04:12 AM,NYPD,New York City Police Department,Illegal Parking,Blocked Hydrant,10455,659 CAULDWELL AVENUE,BRONX,Closed,The Police Department issued a summons.,MOBILE,40.8167,-73.9095
9002,02/27/2023 10:00:00 AM,,DSNY,Department of Sanitation,Dirty Condition,Trash,10001,1 MAIN ST,MANHATTAN,In Progress,,ONLINE,,
9003,bad date,,DOT,Department of Transportation,Street Light Condition,Out,10002,,MANHATTAN,Open,,PHONE,,
"""


def test_teddy_import_builds_history_is_idempotent_and_reports_lines(org: Any, tmp_path: Path) -> None:
    path = tmp_path / "teddy.csv"
    path.write_text(TEDDY, encoding="utf-8")
    result = imports.import_teddy(path)
    assert (result.rows, result.created, result.skipped) == (5, 2, 0)
    assert [line for line, _ in result.errors] == [4, 5, 6]
    replied = Ticket.objects.get(contacts__idempotency_key="teddy:1")
    assert replied.state == "archived" and replied.lead_unit.name == "A市生态环境局"
    assert replied.closed_at.isoformat().startswith("2019-05-06T02:00")  # 10:00 Beijing
    actions = list(Event.objects.filter(ticket=replied).values_list("action", flat=True))
    assert actions == ["create", "dispatch", "sign", "report", "review", "archive"]
    assert Ticket.objects.get(contacts__idempotency_key="teddy:2").state == "accepted"
    again = imports.import_teddy(path)
    assert (again.created, again.skipped) == (0, 2) and Ticket.objects.count() == 2
    assert rollups.check()[1] == []


def test_nyc_import_and_command(org: Any, tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "nyc.csv"
    path.write_text(NYC, encoding="utf-8")
    call_command("import", "nyc311", str(path))
    out = capsys.readouterr()
    assert "新建工单 2" in out.out and "第 4 行" in out.err
    closed = Ticket.objects.get(contacts__idempotency_key="nyc311:9001")
    assert closed.state == "archived" and closed.lead_unit.code == "NYC-NYPD"
    assert closed.result == "The Police Department issued a summons." and closed.lat == pytest.approx(40.8167)
    assert Ticket.objects.get(contacts__idempotency_key="nyc311:9002").state == "handling"
    call_command("import", "nyc311", str(path))
    assert "跳过 2" in capsys.readouterr().out


@pytest.mark.skipif(not (DATA / "teddy2020").is_dir(), reason="shared data absent")
def test_real_teddy_file_parses(org: Any) -> None:
    rows = list(imports._rows(DATA / "teddy2020" / "messages_with_replies.csv"))
    assert rows and {"id", "time", "text"} <= set(rows[0][1])


def test_import_notifies_nobody_then_live_work_is_counted_and_notified(
    org: Any, tmp_path: Path, committed: Any
) -> None:
    path = tmp_path / "teddy.csv"
    path.write_text(TEDDY, encoding="utf-8")
    with committed():
        imports.import_teddy(path)
    # "Awaiting review" about a reply of 2019 would only flood today's reviewers.
    assert not Notification.objects.exists()
    # The followers are back: a live action is notified and rolled up as it happens.
    number = new(org, bj(2024, 5, 6, 9))
    with committed():
        act(a.dispatch, org.dispatcher, number, bj(2024, 5, 6, 10), lead_unit="A-ZJ")
    assert Notification.objects.filter(user=org.a_housing_handler, ticket__number=number).exists()
    assert rollups.check()[1] == []


def test_rerun_with_nothing_new_leaves_the_rollups_alone(
    org: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "nyc.csv"
    path.write_text("".join(NYC.splitlines(keepends=True)[:3]), encoding="utf-8")  # the good rows
    imports.import_nyc311(path)
    rebuilt: list[int] = []
    monkeypatch.setattr(rollups, "rebuild", lambda *args, **kw: rebuilt.append(1))
    again = imports.import_nyc311(path)
    assert (again.created, again.skipped, rebuilt) == (0, 2, [])


def test_a_failed_row_takes_its_new_unit_with_it(
    org: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "teddy.csv"
    path.write_text(
        "id,title,time,text,reply,reply_time\n"
        '7,积水,2019-06-01 08:00:00,路口积水,"已处理。B市水务局",2019-06-03 08:00:00\n'
        '8,积水,2019-06-02 08:00:00,又积水,"已处理。B市水务局",2019-06-04 08:00:00\n',
        encoding="utf-8",
    )
    close, calls = imports._close, []

    def fail_once(*args: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("断电")
        close(*args)

    monkeypatch.setattr(imports, "_close", fail_once)
    result = imports.import_teddy(path)
    assert (result.created, [line for line, _ in result.errors]) == (1, [2])
    ticket = Ticket.objects.get(contacts__idempotency_key="teddy:8")
    assert ticket.state == "archived" and ticket.lead_unit.name == "B市水务局"
    assert Unit.objects.filter(name="B市水务局").count() == 1


def test_an_interrupted_import_keeps_what_it_committed_counted(
    org: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "nyc.csv"
    path.write_text(NYC, encoding="utf-8")
    monkeypatch.setattr(imports, "BATCH", 1)
    seen: list[int] = []

    def progress(n: int) -> None:
        seen.append(n)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        imports.import_nyc311(path, progress)
    assert Ticket.objects.count() == 1
    assert rollups.check()[1] == []


@pytest.mark.parametrize(
    ("reply", "unit"),
    [
        (
            "网友您好!您的留言已收悉。现将有关情况回复如下:经A2区教育局核实,该幼儿园无证办学。感谢您对我们工作的支持!",
            "A2区教育局",
        ),
        (
            "您好!您反映的问题已转交处理。感谢您对我们工作的支持、理解与监督!A7县交通运输局 2018年9月20日",
            "A7县交通运输局",
        ),
        ("您好!建议您与市人社局联系。感谢您对我镇工作的支持!", "市人社局"),
        ("您好!已收悉,我们会尽快处理。感谢您的支持!", ""),
    ],
)
def test_answering_unit_is_a_department_name_not_the_words_around_it(reply: str, unit: str) -> None:
    assert imports.answering_unit(reply) == unit
