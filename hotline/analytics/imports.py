"""Importing history: Teddy Cup government messages, NYC 311 service requests, and any old
system's export through a column mapping (``import_map``).

Each row becomes a real ticket with its history (``tickets.replay``), at the row's own
times: accepted at the message time; a reply (Teddy), a closed status (NYC) or the
mapped state → dispatched to the answering unit, signed, reported, reviewed and archived
at the reply / closing time. Rows are written ``BATCH`` at a time by ``replay.write``,
the rows the actions would write (the per-ticket path, ``bulk=False``, runs the actions
themselves: the reference and the benchmark's baseline).

- Idempotent: a row's contact carries the key ``<prefix><its number>`` (``teddy:``,
  ``nyc311:``, ``<source>:``); the keys already stored are read once up front, and a
  re-run of the same file imports nothing.
- Nothing half-imported: a batch is one transaction. When it fails, its rows are tried
  again one by one, each in its own transaction, and only the row that fails is lost.
  A row that cannot be read (bad time, empty text …) is reported with its line and key
  (``ImportResult.errors``, written to a CSV report by the command) and the others go on.
- In the trace: every batch records a ``history_import`` event in its own transaction —
  who imported, the file's name and SHA-256, its format, the lines, how many tickets and
  which events they are — so no imported ticket is without its mark; the last one says
  how the whole import went.

An import is a bulk replay (``tickets.followers.replaying``): each batch is counted in
the rollups in its own transaction (``rollups.count_new``: the figures commit with the
trace they count, and an import into a large database does not recompute it all; the
per-ticket path defers them and rebuilds once at the end), and the notifications are
left out — "new ticket to sign"
or "awaiting review" about a request closed years ago would only flood the inboxes (and
an SMS gateway) of today's staff. Routing's learning learns nothing from the platform's
own dispatch.
"""

from __future__ import annotations

import csv
import getpass
import hashlib
import logging
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max
from django.db.models.signals import post_save

from hotline.analytics import import_triage, rollups
from hotline.audit.models import Event
from hotline.audit.record import record
from hotline.db import write_transaction
from hotline.org.actor import Actor
from hotline.org.models import Level, Unit, UnitKind
from hotline.tickets import actions as a
from hotline.tickets import followers, replay
from hotline.tickets.models import Contact
from hotline.tickets.replay import Step

log = logging.getLogger(__name__)
BEIJING = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
BATCH = 1000
IMPORT_EVENT = "history_import"


class ImportFileError(Exception):
    """The file cannot be imported at all (missing, wrong format, a mapping naming a
    column the file lacks): said in zh-CN, before anything is written."""


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    skipped: int = 0
    # (line, the row's number in the old system, zh-CN message)
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    sha256: str = ""


@dataclass(frozen=True)
class UnitRef:
    """A unit named by the old data, resolved (or created) inside the batch's transaction."""

    name: str
    code: str = ""


@dataclass
class Planned:
    """What a row says happened: the contact and the steps, units still by name."""

    contact: a.NewContact
    steps: list[tuple[str, datetime, UnitRef | None, dict[str, Any]]] = field(default_factory=list)

    def add(self, action: str, at: datetime, unit: UnitRef | None = None, **kw: Any) -> None:
        self.steps.append((action, at, unit, kw))

    def close(self, unit: UnitRef, dispatched: datetime, closed: datetime, result: str) -> None:
        """Signed, reported, reviewed and archived: a request the unit answered."""
        self.add("sign", min(dispatched + timedelta(minutes=30), closed), unit)
        self.add("report", closed, unit, text=result or "已办结")
        self.add("review", closed)
        self.add("archive", closed, text="历史数据导入")


def _parent(code: str, name: str) -> Unit:
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        centre = Unit.objects.filter(level=Level.CENTRE).order_by("path").first()
        unit = Unit.objects.create(
            code=code, name=name, level=Level.PREFECTURE, kind=UnitKind.GOVERNMENT, parent=centre
        )
    return unit


