"""The generic import: an old system's CSV or xlsx export through a column mapping."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from hotline.analytics import rollups
from hotline.audit import chain
from hotline.audit.models import Event
from hotline.tickets import commitment
from hotline.tickets.models import Ticket

pytestmark = pytest.mark.django_db

HEADER = [
    "工单号",
    "来电时间",
    "派单时间",
    "办结时间",
    "来源",
    "标题",
    "内容",
    "事发地",
    "承办单位",
    "办理状态",
    "答复",
    "评价",
]
ROWS = [
    [
        "GD-001",
        "2022-05-01 08:30:00",
        "2022-05-01 09:00:00",
        "2022-05-03 17:00:00",
        "电话",
        "路灯不亮",
        "河西村路灯坏了三盏",
        "城关镇河西村",
        "滨江县住建局",
        "已办结",
        "已更换灯泡",
        "满意",
    ],
    [
        "GD-002",
        "2022-05-02 10:00:00",
        "",
        "",
        "网站",
        "",
        "小区门口积水",
        "",
        "石门县住建局",
        "办理中",
        "",
        "",
    ],
    [
        "GD-003",
        "2022/05/03 11:00",
        "",
        "2022/05/06 09:00",
        "微信",
        "噪音",
        "工地夜间施工",
        "",
        "城管局(旧)",
        "已办结",
        "已责令停工",
        "不满意",
    ],
    ["GD-004", "2022-05-04 08:00:00", "", "", "电话", "", "咨询社保缴费", "", "", "已受理", "", ""],
    ["GD-005", "昨天", "", "", "电话", "", "时间写错了", "", "", "已受理", "", ""],
    ["GD-006", "2022-05-05 08:00:00", "", "", "传真", "", "未知渠道", "", "", "已受理", "", ""],
    ["", "2022-05-05 09:00:00", "", "", "电话", "", "没有编号", "", "", "已受理", "", ""],
    ["GD-008", "2022-05-05 10:00:00", "", "", "电话", "", "", "", "", "已受理", "", ""],
]
MAPPING = """
source = "oldsys"

