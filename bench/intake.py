"""Intake benchmark: how many tickets per second the HTTP API accepts, and how fast.

Usage::

    python bench/intake.py [--seconds 15] [--warmup 3] [--clients 8] [--db sqlite|postgresql|both]
                           [--workers N] [--threads N] [--profile] [--json]

For each database it:

1. makes a fresh database (a temporary SQLite file, or a new PostgreSQL database),
   migrates it with ``python -m hotline migrate`` and creates the 12345 centre unit and
   an operator;
2. copies that empty, migrated database once more for the baseline (below);
3. starts ``python -m hotline serve --no-migrate`` (gunicorn, its default workers and
   threads) on a free port, takes an API token, and lets ``--clients`` threads POST
   realistic Chinese requests to ``/api/v1/tickets`` for a warm-up and then for
   ``--seconds``, recording every latency;
4. stops the server and, in the copy, inserts the very same rows (Ticket + Contact,
   one pair per request) with ORM bulk inserts — no HTTP, no audit chain, no triage,
   no per-row transaction. That is the baseline: the HTTP rate is printed as a ratio
   of it (see docs/architecture.md: "bench/ prints figures as ratios against a
   baseline measured in the same run");
5. with ``--profile``, replays requests in-process through Django's test client under
   cProfile and tells where the time of one intake goes (and times the triage engine
   on its own, if it exists).

Everything it creates is removed at the end (server processes, temporary files, the
PostgreSQL databases), also on Ctrl-C. It writes nothing into the repository; ``--json``
prints the figures as JSON on stdout (the human-readable report then goes to stderr).

Django reads its database from ``HOTLINE_DATABASE_URL`` once, at start-up, so all the
work that needs Django (set-up, baseline, profile) runs in child processes of this
script (``--child NAME``), each with the URL of the database it works on.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# The operator the clients log in as. The password only protects a throw-away database.
OPERATOR = "bench_operator"
OPERATOR_PASSWORD = "bench-password-123"

# The target on the 2-core reference machine (issue 11: 300 tickets/s, p99 < 100 ms).
TARGET_RATE = 300.0  # tickets/s
TARGET_P99_MS = 100.0

# Maintenance database used to CREATE/DROP the bench databases on PostgreSQL.
DEFAULT_PG_ADMIN_URL = os.environ.get("HOTLINE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def log(message: str) -> None:
    """Progress and report lines: stderr when stdout carries JSON, stdout otherwise."""
    print(message, file=_REPORT_STREAM[0], flush=True)


_REPORT_STREAM: list[Any] = [sys.stdout]


# --------------------------------------------------------------------------------------
# Realistic requests. ``make_request(i)`` is deterministic in ``i``, so the baseline can
# insert exactly the rows that the HTTP clients sent.
# --------------------------------------------------------------------------------------

DISTRICTS = ["东城区", "西城区", "南湖区", "北山区", "高新区", "经开区", "滨江新区", "城关镇"]
STREETS = [
    "人民路",
    "解放路",
    "建设路",
    "中山路",
    "新华街",
    "文化路",
    "朝阳路",
    "和平路",
    "环城北路",
    "学府路",
]
COMMUNITIES = ["幸福里小区", "锦绣花园", "阳光城", "翠湖苑", "金色家园", "滨江一号", "石化新村", "教师公寓"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华平刚桂英玉兰建国志强海燕红梅"
TIMES = ["晚上十点", "凌晨一点", "早上六点", "昨天下午", "上周五", "这几天每天晚上", "今天上午九点"]
COMPANIES = ["某某建筑劳务公司", "鑫源物流有限公司", "宏达装饰工程公司", "城南农贸市场一家餐馆", "某电子厂"]
SHOPS = ["万达广场一家电器店", "步行街的手机店", "网上一家旗舰店", "国美电器"]
OFFICES = ["政务服务中心社保窗口", "不动产登记中心", "车管所", "街道便民服务中心", "公积金管理中心"]

TEMPLATES = [
    "{addr}附近有工地夜间施工,{time}以后还在打桩,噪音很大,严重影响休息,请相关部门尽快处理。",
    "{addr}从{time}开始停水,一直没有看到通知,家里有老人小孩,生活很不方便,希望尽快恢复供水。",
    "{addr}这一段的路灯已经坏了{n}天了,晚上出行很不安全,请尽快安排维修。",
    "本人在{company}打工,公司已经拖欠工资{n}个月,多次讨要无果,请求劳动监察部门帮忙追讨。",
    "咨询一下灵活就业人员怎么缴纳城乡居民医疗保险,在哪里办理,需要带什么材料?",
    "{addr}的垃圾桶满了{n}天没人清运,气味很大,苍蝇很多,请环卫部门处理。",
    "{addr}门口道路有一个大坑,已经有电动车摔倒,存在安全隐患,请尽快修补。",
    "{addr}楼下的餐馆油烟直排,楼上住户窗户都不敢开,请环保部门查处。",
    "{n}路公交车经常晚点,早高峰等车超过半小时,建议增加班次。",
    "{addr}物业私自提高物业费,也没有召开业主大会,请住建部门核查。",
    "孩子今年上小学,户口在{district},房子在{district2},想咨询一下入学划片政策。",
    "{addr}有人占道经营,晚上摆摊到很晚,影响通行和休息,请城管部门管理一下。",
    "建议在{addr}路口增设红绿灯,上下学时段车多人多,孩子过马路很危险。",
    "我在{shop}买的电器出现质量问题,商家拒绝退换,请市场监管部门处理。",
    "{addr}下水道堵塞,{time}开始污水漫到路面上,请尽快疏通。",
    "对{office}工作人员的服务态度不满意,排队{n}个小时还让回去补材料,一次性告知都做不到。",
    "{addr}小区电梯{time}又坏了,这个月已经第{n}次了,老人上下楼非常困难。",
    "{addr}的供暖温度不达标,屋里只有十几度,交了暖气费却不热,请供热公司解决。",
]
PREFIXES = ["", "您好,", "喂,你好,我想反映一个问题,", "我是附近的居民,", "麻烦记录一下,"]
SUFFIXES = ["", "谢谢。", "麻烦尽快回复。", "这个问题已经反映过{n}次了,一直没有解决。", "希望给个说法。"]
CHANNELS = ["phone"] * 6 + ["web", "app", "wechat", "sms"]


def make_request(i: int, run: str = "bench") -> dict[str, Any]:
    """The body of request number ``i``: varied text, a phone, an address, a unique key."""
    rnd = random.Random(i)  # deterministic per request
    district = rnd.choice(DISTRICTS)
    addr = f"{district}{rnd.choice(STREETS)}{rnd.randint(1, 300)}号{rnd.choice(COMMUNITIES)}"
    slots = {
        "addr": addr,
        "time": rnd.choice(TIMES),
        "n": rnd.randint(2, 12),
        "company": rnd.choice(COMPANIES),
        "shop": rnd.choice(SHOPS),
        "office": rnd.choice(OFFICES),
        "district": district,
        "district2": rnd.choice(DISTRICTS),
    }
    text = (rnd.choice(PREFIXES) + rnd.choice(TEMPLATES) + rnd.choice(SUFFIXES)).format(**slots)
    body: dict[str, Any] = {
        "channel": rnd.choice(CHANNELS),
        "text": text,
        "citizen_name": rnd.choice(SURNAMES) + "".join(rnd.choices(GIVEN, k=rnd.randint(1, 2))),
        "phone": f"1{rnd.choice('3456789')}{rnd.randint(0, 999_999_999):09d}",
        "address": f"{addr}{rnd.randint(1, 20)}栋{rnd.randint(1, 6)}单元",
        # Unique per request, as a real client would send for safe retries.
        "idempotency_key": f"{run}-{i:08d}",
    }
    if rnd.random() < 0.3:
        body["title"] = text[:20]
    if rnd.random() < 0.5:  # app/wechat contacts often carry a location
        body["lat"] = round(25.0 + rnd.random(), 6)
        body["lng"] = round(102.5 + rnd.random(), 6)
    return body


# --------------------------------------------------------------------------------------
# Databases
# --------------------------------------------------------------------------------------


@dataclass
class BenchDB:
    """One database the benchmark made, and how to remove it."""

    kind: str  # "sqlite" | "postgresql"
    url: str
    name: str  # file path (SQLite) or database name (PostgreSQL)


class Databases:
    """Makes fresh databases and removes every one it made (see ``cleanup``)."""

    def __init__(self, pg_admin_url: str) -> None:
        self.pg_admin_url = pg_admin_url
        self.tmpdir = Path(tempfile.mkdtemp(prefix="hotline-bench-intake-"))
        self.pg_names: list[str] = []

    def fresh(self, kind: str, label: str) -> BenchDB:
        if kind == "sqlite":
            path = self.tmpdir / f"{label}.sqlite3"
            return BenchDB(kind, f"sqlite:///{path}", str(path))
        name = f"hotline_bench_intake_{os.getpid()}_{label}"
        self._pg_exec(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        self.pg_names.append(name)
        return BenchDB(kind, self._pg_url(name), name)

    def copy(self, source: BenchDB, label: str) -> BenchDB:
        """A second fresh database with the same (empty, migrated, set-up) content."""
        if source.kind == "sqlite":
            target = self.tmpdir / f"{label}.sqlite3"
            # The backup API copies a consistent image whatever the WAL holds.
            with (
                contextlib.closing(sqlite3.connect(source.name)) as src,
                contextlib.closing(sqlite3.connect(target)) as dst,
            ):
                src.backup(dst)
            return BenchDB("sqlite", f"sqlite:///{target}", str(target))
        name = f"hotline_bench_intake_{os.getpid()}_{label}"
        # TEMPLATE needs no one connected to the source: the set-up children have exited.
        self._pg_exec(
            f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}" TEMPLATE "{source.name}"'
        )
        self.pg_names.append(name)
        return BenchDB("postgresql", self._pg_url(name), name)

    def cleanup(self) -> None:
        for name in reversed(self.pg_names):
            try:
                # FORCE (PostgreSQL 13+) ends connections a killed server may have left.
                self._pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:  # keep cleaning the rest
                log(f"warning: could not drop database {name}: {exc}")
        self.pg_names.clear()
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def _pg_url(self, name: str) -> str:
        base = self.pg_admin_url.rsplit("/", 1)[0]
        return f"{base}/{name}"

    def _pg_exec(self, *statements: str) -> None:
        import psycopg

        # CREATE/DROP DATABASE cannot run inside a transaction block.
        with psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)  # type: ignore[arg-type]  # names are ours, not user input


def child_env(db: BenchDB) -> dict[str, str]:
    env = dict(os.environ)
    env["HOTLINE_DATABASE_URL"] = db.url
    env["DJANGO_SETTINGS_MODULE"] = "hotline.settings"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.pop("HOTLINE_DEBUG", None)  # DEBUG keeps every query in memory: not what production runs
    return env


def run_child(db: BenchDB, *args: str, script: str = __file__) -> dict[str, Any]:
    """Run ``python bench/intake.py --child ...`` (or another bench ``script``'s child)
    against ``db``; its last stdout line is JSON."""
    proc = subprocess.run(
        [PYTHON, str(Path(script).resolve()), "--child", *args],
        env=child_env(db),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"child {args[0]} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def migrate(db: BenchDB) -> float:
    started = time.perf_counter()
    proc = subprocess.run(
        [PYTHON, "-m", "hotline", "migrate", "--verbosity", "0", "--no-input"],
        env=child_env(db),
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"migrate failed on {db.kind}:\n{proc.stderr[-3000:]}")
    return time.perf_counter() - started


# --------------------------------------------------------------------------------------
# The server under test
# --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """``python -m hotline serve`` in its own process group, so that stopping it also
    stops the gunicorn workers it forked — and nothing else."""

    def __init__(self, db: BenchDB, logdir: Path, workers: int | None, threads: int | None) -> None:
        self.db = db
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.logfile = logdir / f"serve-{db.kind}.log"
        cmd = [
            PYTHON,
            "-m",
            "hotline",
            "serve",
            "--no-migrate",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        if workers:
            cmd += ["--workers", str(workers)]
        if threads:
            cmd += ["--threads", str(threads)]
        self._log = self.logfile.open("wb")
        self.proc = subprocess.Popen(
            cmd,
            env=child_env(db),
            cwd=REPO,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        """The gunicorn master and its workers (children of ``hotline serve``)."""
        return [self.proc.pid, *_children(self.proc.pid)]

    def stop(self) -> None:
        if self.proc.poll() is None:
            # SIGINT is gunicorn's quick shutdown; SIGKILL whatever is left after 10 s.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        # Workers that outlived their master would still hold the database.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self._log.close()

    def log_tail(self, chars: int = 3000) -> str:
        self._log.flush()
        return self.logfile.read_text(errors="replace")[-chars:]


def _children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            found.extend(int(c) for c in text)
    return [*found, *itertools.chain.from_iterable(_children(c) for c in found)]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (Linux /proc), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def postgres_pids(database: str) -> list[int]:
    """The local PostgreSQL processes that work for us: the backends connected to our
    database and the shared ones (WAL writer, checkpointer...), not other clients'
    backends. A read-only look at /proc, for CPU accounting."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if (entry / "comm").read_text().strip() not in ("postgres", "postmaster"):
                continue
            title = (entry / "cmdline").read_bytes().decode(errors="replace").replace("\x00", " ")
            is_backend = "(" in title or "[local]" in title  # "user db 127.0.0.1(port) state"
            if not is_backend or f" {database} " in title:
                pids.append(int(entry.name))
    return pids


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def background_load(seconds: float = 1.0) -> float:
    """Cores kept busy by other work while nothing of ours runs."""
    busy0 = machine_busy()
    time.sleep(seconds)
    busy1 = machine_busy()
    return (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]) * (os.cpu_count() or 1)