class Units:
    """The units answering the imported requests, created under one import parent.

    The units already there (by name under the parent, and by code) are read once, so a
    row costs a query only when its unit is new. ``existing``: also take a unit of the
    platform's own tree with that code or name (a generic import of our own history)."""

    def __init__(self, parent_code: str, parent_name: str, prefix: str, *, existing: bool = False) -> None:
        self.parent_code, self.parent_name = parent_code, parent_name
        self.prefix = prefix
        self.existing = existing
        self._parent: Unit | None = None
        self.by_name: dict[str, Unit] = {}
        self.by_code: dict[str, Unit] = {}
        self.fresh: list[Unit] = []  # created in the current transaction
        self._loaded = False

    def _load(self) -> None:
        if self._loaded:
            return
        parent = Unit.objects.filter(code=self.parent_code).first()
        if parent is not None:
            self._parent = parent
            self.by_name = {u.name: u for u in Unit.objects.filter(parent=parent)}
        self.by_code = {u.code: u for u in Unit.objects.filter(code__startswith=f"{self.prefix}-")}
        self._loaded = True

    def _name(self, ref: UnitRef) -> str:
        return ref.name.strip()[:100] or "未注明单位"

    def get(self, ref: UnitRef) -> Unit:
        """The unit of ``ref``: known (``resolve`` creates the batch's new ones first)."""
        name = self._name(ref)
        unit = self.by_name.get(name)
        if unit is None:
            self.resolve([ref])
            unit = self.by_name[name]
        return unit

    def resolve(self, refs: Iterable[UnitRef]) -> None:
        """Find or create the units of ``refs`` (a batch's): the new ones with one INSERT,
        their ids reserved and their tree paths set as ``Unit.save`` sets them, and
        ``post_save`` sent for each as ``save`` sends it (the caches of the unit tree)."""
        self._load()
        new: list[tuple[str, str]] = []  # (code, name)
        planned: set[str] = set()
        for ref in refs:
            name = self._name(ref)
            if name in self.by_name or name in planned:
                continue
            unit = None
            if self.existing:
                unit = (
                    Unit.objects.filter(code=ref.code.strip()).first() if ref.code.strip() else None
                ) or Unit.objects.filter(name=name, active=True).exclude(level=Level.CENTRE).order_by(
                    "path"
                ).first()
            if unit is None:
                code = f"{self.prefix}-{ref.code.strip() or len(self.by_name) + len(new) + 1}"[:32]
                unit = self.by_code.get(code)
                if unit is None:  # new (two names of one code: the unit of the first)
                    new.append((code, name))
                    planned.add(name)
                    continue
            self.by_name[name] = unit
        if not new:
            return
        if self._parent is None:
            self._parent = _parent(self.parent_code, self.parent_name)
            self.fresh.append(self._parent)
        parent = self._parent
        codes = list(dict.fromkeys(code for code, _ in new))
        ids = replay._reserve_ids(Unit, len(codes))
        names = dict(reversed(new))  # code → its first name
        made = {}
        for pk, code in zip(ids, codes, strict=True):
            made[code] = Unit(
                id=pk,
                code=code,
                name=names[code],
                level=Level.COUNTY,
                kind=UnitKind.FUNCTIONAL,
                parent=parent,
                path=f"{parent.path}{pk}/",
            )
        Unit.objects.bulk_create(made.values())
        for unit in made.values():
            self.by_code[unit.code] = unit
            self.fresh.append(unit)
            post_save.send(
                sender=Unit, instance=unit, created=True, update_fields=None, raw=False, using=Unit.objects.db
            )
        for code, name in new:
            self.by_name[name] = made[code]

    def done(self, ok: bool) -> None:
        """After each transaction: a failed one took the units it created with it."""
        if not ok and self.fresh:
            self._loaded = False
            self._parent = None
            self.by_name, self.by_code = {}, {}
        self.fresh = []


def csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) of a UTF-8 CSV with a header (a BOM is fine); a record spanning lines
    is numbered by its last line, as ``csv`` counts."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            for row in reader:
                yield reader.line_num, {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"文件不是 UTF-8 编码的 CSV:{path.name}(请另存为 UTF-8 CSV 或 xlsx)") from exc
    except csv.Error as exc:
        raise ImportFileError(f"CSV 格式有误:{exc}") from exc


_rows = csv_rows  # the name older callers used


def _existing(prefix: str) -> set[str]:
    keys = Contact.objects.filter(idempotency_key__startswith=prefix).values_list(
        "idempotency_key", flat=True
    )
    return {k for k in keys if k}


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def _bulk_replay(bulk: bool) -> Iterator[None]:
    """The followers an import runs without (see the module's docstring). The bulk path
    counts each batch in the rollups itself, in the batch's transaction
    (``rollups.count_new``); the per-ticket path has them rebuilt at the end."""
    if bulk:
        with followers.replaying(skip=["notifications", "rollups"]):
            yield
    else:
        with followers.replaying(skip=["notifications"], defer=["rollups"]):
            yield


@dataclass
class Source:
    """One kind of file: where its rows come from, each row's key, and what it says."""

    name: str  # teddy, nyc311, csv
    prefix: str  # of the idempotency keys
    number_of: Callable[[dict[str, str]], str]  # the row's number in the old system
    plan: Callable[[dict[str, str], str], Planned]  # (row, key) → what happened
    units: Units
    rows: Callable[[Path], Iterable[tuple[int, dict[str, str]]]] = csv_rows


def _message(exc: Exception) -> str:
    detail = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return str(detail)[:300]


def _check_text(value: str) -> None:
    if "\x00" in value:
        raise ValueError("内容含有空字符(\\x00),无法保存")


def who(username: str = "") -> tuple[Actor, str]:
    """The actor an import is recorded under, and the name it gives: a user of the
    platform (``--by``), or the platform itself for the login that ran the command."""
    if username:
        from hotline.org.models import User

        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise ImportFileError(f"用户「{username}」不存在或已停用")
        return Actor.of(user), username
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        login = "?"
    return Actor.system(), f"{login}(命令行)"


Row = tuple[int, str, Planned, "replay.Intake | None"]


