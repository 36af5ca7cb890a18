"""Importing history: Teddy Cup government messages and NYC 311 service requests.

Each row becomes a real ticket with its history, replayed through the lifecycle actions
at the row's own times (``clock.replaying_at``): accepted at the message time; a reply
(Teddy) or a closed status (NYC) → dispatched to the answering unit, signed, reported,
reviewed and archived at the reply / closing time. Re-running imports nothing twice (the
contact's idempotency key is ``teddy:<id>`` / ``nyc311:<Unique Key>``, and the keys
already present are read once up front). A bad line is reported with its number and
skipped; each row runs in its own savepoint inside batches of one transaction.

An import is a bulk replay (``tickets.followers.replaying``): the rollups are deferred
and rebuilt once at the end, and the notifications are left out — "new ticket to sign"
or "awaiting review" about a request closed years ago would only flood the inboxes (and
an SMS gateway) of today's staff. Routing's learning stays: it learns nothing from the
platform's own dispatch.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from hotline import clock
from hotline.db import write_transaction
from hotline.org.actor import Actor
from hotline.org.models import Level, Unit, UnitKind
from hotline.tickets import actions as a
from hotline.tickets import followers
from hotline.tickets.models import Contact

BEIJING = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
BATCH = 100


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    skipped: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _parent(code: str, name: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        centre = Unit.objects.filter(level=Level.CENTRE).order_by("path").first()
        unit = Unit.objects.create(
            code=code, name=name, level=Level.PREFECTURE, kind=UnitKind.GOVERNMENT, parent=centre
        )
    return unit


class _Units:
    """The units answering the imported requests, created under one import parent.

    The units already there (by name under the parent, and by code) are read once, so a
    row costs a query only when its unit is new.
    """

    def __init__(self, parent: Unit, prefix: str) -> None:
        self.parent = parent
        self.prefix = prefix
        self.by_name = {u.name: u for u in Unit.objects.filter(parent=parent)}
        self.by_code = {u.code: u for u in Unit.objects.filter(code__startswith=f"{prefix}-")}
        self.fresh: list[tuple[str, Unit]] = []  # created in the current row

    def get(self, name: str, code_hint: str = "") -> Unit:
        name = name.strip()[:100] or "未注明单位"
        unit = self.by_name.get(name)
        if unit is None:
            code = f"{self.prefix}-{code_hint or len(self.by_name) + 1}"[:32]
            unit = self.by_code.get(code)
            if unit is None:
                unit = Unit.objects.create(
                    code=code, name=name, level=Level.COUNTY, kind=UnitKind.FUNCTIONAL, parent=self.parent
                )
                self.by_code[code] = unit
                self.fresh.append((name, unit))
            self.by_name[name] = unit
        return unit

    def row_done(self, ok: bool) -> None:
        """After each row: a failed row's savepoint took the units it created with it."""
        if not ok:
            for name, unit in self.fresh:
                self.by_name.pop(name, None)
                self.by_code.pop(unit.code, None)
        self.fresh.clear()


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        for row in reader:
            yield reader.line_num, {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}


def _existing(prefix: str) -> set[str]:
    keys = Contact.objects.filter(idempotency_key__startswith=prefix).values_list(
        "idempotency_key", flat=True
    )
    return {k for k in keys if k}


@contextmanager
def _bulk_replay() -> Iterator[None]:
    """The followers an import runs without (see the module's docstring)."""
    with followers.replaying(skip=["notifications"], defer=["rollups"]):
        yield


class _Batches:
    """The new rows of one import, written ``BATCH`` at a time, each in its own savepoint."""

    def __init__(
        self,
        key_of: Callable[[dict[str, str]], str],
        one: Callable[[dict[str, str], str], None],
        progress: Callable[[int], None] | None,
        units: _Units,
        replay: ExitStack,
        result: ImportResult,
    ) -> None:
        self.key_of, self.one, self.progress, self.units = key_of, one, progress, units
        self.replay = replay
        self.replaying = False
        self.result = result
        self.rows: list[tuple[int, dict[str, str]]] = []

    def add(self, line: int, row: dict[str, str]) -> None:
        self.rows.append((line, row))
        if len(self.rows) >= BATCH:
            self.flush()  # advances the progress to this line

    def flush(self) -> None:
        if not self.rows:
            return
        if not self.replaying:
            # Entered at the first batch: a re-run with nothing new leaves the
            # followers alone, and the rollups are not rebuilt for nothing.
            self.replay.enter_context(_bulk_replay())
            self.replaying = True
        with write_transaction():
            for line, row in self.rows:
                self._write(line, row)
        self.rows.clear()

    def _write(self, line: int, row: dict[str, str]) -> None:
        try:
            with transaction.atomic():
                self.one(row, self.key_of(row))
        except Exception as exc:  # one bad line must not stop the import
            self.units.row_done(ok=False)
            self.result.errors.append((line, _message(exc)))
        else:
            self.units.row_done(ok=True)
            self.result.created += 1
        self.advance(line)

    def advance(self, line: int) -> None:
        # In lines of the file (a record may span several), as the command counts.
        if self.progress is not None:
            self.progress(line - 1)