# --------------------------------------------------------------------------------------
# The load: N client threads, each with one persistent HTTP connection
# --------------------------------------------------------------------------------------


@dataclass
class Sample:
    start: float
    end: float
    status: int  # 0 when the request raised


@dataclass
class LoadResult:
    seconds: float
    sent: int
    completed: int
    errors: int
    rate: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float
    error_examples: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def run_load(server: Server, token: str, clients: int, warmup: float, seconds: float, run: str) -> LoadResult:
    import httpx

    counter = itertools.count()  # next() on it is atomic under the GIL
    samples: list[list[Sample]] = [[] for _ in range(clients)]
    examples: list[str] = []
    t0 = time.perf_counter() + 0.5  # all threads start together
    window_start = t0 + warmup
    window_end = window_start + seconds
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client(slot: int) -> None:
        out = samples[slot]
        # One client = one keep-alive connection; timeouts far above any sane latency.
        with httpx.Client(base_url=server.base_url, headers=headers, timeout=60.0) as http:
            while time.perf_counter() < t0:
                time.sleep(0.001)
            while True:
                start = time.perf_counter()
                if start >= window_end:
                    return
                payload = json.dumps(make_request(next(counter), run), ensure_ascii=False).encode()
                start = time.perf_counter()
                try:
                    response = http.post("/api/v1/tickets", content=payload)
                    status = response.status_code
                    if not 200 <= status < 300 and len(examples) < 5:
                        examples.append(f"{status}: {response.text[:300]}")
                except httpx.HTTPError as exc:
                    status = 0
                    if len(examples) < 5:
                        examples.append(f"{type(exc).__name__}: {exc}")
                out.append(Sample(start, time.perf_counter(), status))

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()

    # CPU used during the measured window: server processes, this client, the machine.
    while time.perf_counter() < window_start:
        time.sleep(0.01)
    pids, pg_pids = (
        server.worker_pids(),
        postgres_pids(server.db.name) if server.db.kind == "postgresql" else [],
    )
    per_process0 = [cpu_seconds([pid]) for pid in pids]
    cpu_client0, cpu_pg0, busy0 = time.process_time(), cpu_seconds(pg_pids), machine_busy()
    while time.perf_counter() < window_end:
        time.sleep(0.05)
    per_process1 = [cpu_seconds([pid]) for pid in pids]
    cpu_client1, cpu_pg1, busy1 = time.process_time(), cpu_seconds(pg_pids), machine_busy()
    cpu_server0, cpu_server1 = sum(per_process0), sum(per_process1)
    for thread in threads:
        thread.join()

    everything = [s for per_client in samples for s in per_client]
    # Throughput and latency: requests that finished inside the measured window.
    measured = [s for s in everything if window_start <= s.end <= window_end]
    ok = [s for s in measured if 200 <= s.status < 300]
    latencies = sorted((s.end - s.start) * 1000 for s in ok)
    errors = sum(1 for s in everything if not 200 <= s.status < 300)
    cores = os.cpu_count() or 1
    busy_share = (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])
    cpu = {
        # In "cores": 1.0 = one core fully busy for the whole window.
        "server_cores": (cpu_server1 - cpu_server0) / seconds,
        "client_cores": (cpu_client1 - cpu_client0) / seconds,
        "machine_cores": busy_share * cores,
        # The local PostgreSQL server (its backends serve our requests; ~0 on SQLite).
        "postgres_cores": (cpu_pg1 - cpu_pg0) / seconds,
        # Whatever else runs on the machine: it takes cores away from the benchmark.
        "other_cores": busy_share * cores
        - (cpu_server1 - cpu_server0 + cpu_client1 - cpu_client0 + cpu_pg1 - cpu_pg0) / seconds,
        # Per gunicorn process (master first): shows whether the workers share the load.
        "per_process_cores": [
            round((b - a) / seconds, 3) for a, b in zip(per_process0, per_process1, strict=True)
        ],
        "server_cpu_ms_per_ticket": (cpu_server1 - cpu_server0) * 1000 / max(1, len(ok)),
    }
    return LoadResult(
        seconds=seconds,
        sent=len(everything),
        completed=len(ok),
        errors=errors,
        rate=len(ok) / seconds,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        max_ms=latencies[-1] if latencies else float("nan"),
        mean_ms=sum(latencies) / len(latencies) if latencies else float("nan"),
        error_examples=examples,
        cpu=cpu,
    )