class _Run:
    """One import: rows read and planned, written ``BATCH`` at a time."""

    def __init__(
        self,
        source: Source,
        path: Path,
        *,
        bulk: bool,
        by: str,
        progress: Callable[[int], None] | None,
        triage_workers: int = 0,
    ) -> None:
        self.source, self.path, self.bulk, self.progress = source, path, bulk, progress
        self.actor, self.by = who(by)
        self.result = ImportResult(sha256=file_sha256(path))
        self.pending: list[Row] = []
        # Batches read, their triage under way in the worker, not written yet.
        self.queued: deque[tuple[list[Row], Future[list[dict[str, Any]]] | None]] = deque()
        self.triage = import_triage.Triage(triage_workers if bulk else 0)
        self.replay = ExitStack()
        self.replaying = False

    def error(self, line: int, number: str, exc: Exception | str) -> None:
        self.result.errors.append((line, number, exc if isinstance(exc, str) else _message(exc)))

    def add(self, line: int, number: str, planned: Planned) -> None:
        if self.bulk:
            replay.check(planned.contact)  # a row that intake would refuse, refused at its line
        self.pending.append((line, number, planned, None))
        if len(self.pending) >= BATCH:
            self.submit()

    @property
    def idle(self) -> bool:
        return not self.pending and not self.queued

    def submit(self, last: bool = False) -> None:
        """The pending batch to triage (in the worker, if any), then the batches whose
        triage is done written: one batch is triaged while the one before is written. A
        file of one batch is triaged here: no worker would work beside it."""
        rows, self.pending = self.pending, []
        if rows:
            ahead = self.bulk and not (last and not self.queued)
            contacts = [planned.contact for _, _, planned, _ in rows]
            self.queued.append((rows, self.triage.submit(contacts) if ahead else None))
        while len(self.queued) > (1 if self.triage.workers > 0 else 0):
            self.flush(*self.queued.popleft())

    def drain(self) -> None:
        self.submit(last=True)
        while self.queued:
            self.flush(*self.queued.popleft())

    def _prepared(self, rows: list[Row], future: Future[list[dict[str, Any]]] | None) -> list[Row]:
        """The rows with their tickets as intake would make them (triaged here where the
        worker did not): outside the write transaction, a pure read."""
        out: list[Row] = []
        for (line, number, planned, _), suggestion in zip(
            rows, self.triage.result(future, len(rows)), strict=True
        ):
            try:
                intake = replay.prepare(planned.contact, suggestion=suggestion, checked=True)
            except Exception as exc:
                self.error(line, number, exc)
                continue
            out.append((line, number, planned, intake))
        return out

    def flush(self, rows: list[Row], future: Future[list[dict[str, Any]]] | None = None) -> None:
        if self.bulk:
            last = rows[-1][0] if rows else 0
            rows = self._prepared(rows, future)
            if not rows:
                self.advance(last)
                return
        if not rows:
            return
        if not self.replaying:
            # Entered at the first batch: a re-run with nothing new leaves the
            # followers alone, and the rollups are not rebuilt for nothing.
            self.replay.enter_context(_bulk_replay(self.bulk))
            self.replaying = True
        try:
            with write_transaction():
                self.result.created += self._write(rows)
            self.source.units.done(ok=True)
        except Exception as exc:
            self.source.units.done(ok=False)
            if len(rows) == 1:
                self.error(rows[0][0], rows[0][1], exc)
            else:  # find the row that failed: the others still go in
                for line, number, planned, intake in rows:
                    try:
                        fresh = (
                            replay.prepare(planned.contact, suggestion=intake.ticket.triage, checked=True)
                            if intake is not None
                            else None
                        )
                        with write_transaction():
                            self.result.created += self._write([(line, number, planned, fresh)])
                        self.source.units.done(ok=True)
                    except Exception as exc_one:
                        self.source.units.done(ok=False)
                        self.error(line, number, exc_one)
        self.advance(rows[-1][0])

    def _steps(self, planned: Planned) -> list[Step]:
        units = self.source.units
        return [
            Step(action, at, units.get(ref) if ref else None, **kw) for action, at, ref, kw in planned.steps
        ]

    def _write(self, rows: list[Row]) -> int:
        """Precondition: inside the batch's transaction. The batch's tickets, then its mark."""
        if self.bulk:
            self.source.units.resolve(
                ref for _, _, planned, _ in rows for _, _, ref, _ in planned.steps if ref
            )
            items = []
            for _, _, planned, intake in rows:
                assert intake is not None
                intake.steps = self._steps(planned)
                items.append(intake)
            done = replay.write_rows(items)
            rollups.count_new(done.tickets, done.events, done.assignments)
            tickets = done.tickets
            seqs = list(done.span) if done.span else []
        else:
            before = _head_seq()
            tickets = []
            for line, number, planned, _ in rows:
                try:
                    with transaction.atomic():
                        ticket, created = replay.replay_one(planned.contact, self._steps(planned))
                except Exception as exc:
                    self.source.units.done(ok=False)
                    self.error(line, number, exc)
                    continue
                if created:
                    tickets.append(ticket)
            seqs = [before + 1, _head_seq()] if tickets else []
        if tickets:
            self._mark(kind="batch", lines=[rows[0][0], rows[-1][0]], tickets=len(tickets), events=seqs)
        return len(tickets)

    def _mark(self, **facts: Any) -> None:
        record(
            action=IMPORT_EVENT,
            ticket=None,
            actor=self.actor,
            payload={
                "format": self.source.name,
                "file": self.path.name,
                "sha256": self.result.sha256,
                "by": self.by,
                **facts,
            },
        )

    def advance(self, line: int) -> None:
        # In lines of the file (a record may span several), as the command counts.
        if self.progress is not None:
            self.progress(line - 1)

    def finish(self) -> None:
        """The last batches, then the import's total in the trace."""
        self.drain()
        self.close()
        if self.result.created:
            r = self.result
            with write_transaction():
                self._mark(
                    kind="total", rows=r.rows, created=r.created, skipped=r.skipped, errors=len(r.errors)
                )

    def close(self) -> None:
        """End the replay: the rollups catch up with what committed (also after a failure)."""
        self.triage.close()
        self.replay.close()