[columns]
number = "工单号"
received_at = "来电时间"
dispatched_at = "派单时间"
closed_at = "办结时间"
channel = "来源"
title = "标题"
text = "内容"
address = "事发地"
unit = "承办单位"
state = "办理状态"
result = "答复"
satisfaction = "评价"
"""


def _csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _import(path: Path, tmp_path: Path, *extra: str) -> None:
    call_command("import", "csv", str(path), *extra, report=str(tmp_path / "errors.csv"))


def _ticket(number: str) -> Ticket:
    return Ticket.objects.get(contacts__idempotency_key=f"oldsys:{number}")


def test_an_old_export_becomes_tickets_with_their_history(org: Any, tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "map.toml").write_text(MAPPING, encoding="utf-8")
    path = _csv(tmp_path / "old.csv", ROWS)
    _import(path, tmp_path, "--mapping", str(tmp_path / "map.toml"))
    out = capsys.readouterr()
    assert "新建工单 4" in out.out and "出错 4" in out.out

    first = _ticket("GD-001")  # an existing unit of the platform, by name
    assert (first.state, first.lead_unit, first.satisfaction, first.result) == (
        "archived",
        org.a_housing,
        "satisfied",
        "已更换灯泡",
    )
    assert first.channel == "phone" and first.address == "城关镇河西村"
    assert list(Event.objects.filter(ticket=first).values_list("action", flat=True)) == [
        "create",
        "dispatch",
        "sign",
        "report",
        "review",
        "callback",
    ]
    assert _ticket("GD-002").state == "handling" and _ticket("GD-002").lead_unit == org.b_housing
    third = _ticket("GD-003")  # a unit the platform does not have: made under the import's parent
    assert third.state == "archived" and third.lead_unit.name == "城管局(旧)" and third.channel == "wechat"
    archived = Event.objects.get(ticket=third, action="archive")
    assert archived.payload["note"] == "历史数据导入(原系统满意度:不满意)"
    assert _ticket("GD-004").state == "accepted"

    with (tmp_path / "errors.csv").open(encoding="utf-8-sig", newline="") as f:
        report = list(csv.reader(f))
    assert report[0] == ["行号", "原工单编号", "错误"]
    lines = {row[0]: (row[1], row[2]) for row in report[1:]}
    assert set(lines) == {"6", "7", "8", "9"}
    assert lines["6"][0] == "GD-005" and "受理时间" in lines["6"][1] and "昨天" in lines["6"][1]
    assert "未知渠道「传真」" in lines["7"][1] and "[values.channel]" in lines["7"][1]
    assert lines["8"] == ("", "缺少原工单编号(列「工单号」)")
    assert lines["9"][1] == "诉求内容为空"

    assert chain.verify().ok and commitment.check().ok and rollups.check()[1] == []
    _import(path, tmp_path, "--mapping", str(tmp_path / "map.toml"))
    assert "本次未导入任何新数据(已导入过的 4 行均已跳过)" in capsys.readouterr().out
    assert Ticket.objects.count() == 4


def test_columns_on_the_command_line_and_the_old_words_mapped(org: Any, tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "x.csv",
        [["A1", "03/04/2022 08:00", "fax", "窨井盖丢失", "Done", "滨江县住建局", "换了井盖"]],
        ["id", "when", "via", "body", "status", "dept", "answer"],
    )
    (tmp_path / "words.toml").write_text(
        'time_format = "%d/%m/%Y %H:%M"\n[values.channel]\nfax = "phone"\n[values.state]\nDone = "reported"\n',
        encoding="utf-8",
    )
    _import(
        path,
        tmp_path,
        "--mapping",
        str(tmp_path / "words.toml"),
        "--source",
        "legacy",
        *("--column", "number=id", "--column", "received_at=when", "--column", "channel=via"),
        *("--column", "text=body", "--column", "state=status", "--column", "unit=dept"),
        *("--column", "result=answer", "--column", "closed_at=when"),
    )
    ticket = Ticket.objects.get(contacts__idempotency_key="legacy:A1")
    assert (ticket.state, ticket.result, ticket.channel) == ("reported", "换了井盖", "phone")
    assert ticket.created_at.isoformat().startswith("2022-04-03T00:00")  # 08:00 Beijing, day first


def test_an_xlsx_export_imports_like_its_csv(org: Any, tmp_path: Path) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "受理时间", "内容", "状态"])
    sheet.append([1001, datetime(2021, 7, 1, 9, 30), "公交站台破损", "已受理"])  # noqa: DTZ001 - Excel has no zone
    sheet.append([None, None, None, None])  # an empty row at the end, as Excel leaves them
    book.save(tmp_path / "old.xlsx")
    _import(
        tmp_path / "old.xlsx",
        tmp_path,
        *("--column", "number=编号", "--column", "received_at=受理时间", "--column", "text=内容"),
        *("--column", "state=状态"),
    )
    ticket = Ticket.objects.get(contacts__idempotency_key="csv:1001")
    assert ticket.text == "公交站台破损" and ticket.created_at.isoformat().startswith("2021-07-01T01:30")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--column", "number=工单号", "--column", "received_at=来电时间"),
            "映射缺少必填字段:text(诉求内容)",
        ),
        (
            ("--column", "number=工单号", "--column", "received_at=来电时间", "--column", "text=正文"),
            "映射的列 「正文」(text) 在文件中不存在",
        ),
        (("--column", "colour=红", "--column", "text=内容"), "映射中的字段「colour」未知"),
        (("--column", "text"), "列映射「text」应写作 字段=列名"),
        (("--mapping", "/nonexistent/map.toml"), "映射文件不存在"),
        (
            (
                "--column",
                "number=工单号",
                "--column",
                "received_at=来电时间",
                "--column",
                "text=内容",
                "--timezone",
                "Mars/Base",
            ),
            "未知时区",
        ),
    ],
)
def test_a_wrong_mapping_is_said_in_chinese_and_changes_nothing(
    org: Any, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    path = _csv(tmp_path / "old.csv", ROWS)
    with pytest.raises(CommandError, match=re.escape(message)):
        _import(path, tmp_path, *args)
    assert not Ticket.objects.exists() and not Event.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0", "不支持旧版 .xls"),
        ("old.xlsx", b"not a zip", "不是有效的 xlsx 文件"),
        ("old.csv", "工单号,来电时间,内容\n1,2022-01-01,路灯\n".encode("gbk"), "不是 UTF-8 编码"),
    ],
)
def test_a_file_of_the_wrong_format_is_refused(
    org: Any, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    (tmp_path / name).write_bytes(content)
    columns = ("--column", "number=工单号", "--column", "received_at=来电时间", "--column", "text=内容")
    with pytest.raises(CommandError, match=message):
        _import(tmp_path / name, tmp_path, *columns)
    assert not Ticket.objects.exists()


def test_a_missing_file_or_importer_is_an_error_not_a_traceback(org: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import", "teddy", str(tmp_path / "none.csv"))
    (tmp_path / "t.csv").write_text("id,time,text\n1,2020-01-01,路灯坏了\n", encoding="utf-8")
    with pytest.raises(CommandError, match="用户「nobody」不存在"):
        call_command("import", "teddy", str(tmp_path / "t.csv"), by="nobody")
    assert not Ticket.objects.exists()