def get_token(server: Server) -> str:
    import httpx

    response = httpx.post(
        f"{server.base_url}/api/v1/auth/token",
        json={"username": OPERATOR, "password": OPERATOR_PASSWORD},
        timeout=30,
    )
    response.raise_for_status()
    token: str = response.json()["token"]
    return token


# --------------------------------------------------------------------------------------
# One database, end to end
# --------------------------------------------------------------------------------------


def bench_one(kind: str, args: argparse.Namespace, dbs: Databases) -> dict[str, Any]:
    log(f"\n== {kind}: preparing a fresh database")
    db = dbs.fresh(kind, "http")
    migrate_s = migrate(db)
    run_child(db, "setup")
    baseline_db = dbs.copy(db, "baseline")
    log(f"   migrated in {migrate_s:.1f} s; centre unit and operator created")

    idle = background_load()
    if idle > 0.25:
        log(
            f"   warning: {idle:.2f} cores already busy before the run: other work on this machine skews the figures"
        )

    server = Server(db, dbs.tmpdir, args.workers, args.threads)
    try:
        server.wait_ready()
        token = get_token(server)
        workers = len(_children(server.proc.pid))
        log(
            f"   server on {server.base_url} ({workers} gunicorn workers); "
            f"{args.clients} clients, {args.warmup:.0f} s warm-up + {args.seconds:.0f} s measured"
        )
        load = run_load(server, token, args.clients, args.warmup, args.seconds, kind)
    finally:
        server.stop()
    if load.errors:
        log(f"   ERRORS: {load.errors} non-2xx responses, e.g.:")
        for example in load.error_examples:
            log(f"     {example}")

    # The baseline inserts every row the HTTP run wrote (warm-up included).
    log(f"   baseline: bulk-inserting the same {load.sent} Ticket+Contact rows")
    baseline = run_child(baseline_db, "baseline", "--count", str(load.sent), "--run", kind)
    result: dict[str, Any] = {
        "database": kind,
        "background_cores_before": idle,
        "http": asdict(load),
        "baseline": baseline,
        "ratio": load.rate / baseline["rows_per_s"] if baseline["rows_per_s"] else None,
        "meets_target": load.rate >= TARGET_RATE and load.p99_ms < TARGET_P99_MS and load.errors == 0,
    }
    if args.profile:
        log(f"   profiling {args.profile_requests} in-process requests (Django test client, cProfile)")
        result["profile"] = run_child(
            db, "profile", "--count", str(args.profile_requests), "--run", f"{kind}-prof"
        )
    return result


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def print_table(result: dict[str, Any]) -> None:
    http, base = result["http"], result["baseline"]
    cpu = http["cpu"]
    rows = [
        ("tickets/s (HTTP)", f"{http['rate']:.1f}", f"target ≥ {TARGET_RATE:.0f}"),
        ("latency p50", f"{http['p50_ms']:.1f} ms", ""),
        ("latency p95", f"{http['p95_ms']:.1f} ms", ""),
        ("latency p99", f"{http['p99_ms']:.1f} ms", f"target < {TARGET_P99_MS:.0f} ms"),
        ("latency max", f"{http['max_ms']:.1f} ms", ""),
        ("errors (non-2xx)", f"{http['errors']}", f"of {http['sent']} requests"),
        ("baseline rows/s", f"{base['rows_per_s']:.0f}", f"{base['rows']} Ticket+Contact pairs, bulk ORM"),
        (
            "HTTP / baseline",
            f"{result['ratio']:.4f}",
            f"= 1 / {1 / result['ratio']:.0f}" if result["ratio"] else "",
        ),
        (
            "server CPU",
            f"{cpu['server_cores']:.2f} cores",
            f"{cpu['server_cpu_ms_per_ticket']:.1f} ms CPU/ticket",
        ),
        ("client CPU", f"{cpu['client_cores']:.2f} cores", "this script's threads"),
        ("PostgreSQL CPU", f"{cpu['postgres_cores']:.2f} cores", "the local server's processes"),
        ("other processes", f"{cpu['other_cores']:.2f} cores", "foreign load: figures are low if > 0.1"),
        ("machine busy", f"{cpu['machine_cores']:.2f} cores", f"of {os.cpu_count()}"),
        (
            "per gunicorn proc.",
            " ".join(f"{c:.2f}" for c in cpu["per_process_cores"]),
            "cores: master, workers",
        ),
    ]
    log(f"\n   {result['database']}")
    log(f"   {'figure':<20} {'value':>14}   note")
    for name, value, note in rows:
        log(f"   {name:<20} {value:>14}   {note}")
    if "profile" in result:
        print_profile(result["profile"])