def _head_seq() -> int:
    head = Event.objects.aggregate(last=Max("seq"))["last"]
    return int(head or 0)


def run(
    source: Source,
    path: Path,
    *,
    bulk: bool = True,
    by: str = "",
    progress: Callable[[int], None] | None = None,
    triage_workers: int | None = None,
) -> ImportResult:
    """Every row of the file whose key (``source.prefix`` + its number) is new becomes a
    ticket with its history; known keys are skipped, bad rows reported (in line order).
    ``triage_workers``: processes that triage a batch while the one before is written
    (``import_triage.Triage``; default ``import_triage.default_workers()``, 0: triage in
    this process)."""
    if not path.is_file():
        raise ImportFileError(f"文件不存在:{path}")
    workers = import_triage.default_workers() if triage_workers is None else max(0, triage_workers)
    job = _Run(source, path, bulk=bulk, by=by, progress=progress, triage_workers=workers)
    result = job.result
    done = _existing(source.prefix)
    line = 1
    try:
        for line, row in source.rows(path):
            result.rows += 1
            number = ""
            try:
                number = source.number_of(row)
                key = f"{source.prefix}{number}"
                if key in done:
                    result.skipped += 1
                    if job.idle:  # else the batch's flush advances past this line
                        job.advance(line)
                    continue
                done.add(key)
                job.add(line, number, source.plan(row, key))
            except ImportFileError:
                raise
            except Exception as exc:  # one bad line must not stop the import
                job.error(line, number, exc)
        job.finish()
    finally:
        job.close()
    job.advance(line)
    result.errors.sort(key=lambda e: e[0])  # a batch's rows are prepared after later lines are read
    return result


# ---------------------------------------------------------------------------------------
# Teddy Cup messages: id,title,time,text[,reply,reply_time] (+ user, label …)


def parse_time(value: str, tz: ZoneInfo = BEIJING, fmt: str = "") -> datetime:
    value = (value or "").strip()
    if not value:
        raise ValueError("时间为空")
    if not fmt and len(value) == 19 and value[4] == "-" and value[10] in " T" and value.isascii():
        # "%Y-%m-%d %H:%M:%S" or its "T" form, the common export: read without strptime.
        try:
            return datetime.fromisoformat(value).replace(tzinfo=tz)
        except ValueError:
            pass
    # The format that matched last first: a file writes its times one way.
    for pattern in (fmt,) if fmt else (_last_format[0], *TIME_FORMATS):
        try:
            moment = datetime.strptime(value, pattern).replace(tzinfo=tz)
        except ValueError:
            continue
        _last_format[0] = pattern
        return moment
    raise ValueError(f"无法识别的时间「{value}」")


TIME_FORMATS = (
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%m/%d/%Y %I:%M:%S %p",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
)
_last_format = [TIME_FORMATS[0]]
# A department name in a reply: an optional administrative prefix (A7县, 市, 区 …), a
# body that names a line of government work, and the kind of office.
DEPT_WORDS = (
    "教育|交通|公安|城管|城市管理|行政执法|住房|住建|城乡建设|规划|自然资源|国土|人社|人力资源|社会保障|社保|"
    "卫健|卫生|计生|环保|生态环境|市场监管|工商|质监|食药|财政|民政|水务|水利|农业|农村|林业|商务|文旅|文化|"
    "旅游|体育|发改|发展和改革|税务|医保|医疗保障|应急|消防|信访|行政审批|政务服务|房产|房屋|物价|统计|司法|"
    "科技|工信|工业和信息化|经信|公积金|残联|妇联|街道|镇|乡"
)
DEPT_KINDS = "人民政府|管理委员会|委员会|管委会|事务中心|服务中心|中心|局|委|办公室|办事处|办|镇|乡|街道"