def _run(
    path: Path,
    prefix: str,
    key_column: str,
    one: Callable[[dict[str, str], str], None],
    progress: Callable[[int], None] | None,
    units: _Units,
) -> ImportResult:
    """Every row of the file whose key (``prefix`` + its ``key_column``) is new becomes a
    ticket; known keys are skipped."""
    key_of = _key_of(prefix, key_column)
    result = ImportResult()
    done = _existing(prefix)
    with ExitStack() as replay:
        batches = _Batches(key_of, one, progress, units, replay, result)
        line = 1
        for line, row in _rows(path):
            result.rows += 1
            try:
                key = key_of(row)
            except ValueError as exc:
                result.errors.append((line, _message(exc)))
                key = ""
            if key and key not in done:
                done.add(key)
                batches.add(line, row)
                continue
            if key:
                result.skipped += 1
            if not batches.rows:  # else the batch's flush advances past this line
                batches.advance(line)
        batches.flush()
        batches.advance(line)
    return result


def _key_of(prefix: str, column: str) -> Callable[[dict[str, str]], str]:
    """The row's idempotency key: ``prefix`` + its ``column``, which must be there."""

    def key_of(row: dict[str, str]) -> str:
        if not row.get(column):
            raise ValueError(f"缺少 {column}")
        return f"{prefix}{row[column]}"

    return key_of


def _message(exc: Exception) -> str:
    detail = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {detail}"[:300]


def _close(number: str, unit: Unit, dispatched: datetime, closed: datetime, result: str) -> None:
    handler = Actor.system(unit)
    signed = min(dispatched + timedelta(minutes=30), closed)
    with clock.replaying_at(signed):
        a.sign(handler, number)
    with clock.replaying_at(closed):
        a.report(handler, number, result=result or "已办结")
        a.review(Actor.system(), number, passed=True)
        a.archive(Actor.system(), number, reason="no_callback_needed", note="历史数据导入")


# ---------------------------------------------------------------------------------------
# Teddy Cup messages: id,title,time,text[,reply,reply_time] (+ user, label …)


def parse_time(value: str, tz: ZoneInfo = BEIJING) -> datetime:
    value = (value or "").strip()
    if not value:
        raise ValueError("时间为空")
    for fmt in (
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%m/%d/%Y %I:%M:%S %p",
    ):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    raise ValueError(f"无法识别的时间「{value}」")


# A department name in a reply: an optional administrative prefix (A7县, 市, 区 …), a
# body that names a line of government work, and the kind of office.
DEPT_WORDS = (
    "教育|交通|公安|城管|城市管理|行政执法|住房|住建|城乡建设|规划|自然资源|国土|人社|人力资源|社会保障|社保|"
    "卫健|卫生|计生|环保|生态环境|市场监管|工商|质监|食药|财政|民政|水务|水利|农业|农村|林业|商务|文旅|文化|"
    "旅游|体育|发改|发展和改革|税务|医保|医疗保障|应急|消防|信访|行政审批|政务服务|房产|房屋|物价|统计|司法|"
    "科技|工信|工业和信息化|经信|公积金|残联|妇联|街道|镇|乡"
)
DEPT_NAME_RE = re.compile(
    r"(?:[A-Z]\d{0,2}(?:市|区|县)|[省市区县])?[\u4e00-\u9fa5]{0,10}?"
    rf"(?:{DEPT_WORDS})[\u4e00-\u9fa5]{{0,8}}?"
    r"(?:人民政府|管理委员会|委员会|管委会|事务中心|服务中心|中心|局|委|办公室|办事处|办|镇|乡|街道)"
)
# Words a reply puts before a department name ("经…核实", "建议您与…联系").
DEPT_LEAD = re.compile(
    r"^.*(?:感谢您对|您与|与|经|由|向|请|据|联系|拨打|咨询|反映到|转交|我|本|现将|目前|已)"
)