def print_profile(prof: dict[str, Any]) -> None:
    log(
        f"\n   in-process, one thread, no HTTP: {prof['ms_per_request']:.2f} ms/request "
        f"({1000 / prof['ms_per_request']:.0f} req/s per core), {prof['queries_per_request']} SQL queries/request"
    )
    log(f"   where one intake's time goes (cProfile, cumulative, {prof['requests']} requests):")
    for part in prof["parts"]:
        log(f"     {part['label']:<46} {part['ms']:7.2f} ms  {part['share'] * 100:5.1f} %")
    triage = prof["triage"]
    log(
        f"   triage (hotline.triage.analyse) on its own: {triage['ms_per_call']:.2f} ms/call "
        f"(first call {triage['first_call_ms']:.0f} ms)"
    )
    log("   top functions by own time:")
    for row in prof["top"]:
        log(f"     {row['tottime_ms']:7.2f} ms  {row['calls']:>8}  {row['where']}")


def print_summary(results: list[dict[str, Any]]) -> None:
    log("\n== summary (HTTP rate as a ratio of bulk inserts of the same rows, same run)")
    log(
        f"   {'db':<11} {'tickets/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'base rows/s':>12} {'ratio':>8}  target"
    )
    for r in results:
        h = r["http"]
        verdict = "met" if r["meets_target"] else "MISSED"
        log(
            f"   {r['database']:<11} {h['rate']:>10.1f} {h['p50_ms']:>8.1f} {h['p99_ms']:>8.1f} {h['errors']:>7} "
            f"{r['baseline']['rows_per_s']:>12.0f} {r['ratio']:>8.4f}  {verdict}"
        )


