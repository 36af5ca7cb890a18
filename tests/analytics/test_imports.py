"""Imports: real tickets with their history, idempotent, errors per line, in the trace."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from hotline.analytics import import_triage, imports, rollups
from hotline.audit import chain
from hotline.audit.models import Event
from hotline.org.models import Unit
from hotline.sla.models import Notification
from hotline.tickets import actions as a
from hotline.tickets import commitment, replay
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


@pytest.mark.parametrize("bulk", [True, False], ids=["bulk", "per-ticket"])
def test_teddy_import_builds_history_is_idempotent_and_reports_lines(
    org: Any, tmp_path: Path, bulk: bool
) -> None:
    path = tmp_path / "teddy.csv"
    path.write_text(TEDDY, encoding="utf-8")
    result = imports.import_teddy(path, bulk=bulk)
    assert (result.rows, result.created, result.skipped) == (5, 2, 0)
    assert [(line, number) for line, number, _ in result.errors] == [(4, "3"), (5, "4"), (6, "5")]
    assert "无法识别的时间" in result.errors[0][2] and "为空" in result.errors[1][2]
    replied = Ticket.objects.get(contacts__idempotency_key="teddy:1")
    assert replied.state == "archived" and replied.lead_unit.name == "A市生态环境局"
    assert replied.closed_at.isoformat().startswith("2019-05-06T02:00")  # 10:00 Beijing
    actions = list(Event.objects.filter(ticket=replied).values_list("action", flat=True))
    assert actions == ["create", "dispatch", "sign", "report", "review", "archive"]
    assert Ticket.objects.get(contacts__idempotency_key="teddy:2").state == "accepted"
    again = imports.import_teddy(path, bulk=bulk)
    assert (again.created, again.skipped) == (0, 2) and Ticket.objects.count() == 2
    assert rollups.check()[1] == []
    assert chain.verify().ok and commitment.check().ok


def test_an_import_is_marked_in_the_trace_with_its_file(org: Any, tmp_path: Path) -> None:
    path = tmp_path / "teddy.csv"
    path.write_text(TEDDY, encoding="utf-8")
    result = imports.import_teddy(path, by=org.admin.username)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert result.sha256 == sha
    batch, total = Event.objects.filter(action=imports.IMPORT_EVENT).order_by("seq")
    assert batch.actor == org.admin and batch.ticket is None
    assert batch.payload == {
        "format": "teddy",
        "file": "teddy.csv",
        "sha256": sha,
        "by": "admin",
        "kind": "batch",
        "lines": [2, 3],
        "tickets": 2,
        "events": [1, 7],  # the six of the replied message, the one of the other
    }
    marked = Event.objects.filter(seq__gte=1, seq__lte=7)
    assert {e.ticket.contacts.get().idempotency_key for e in marked} == {"teddy:1", "teddy:2"}
    assert total.payload["kind"] == "total"
    assert (total.payload["rows"], total.payload["created"], total.payload["errors"]) == (5, 2, 3)
    imports.import_teddy(path)  # nothing new: nothing recorded
    assert Event.objects.filter(action=imports.IMPORT_EVENT).count() == 2
    assert chain.verify().ok


def test_a_failing_batch_rolls_back_and_its_good_rows_go_in_one_by_one(
    org: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "teddy.csv"
    lines = ["id,title,time,text,reply,reply_time"]
    lines += [
        f'{n},积水,2019-06-0{n} 08:00:00,路口积水{n},"已处理。B市水务局",2019-06-0{n} 18:00:00'
        for n in range(1, 6)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    write = replay.write_rows

    def fail_on_row_3(batch: Any) -> Any:
        done = write(batch)  # written, then the database refuses the batch
        if any(item.contact.idempotency_key == "teddy:3" for item in batch):
            raise RuntimeError("磁盘已满")
        return done

    monkeypatch.setattr(replay, "write_rows", fail_on_row_3)
    result = imports.import_teddy(path)
    assert (result.created, result.errors) == (4, [(4, "3", "磁盘已满")])
    keys = set(Ticket.objects.values_list("contacts__idempotency_key", flat=True))
    assert keys == {"teddy:1", "teddy:2", "teddy:4", "teddy:5"}
    assert Unit.objects.filter(name="B市水务局").count() == 1
    assert chain.verify().ok and commitment.check().ok and rollups.check()[1] == []


def test_nyc_import_and_command(
    org: Any, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "nyc.csv"
    path.write_text(NYC, encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the error report goes to the working directory
    call_command("import", "nyc311", str(path))
    out = capsys.readouterr()
    assert "新建工单 2" in out.out and "第 4 行(9003)" in out.err
    closed = Ticket.objects.get(contacts__idempotency_key="nyc311:9001")
    assert closed.state == "archived" and closed.lead_unit.code == "NYC-NYPD"
    assert closed.result == "The Police Department issued a summons." and closed.lat == pytest.approx(40.8167)
    assert Ticket.objects.get(contacts__idempotency_key="nyc311:9002").state == "handling"
    with (tmp_path / "nyc-导入错误.csv").open(encoding="utf-8-sig", newline="") as f:
        report = list(csv.reader(f))
    assert report[0] == ["行号", "原工单编号", "错误"]
    assert report[1][:2] == ["4", "9003"] and "无法识别的时间" in report[1][2]
    call_command("import", "nyc311", str(path), report=str(tmp_path / "again.csv"))
    out = capsys.readouterr().out
    assert "跳过 2" in out and "本次未导入任何新数据" in out


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
    assert Ticket.objects.count() == 2  # the two batches committed before the interrupt
    assert rollups.check()[1] == []
    assert chain.verify().ok and commitment.check().ok


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


def _nyc_rows(rows: list[tuple[int, str, str, str]]) -> str:
    head = NYC.splitlines()[0]
    lines = [
        f"{key},{created},{closed},{agency},{agency} Department,Noise,Loud Music,10001,{key} MAIN ST,"
        f"MANHATTAN,Closed,Done.,PHONE,,"
        for key, created, closed, agency in rows
    ]
    return "\n".join([head, *lines]) + "\n"


def test_batches_counted_in_memory_match_a_recomputation_across_daylight_saving(
    org: Any, tmp_path: Path
) -> None:
    # New York moved its clocks on 2023-03-12: closed - created in one zone is an hour
    # off in wall-clock time; the rollups are counted in UTC, as they are read back.
    path = tmp_path / "nyc.csv"
    path.write_text(
        _nyc_rows(
            [
                (8001, "03/10/2023 09:00:00 AM", "03/14/2023 09:00:00 AM", "NYPD"),
                (8002, "03/11/2023 11:00:00 PM", "03/12/2023 11:00:00 PM", "DSNY"),
                (8003, "03/11/2023 11:30:00 PM", "03/13/2023 10:00:00 AM", "NYPD"),
            ]
        ),
        encoding="utf-8",
    )
    result = imports.import_nyc311(path)
    assert (result.created, result.errors) == (3, [])
    assert rollups.check()[1] == []
    assert chain.verify().ok and commitment.check().ok


def test_units_of_a_batch_are_created_at_once_under_the_import_parent(
    org: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "nyc.csv"
    agencies = ["DOB", "DOT", "DOB", "HPD", "DOT", "DEP"]
    path.write_text(
        _nyc_rows(
            [
                (7000 + i, "02/10/2023 09:00:00 AM", "02/11/2023 09:00:00 AM", a)
                for i, a in enumerate(agencies)
            ]
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(imports, "BATCH", 4)
    assert imports.import_nyc311(path).created == 6
    parent = Unit.objects.get(code="IMP-NYC")
    made = {u.code: u for u in Unit.objects.filter(parent=parent)}
    assert sorted(made) == ["NYC-DEP", "NYC-DOB", "NYC-DOT", "NYC-HPD"]
    assert all(u.path == f"{parent.path}{u.pk}/" for u in made.values())
    assert {t.lead_unit.code for t in Ticket.objects.all()} == set(made)
    assert chain.verify().ok and commitment.check().ok and rollups.check()[1] == []


def test_a_triage_worker_gives_the_tickets_the_triage_of_the_import_itself(
    org: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["小区门口路灯坏了一个月", "工地夜间施工噪音扰民", "咨询医保缴费时间", "河里有人溺水请速救援"]
    lines = ["id,title,time,text"]
    lines += [f"{n},,2019-06-0{n + 1} 08:00:00,{text}" for n, text in enumerate(texts)]
    path = tmp_path / "teddy.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(imports, "BATCH", 2)
    result_of = import_triage.Triage.result
    from_worker: list[bool] = []

    def spy(future: Any, count: int) -> Any:
        out = result_of(future, count)
        from_worker.append(all(s is not None for s in out))
        return out

    monkeypatch.setattr(import_triage.Triage, "result", staticmethod(spy))
    assert imports.run(imports.teddy_source(), path, triage_workers=1).created == 4
    assert from_worker == [True, True]  # both batches triaged by the worker
    by_worker = {t.text: t.triage for t in Ticket.objects.all()}
    expected = {text: replay.triage(a.NewContact(channel="web", text=text)) for text in texts}
    assert by_worker == expected
    assert all(triage.get("topic") is not None and "skipped" not in triage for triage in by_worker.values())


def test_a_failing_triage_worker_leaves_the_batch_triaged_here(
    org: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "teddy.csv"
    path.write_text(TEDDY, encoding="utf-8")

    def broken(items: Any) -> Any:
        raise RuntimeError("worker lost")

    monkeypatch.setattr(import_triage, "_triage_in_worker", broken)
    monkeypatch.setattr(imports, "BATCH", 1)
    result = imports.run(imports.teddy_source(), path, triage_workers=1)
    assert result.created == 2 and [e[0] for e in result.errors] == [4, 5, 6]
    assert all(t.triage and "skipped" not in t.triage for t in Ticket.objects.all())