def answering_unit(reply: str) -> str:
    """The department that answered: a department named in the reply's closing lines
    (where it signs), else the first one named in the reply ("经A2区教育局核实")."""

    def names(text: str) -> list[str]:
        out = []
        for m in DEPT_NAME_RE.findall(text):
            name = DEPT_LEAD.sub("", m)
            if len(name) >= 3 and DEPT_NAME_RE.fullmatch(name):
                out.append(name)
        return out

    closing = names(reply[-120:])
    if closing:
        return closing[-1]
    anywhere = names(reply)
    return anywhere[0] if anywhere else ""


def import_teddy(path: Path, progress: Callable[[int], None] | None = None) -> ImportResult:
    units = _Units(_parent("IMP-TEDDY", "留言办理单位(导入)"), "IMP-T")

    def one(row: dict[str, str], key: str) -> None:
        text = row.get("text", "")
        if not text:
            raise ValueError("留言内容(text)为空")
        at = parse_time(row.get("time", ""))
        with clock.replaying_at(at):
            ticket, created = a.create_ticket(
                Actor.system(),
                a.NewContact(
                    channel="web", title=row.get("title", ""), text=text, idempotency_key=key, received_at=at
                ),
            )
        reply = row.get("reply", "")
        if not created or not reply:
            return
        replied = parse_time(row.get("reply_time", ""))
        if replied < at:
            raise ValueError(f"答复时间 {replied:%Y-%m-%d %H:%M} 早于留言时间")
        unit = units.get(answering_unit(reply))
        dispatched = min(at + timedelta(minutes=5), replied)
        with clock.replaying_at(dispatched):
            a.dispatch(Actor.system(), ticket.number, lead_unit=unit.code)
        _close(ticket.number, unit, dispatched, replied, reply)

    return _run(path, "teddy:", "id", one, progress, units)


# ---------------------------------------------------------------------------------------
# NYC 311 service requests (the 46 standard columns)

CHANNELS = {"PHONE": "phone", "ONLINE": "web", "MOBILE": "app", "OTHER": "api", "UNKNOWN": "api"}


def import_nyc311(path: Path, progress: Callable[[int], None] | None = None) -> ImportResult:
    units = _Units(_parent("IMP-NYC", "NYC 311 agencies (导入)"), "NYC")

    def one(row: dict[str, str], key: str) -> None:
        at = parse_time(row.get("Created Date", ""), NEW_YORK)
        complaint, descriptor = row.get("Complaint Type", ""), row.get("Descriptor", "")
        if not complaint:
            raise ValueError("缺少 Complaint Type")
        where = row.get("Incident Address") or " & ".join(
            p for p in (row.get("Intersection Street 1"), row.get("Intersection Street 2")) if p
        )
        place = ", ".join(p for p in (where, row.get("City", ""), row.get("Incident Zip", "")) if p)
        lat, lng = _float(row.get("Latitude")), _float(row.get("Longitude"))
        if (lat is None) != (lng is None):
            lat = lng = None
        with clock.replaying_at(at):
            ticket, created = a.create_ticket(
                Actor.system(),
                a.NewContact(
                    channel=CHANNELS.get(row.get("Open Data Channel Type", "").upper(), "api"),
                    title=f"{complaint} - {descriptor}".strip(" -"),
                    text=f"{complaint}: {descriptor} at {place or 'unknown location'}",
                    address=place[:300],
                    lat=lat,
                    lng=lng,
                    idempotency_key=key,
                    received_at=at,
                    type="政务类",
                    topic=" / ".join(p for p in (complaint, descriptor) if p)[:200],
                ),
            )
        agency = row.get("Agency", "")
        if not created or not agency:
            return
        unit = units.get(row.get("Agency Name") or agency, agency)
        dispatched = at + timedelta(minutes=1)
        with clock.replaying_at(dispatched):
            a.dispatch(Actor.system(), ticket.number, lead_unit=unit.code)
        status = row.get("Status", "").lower()
        if status == "closed":
            closed = _closing_time(row, dispatched)
            _close(ticket.number, unit, dispatched, closed, row.get("Resolution Description", ""))
        elif status in ("in progress", "assigned", "started"):
            with clock.replaying_at(dispatched + timedelta(minutes=30)):
                a.sign(Actor.system(unit), ticket.number)

    return _run(path, "nyc311:", "Unique Key", one, progress, units)


def _closing_time(row: dict[str, str], dispatched: datetime) -> datetime:
    """The Closed Date — or, when the data has it before the request was made (it does),
    the resolution update time, or an hour after dispatch."""
    for name in ("Closed Date", "Resolution Action Updated Date"):
        try:
            moment = parse_time(row.get(name, ""), NEW_YORK)
        except ValueError:
            continue
        if moment > dispatched:
            return moment
    return dispatched + timedelta(hours=1)


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None