# --------------------------------------------------------------------------------------
# Child processes (Django set up against one database)
# --------------------------------------------------------------------------------------


def _django() -> None:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    import django

    django.setup()


def child_setup() -> dict[str, Any]:
    """The 12345 centre unit and an operator attached to it."""
    from hotline.org.models import Level, Role, Unit, UnitKind, User

    centre = Unit.objects.create(
        code="CENTRE", level=Level.CENTRE, kind=UnitKind.CENTRE, name="12345热线中心"
    )
    User.objects.create_user(
        username=OPERATOR,
        password=OPERATOR_PASSWORD,
        display_name="压测话务员",
        role=Role.OPERATOR,
        unit=centre,
    )
    return {"ok": True}


def child_baseline(count: int, run: str) -> dict[str, Any]:
    """Insert ``count`` Ticket+Contact pairs, the same rows as the HTTP run, in bulk."""
    from django.db import connection, transaction
    from django.utils import timezone

    from hotline.org.models import User
    from hotline.tickets.models import Contact, Ticket

    user = User.objects.get(username=OPERATOR)
    bodies = [make_request(i, run) for i in range(count)]  # generating text is not inserting it
    connection.ensure_connection()
    started = time.perf_counter()
    now = timezone.now()
    day = timezone.localtime(now).strftime("%Y%m%d")
    with transaction.atomic():
        tickets = Ticket.objects.bulk_create(
            [
                Ticket(
                    number=f"{day}{i + 1:05d}",
                    title=b.get("title") or b["text"][:30],
                    text=b["text"],
                    channel=b["channel"],
                    address=b["address"],
                    lat=b.get("lat"),
                    lng=b.get("lng"),
                    citizen_name=b["citizen_name"],
                    phone=b["phone"],
                    phone_last4=b["phone"][-4:],
                    created_by=user,
                    created_at=now,
                    updated_at=now,
                )
                for i, b in enumerate(bodies)
            ],
            batch_size=500,
        )
        Contact.objects.bulk_create(
            [
                Contact(
                    ticket=t,
                    channel=b["channel"],
                    received_at=now,
                    citizen_name=b["citizen_name"],
                    phone=b["phone"],
                    title=b.get("title") or "",
                    text=b["text"],
                    address=b["address"],
                    lat=b.get("lat"),
                    lng=b.get("lng"),
                    idempotency_key=b["idempotency_key"],
                    created_by=user,
                )
                for t, b in zip(tickets, bodies, strict=True)
            ],
            batch_size=500,
        )
    elapsed = time.perf_counter() - started
    assert Ticket.objects.count() == count and Contact.objects.count() == count
    return {"rows": count, "seconds": elapsed, "rows_per_s": count / elapsed if elapsed else 0.0}