def _first_chars(words: str) -> str:
    # A look-ahead for the alternatives' first characters: a pure guard (the same
    # matches), one test per position instead of one per alternative (twice as fast).
    return "(?=[" + "".join(sorted({w[0] for w in words.split("|")})) + "])"


DEPT_NAME_RE = re.compile(
    r"(?:[A-Z]\d{0,2}(?:市|区|县)|[省市区县])?[\u4e00-\u9fa5]{0,10}?"
    rf"{_first_chars(DEPT_WORDS)}(?:{DEPT_WORDS})[\u4e00-\u9fa5]{{0,8}}?"
    rf"{_first_chars(DEPT_KINDS)}(?:{DEPT_KINDS})"
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


def _number_of(column: str) -> Callable[[dict[str, str]], str]:
    """The row's number in the old system: its ``column``, which must be there."""

    def number_of(row: dict[str, str]) -> str:
        value = row.get(column, "")
        if not value:
            raise ValueError(f"缺少 {column}")
        if len(value) > 80:
            raise ValueError(f"{column} 过长(超过 80 个字符)")
        return value

    return number_of


def _teddy_plan(row: dict[str, str], key: str) -> Planned:
    text = row.get("text", "")
    if not text:
        raise ValueError("留言内容(text)为空")
    _check_text(text + row.get("title", ""))
    at = parse_time(row.get("time", ""))
    planned = Planned(
        a.NewContact(
            channel="web", title=row.get("title", ""), text=text, idempotency_key=key, received_at=at
        )
    )
    reply = row.get("reply", "")
    if not reply:
        return planned
    _check_text(reply)
    replied = parse_time(row.get("reply_time", ""))
    if replied < at:
        raise ValueError(f"答复时间 {replied:%Y-%m-%d %H:%M} 早于留言时间")
    unit = UnitRef(answering_unit(reply))
    dispatched = min(at + timedelta(minutes=5), replied)
    planned.add("dispatch", dispatched, unit)
    planned.close(unit, dispatched, replied, reply)
    return planned


def teddy_source() -> Source:
    return Source(
        "teddy", "teddy:", _number_of("id"), _teddy_plan, Units("IMP-TEDDY", "留言办理单位(导入)", "IMP-T")
    )


def import_teddy(
    path: Path, progress: Callable[[int], None] | None = None, *, bulk: bool = True, by: str = ""
) -> ImportResult:
    return run(teddy_source(), path, bulk=bulk, by=by, progress=progress)


# ---------------------------------------------------------------------------------------
# NYC 311 service requests (the 46 standard columns)

CHANNELS = {"PHONE": "phone", "ONLINE": "web", "MOBILE": "app", "OTHER": "api", "UNKNOWN": "api"}


def _nyc_plan(row: dict[str, str], key: str) -> Planned:
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
    planned = Planned(
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
        )
    )
    _check_text(planned.contact.text + row.get("Resolution Description", ""))
    agency = row.get("Agency", "")
    if not agency:
        return planned
    unit = UnitRef(row.get("Agency Name") or agency, agency)
    dispatched = at + timedelta(minutes=1)
    planned.add("dispatch", dispatched, unit)
    status = row.get("Status", "").lower()
    if status == "closed":
        closed = _closing_time(row, dispatched)
        planned.close(unit, dispatched, closed, row.get("Resolution Description", ""))
    elif status in ("in progress", "assigned", "started"):
        planned.add("sign", dispatched + timedelta(minutes=30), unit)
    return planned


def nyc311_source() -> Source:
    return Source(
        "nyc311",
        "nyc311:",
        _number_of("Unique Key"),
        _nyc_plan,
        Units("IMP-NYC", "NYC 311 agencies (导入)", "NYC"),
    )


def import_nyc311(
    path: Path, progress: Callable[[int], None] | None = None, *, bulk: bool = True, by: str = ""
) -> ImportResult:
    return run(nyc311_source(), path, bulk=bulk, by=by, progress=progress)


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