# Functions whose cumulative time says where an intake's time goes: (file suffix, name, label).
PROFILE_PARTS = [
    ("django/test/client.py", "request", "whole request (test client, middleware, view)"),
    ("ninja/operation.py", "run", "django-ninja operation (auth + parse + view + out)"),
    ("hotline/org/api.py", "authenticate", "token auth (TokenAuth.authenticate)"),
    ("ninja/operation.py", "_get_values", "request body parsing/validation (ninja)"),
    ("hotline/tickets/api.py", "create", "view tickets.api.create"),
    ("hotline/tickets/actions/base.py", "of", "Actor.of (data scope)"),
    ("hotline/tickets/actions/intake.py", "create_ticket", "action create_ticket"),
    ("hotline/tickets/actions/intake.py", "_existing_for_key", "  idempotency lookup (_existing_for_key)"),
    ("hotline/tickets/actions/intake.py", "_triage", "  triage (_triage → hotline.triage.analyse)"),
    ("hotline/tickets/actions/intake.py", "next_number", "  ticket number (next_number, row lock)"),
    ("hotline/audit/chain.py", "append", "  audit event (chain.append, head lock)"),
    ("django/db/transaction.py", "__exit__", "  transaction commit (Atomic.__exit__)"),
    ("hotline/tickets/api.py", "ticket_out", "response dict (ticket_out)"),
    ("ninja/operation.py", "_result_to_response", "response validation + JSON (ninja)"),
    ("django/db/backends/utils.py", "_execute", "all SQL execution (cursor._execute)"),
]


def child_profile(count: int, run: str) -> dict[str, Any]:
    """Replay ``count`` intakes in-process: timing, SQL count and a cProfile breakdown."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from hotline.org.models import ApiToken, User

    token = ApiToken.issue(User.objects.get(username=OPERATOR))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    bodies = iter([json.dumps(make_request(i, run), ensure_ascii=False) for i in range(3 * count + 21)])

    def post() -> None:
        response = client.post("/api/v1/tickets", next(bodies), content_type="application/json")
        if response.status_code != 201:
            raise RuntimeError(f"{response.status_code}: {response.content[:300]!r}")

    for _ in range(20):  # warm caches, connections, lazy imports
        post()
    with CaptureQueriesContext(connection) as capture:
        post()
    # Read now: the log is cleared at the start of every later request.
    queries = [q["sql"] for q in capture.captured_queries]

    started = time.perf_counter()
    for _ in range(count):
        post()
    ms_per_request = (time.perf_counter() - started) * 1000 / count

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        post()
    profiler.disable()
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]  # {(file, line, func): (cc, nc, tt, ct, callers)}
    whole = sum(
        ct
        for (f, _, fn), (_, _, _, ct, _) in entries.items()
        if f.endswith(PROFILE_PARTS[0][0]) and fn == "request"
    )
    parts = []
    for suffix, func, label in PROFILE_PARTS:
        cumulative = sum(
            ct for (f, _, fn), (_, _, _, ct, _) in entries.items() if f.endswith(suffix) and fn == func
        )
        if cumulative:
            parts.append(
                {"label": label, "ms": cumulative * 1000 / count, "share": cumulative / whole if whole else 0}
            )
    top = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)[:15]
    return {
        "requests": count,
        "ms_per_request": ms_per_request,
        "queries_per_request": len(queries),
        "queries": [sql[:160] for sql in queries],
        "parts": parts,
        "top": [
            {
                "where": f"{_short(f)}:{line}({fn})",
                "calls": nc,
                "tottime_ms": tt * 1000 / count,
            }
            for (f, line, fn), (_, nc, tt, _, _) in top
        ],
        "triage": _time_triage(count),
    }


def _short(filename: str) -> str:
    for marker in ("site-packages/", str(REPO) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def _time_triage(count: int) -> dict[str, Any]:
    """Time the triage engine alone on the benchmark's texts."""
    from hotline.triage import analyse

    bodies = [make_request(i, "triage") for i in range(count + 1)]
    started = time.perf_counter()
    analyse(title="", text=bodies[0]["text"], channel="phone", address=bodies[0]["address"])
    first = time.perf_counter() - started
    started = time.perf_counter()
    for b in bodies[1:]:
        analyse(title=b.get("title", ""), text=b["text"], channel=b["channel"], address=b["address"])
    return {
        "first_call_ms": first * 1000,
        "ms_per_call": (time.perf_counter() - started) * 1000 / count,
    }


def child_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name", choices=["setup", "baseline", "profile"])
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--run", default="bench")
    args = parser.parse_args(argv)
    _django()
    if args.name == "setup":
        result = child_setup()
    elif args.name == "baseline":
        result = child_baseline(args.count, args.run)
    else:
        result = child_profile(args.count, args.run)
    print(json.dumps(result, ensure_ascii=False))


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt, so that cleanup runs on either."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
        return 0
    parser = argparse.ArgumentParser(description="Intake benchmark: HTTP ticket creation vs bulk inserts")
    parser.add_argument(
        "--seconds", type=float, default=15.0, help="measured duration per database (default 15)"
    )
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up before measuring (default 3)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--workers", type=int, default=None, help="gunicorn workers (default: serve's, one per core)"
    )
    parser.add_argument("--threads", type=int, default=None, help="threads per worker (default: serve's, 1)")
    parser.add_argument("--profile", action="store_true", help="also profile in-process requests")
    parser.add_argument("--profile-requests", type=int, default=300)
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN_URL, help="maintenance DB for CREATE/DROP")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON on stdout")
    args = parser.parse_args()
    if args.json:
        _REPORT_STREAM[0] = sys.stderr

    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    log(f"hotline intake benchmark · {os.cpu_count()} cores · python {sys.version.split()[0]}")
    dbs = Databases(args.pg_admin_url)
    results: list[dict[str, Any]] = []
    try:
        with terminate_as_interrupt():
            for kind in kinds:
                results.append(bench_one(kind, args, dbs))
                print_table(results[-1])
    except KeyboardInterrupt:
        log("\ninterrupted: cleaning up")
        return 130
    finally:
        dbs.cleanup()
    print_summary(results)
    if args.json:
        config = {k: v for k, v in vars(args).items() if k != "pg_admin_url"}
        print(
            json.dumps(
                {"config": config, "cores": os.cpu_count(), "results": results}, ensure_ascii=False, indent=2
            )
        )
    return 0 if all(r["http"]["errors"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
