"""Import benchmark: rows/s of the bulk history import, beside the per-ticket path.

Usage::

    python bench/import_rate.py [--db sqlite|postgresql|both] [--rows 100000]
                                [--baseline-rows 1000] [--only synthetic,teddy,nyc311]
                                [--triage-workers N] [--json]

For each database kind it migrates one fresh database (a temporary SQLite file, or a new
PostgreSQL database through ``--pg-admin-url``) with the 12345 centre in it, and for each
data set copies that empty database twice:

1. into one copy, the whole file through the import as ``hotline import`` runs it
   (``analytics.imports.run``: 1,000 rows a transaction through ``tickets.replay.write``,
   the ``history_import`` marks, each batch counted in the rollups; triage in a worker
   process beside the writing where there are two CPUs, ``--triage-workers`` to choose) —
   the rate is rows imported ÷ wall time of the whole import, and rows per CPU-second of
   the importer *and* its triage worker; then ``hotline audit verify`` (chain and state
   check) and ``hotline analytics check`` on the result, which must pass;
2. into the other, the first ``--baseline-rows`` rows of the same file through the
   per-ticket path (``bulk=False``: ``create_ticket`` and one action call per step, what
   the import did before, as issue 15 measured it) — the baseline of the same run.

Data sets: ``synthetic`` — ``--rows`` old tickets made up here (a seeded generator:
Chinese texts of 40–120 characters, seven channels, 60 units, a mix of states and
satisfaction as a prefecture's export has them), written to a CSV in the temporary
folder and imported through the generic mapping (``hotline import csv``); ``teddy`` and
``nyc311`` — the files in ../shared/data, read at run time (skipped when absent; never
copied anywhere).

Django reads its database from ``HOTLINE_DATABASE_URL`` at start-up, so every import
runs in a child process (``--child``). Everything it creates is removed at the end.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import intake  # noqa: E402 - bench/intake.py: fresh databases, children, migrate

REPO = intake.REPO
DATA = next(
    (p for p in (REPO.parent / "shared" / "data", Path("/work/shared/data")) if p.is_dir()), REPO / "no-data"
)
FILES = {
    "teddy": DATA / "teddy2020" / "messages_with_replies.csv",
    "nyc311": DATA / "nyc311" / "service_requests_2023-02_sample.csv",
}
TARGET = 500.0  # rows/s (issue 15: a million in about half an hour)
log = intake.log

# ----------------------------------------------------------------------------------------
# Synthetic old tickets

PLACES = [
    "城关镇",
    "河西村",
    "龙潭镇",
    "滨江路",
    "人民路",
    "新华小区",
    "工业园区",
    "东门菜市场",
    "火车站",
    "第二中学",
]
MATTERS = [
    ("路灯不亮,晚上出行很不方便", "已安排维修人员更换灯具"),
    ("下水道堵塞,污水外溢到路面", "已组织疏通管道并清理路面"),
    ("工地夜间施工噪音扰民", "已责令施工单位停止夜间作业"),
    ("小区物业乱收停车费", "已约谈物业公司并责令退还"),
    ("公交站台顶棚破损漏雨", "已通知公交公司修复站台"),
    ("餐馆油烟直排影响居民", "已督促商户安装油烟净化设备"),
    ("道路坑洼积水,车辆难以通行", "已修补路面坑洼"),
    ("咨询城乡居民医保缴费时间", "已电话告知缴费时间和渠道"),
    ("流动摊贩占道经营", "已开展集中整治"),
    ("学校门口交通拥堵存在安全隐患", "已增派交警疏导交通"),
]
UNITS = [
    f"{county}{office}"
    for county in ("滨江县", "石门县", "州", "青山区", "桃源县", "白沙县")
    for office in (
        "住建局",
        "城管局",
        "交通运输局",
        "生态环境局",
        "市场监管局",
        "教育局",
        "医保局",
        "水利局",
        "公安局",
        "民政局",
    )
]
CHANNELS = ["电话", "电话", "电话", "网站", "微信", "短信", "APP"]
STATES = ["已归档"] * 14 + ["办理中", "办理中", "已受理", "已派单", "待回访", "不予受理"]
SATISFACTION = ["满意", "满意", "满意", "基本满意", "不满意", ""]
SYNTHETIC_COLUMNS = [
    "工单编号",
    "受理时间",
    "派单时间",
    "办结时间",
    "渠道",
    "标题",
    "诉求内容",
    "地点",
    "承办单位",
    "状态",
    "办理结果",
    "满意度",
]
SYNTHETIC_MAPPING = (
    ("number", "工单编号"), ("received_at", "受理时间"), ("dispatched_at", "派单时间"),
    ("closed_at", "办结时间"), ("channel", "渠道"), ("title", "标题"), ("text", "诉求内容"),
    ("address", "地点"), ("unit", "承办单位"), ("state", "状态"), ("result", "办理结果"),
    ("satisfaction", "满意度"),
)  # fmt: skip


def write_synthetic(path: Path, rows: int, seed: int = 15) -> None:
    rng = random.Random(seed)
    start = datetime(2016, 1, 1, 8)  # noqa: DTZ001 - an export's naive local times
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(SYNTHETIC_COLUMNS)
        for i in range(rows):
            received = start + timedelta(minutes=int(i * 1.7) + rng.randint(0, 50))
            place = rng.choice(PLACES)
            matter, answer = rng.choice(MATTERS)
            state = rng.choice(STATES)
            dispatched = received + timedelta(minutes=rng.randint(3, 90))
            closed = dispatched + timedelta(hours=rng.randint(2, 240))
            late = state in ("已归档", "待回访", "不予受理")
            writer.writerow(
                [
                    f"OLD{i:07d}",
                    f"{received:%Y-%m-%d %H:%M:%S}",
                    f"{dispatched:%Y-%m-%d %H:%M:%S}" if state not in ("已受理", "不予受理") else "",
                    f"{closed:%Y-%m-%d %H:%M:%S}" if late else "",
                    rng.choice(CHANNELS),
                    f"{place}{matter[:8]}",
                    f"市民反映:{place}{matter}。{'希望尽快处理。' * rng.randint(1, 4)}来电时间{received:%m月%d日}。",
                    f"青山州{place}",
                    rng.choice(UNITS) if state not in ("已受理", "不予受理") else "",
                    state,
                    answer if late else "",
                    rng.choice(SATISFACTION) if state == "已归档" else "",
                ]
            )


def head(source: Path, target: Path, rows: int) -> Path:
    """The header and the first ``rows`` records of a CSV (records may span lines)."""
    with (
        source.open(encoding="utf-8-sig", newline="") as f,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        reader, writer = csv.reader(f), csv.writer(out)
        for n, record in enumerate(reader):
            if n > rows:
                break
            writer.writerow(record)
    return target


# ----------------------------------------------------------------------------------------
# Children (inside Django, on the database of HOTLINE_DATABASE_URL)


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from hotline.org.models import Level, Unit, UnitKind

    if args.child == "setup":
        Unit.objects.get_or_create(
            code="CENTRE", defaults={"name": "12345热线中心", "level": Level.CENTRE, "kind": UnitKind.CENTRE}
        )
        print(json.dumps({"ok": True}))
        return
    from hotline.analytics import import_map, import_triage, imports
    from hotline.triage import analyse

    analyse(title="预热", text="路灯不亮")  # the model and the gazetteer load once, outside the timing
    if args.kind == "synthetic":
        source = import_map.source(import_map.load(columns=[f"{k}={v}" for k, v in SYNTHETIC_MAPPING]))
    else:
        source = imports.teddy_source() if args.kind == "teddy" else imports.nyc311_source()
    workers = None if args.triage_workers < 0 else args.triage_workers
    started, cpu, before = time.perf_counter(), time.process_time(), os.times()
    result = imports.run(source, Path(args.file), bulk=args.child == "bulk", triage_workers=workers)
    seconds, cpu, after = time.perf_counter() - started, time.process_time() - cpu, os.times()
    # The triage worker's CPU too (a child process, reaped when the import ends).
    worker_cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    print(
        json.dumps(
            {
                "rows": result.rows,
                "created": result.created,
                "errors": len(result.errors),
                "seconds": seconds,
                "cpu_seconds": cpu + worker_cpu,
                "worker_cpu_seconds": worker_cpu,
                "triage_workers": import_triage.default_workers() if workers is None else workers,
            }
        )
    )


def checks(db: intake.BenchDB) -> dict[str, Any]:
    """``hotline audit verify`` and ``hotline analytics check`` on the imported database."""
    out: dict[str, Any] = {}
    for name, command in (("verify", ["audit", "verify"]), ("analytics_check", ["analytics", "check"])):
        started = time.perf_counter()
        proc = subprocess.run(
            [intake.PYTHON, "-m", "hotline", *command],
            env=intake.child_env(db),
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        out[name] = {
            "ok": proc.returncode == 0,
            "seconds": time.perf_counter() - started,
            "said": proc.stdout.strip().splitlines()[-2:],
        }
    return out


# ----------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    dbs = intake.Databases(args.pg_admin_url)
    report: dict[str, Any] = {}
    try:
        work = dbs.tmpdir
        sets: dict[str, Path] = {}
        wanted = args.only.split(",")
        if "synthetic" in wanted:
            sets["synthetic"] = work / "synthetic.csv"
            write_synthetic(sets["synthetic"], args.rows)
        for name in ("teddy", "nyc311"):
            if name in wanted:
                if FILES[name].is_file():
                    sets[name] = FILES[name]
                else:
                    log(f"{name}: {FILES[name]} absent, skipped")
        kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
        for kind in kinds:
            empty = dbs.fresh(kind, "empty")
            intake.migrate(empty)
            intake.run_child(empty, "setup", script=__file__)
            for name, path in sets.items():
                bulk_db = dbs.copy(empty, f"{name}_bulk")
                bulk = intake.run_child(
                    bulk_db,
                    "bulk",
                    "--kind",
                    name,
                    "--file",
                    str(path),
                    "--triage-workers",
                    str(args.triage_workers),
                    script=__file__,
                )
                bulk["rate"] = bulk["created"] / bulk["seconds"]
                bulk["cpu_rate"] = bulk["created"] / bulk["cpu_seconds"]
                bulk.update(checks(bulk_db))
                sample = head(path, work / f"{name}-head.csv", args.baseline_rows)
                base_db = dbs.copy(empty, f"{name}_base")
                base = intake.run_child(
                    base_db, "per_ticket", "--kind", name, "--file", str(sample), script=__file__
                )
                base["rate"] = base["created"] / base["seconds"]
                base["cpu_rate"] = base["created"] / base["cpu_seconds"]
                entry = {
                    "bulk": bulk,
                    "per_ticket": base,
                    "ratio": bulk["rate"] / base["rate"],
                    "cpu_ratio": bulk["cpu_rate"] / base["cpu_rate"],
                    "others_load": os.getloadavg()[0],
                }
                report[f"{kind}/{name}"] = entry
                log(
                    f"{kind:10} {name:9} bulk {bulk['created']:>7,} rows in {bulk['seconds']:7.1f} s = "
                    f"{bulk['rate']:6.0f} rows/s ({bulk['cpu_rate']:.0f} per CPU-s of the importer"
                    f"{', its triage worker included' if bulk['triage_workers'] else ''}) | "
                    f"per-ticket {base['created']:,} rows {base['rate']:5.1f} rows/s ({base['cpu_rate']:.1f}/CPU-s) | "
                    f"×{entry['ratio']:.1f} (CPU ×{entry['cpu_ratio']:.1f}) | load {entry['others_load']:.1f} | verify {'ok' if bulk['verify']['ok'] else 'FAILED'} "
                    f"({bulk['verify']['seconds']:.1f} s), analytics check "
                    f"{'ok' if bulk['analytics_check']['ok'] else 'FAILED'} ({bulk['analytics_check']['seconds']:.1f} s)"
                    f"{'' if bulk['rate'] >= TARGET else f'  (below the {TARGET:.0f} rows/s aim)'}"
                )
    finally:
        dbs.cleanup()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rows", type=int, default=100_000, help="synthetic old tickets")
    parser.add_argument(
        "--baseline-rows", type=int, default=1000, help="rows of each file for the per-ticket baseline"
    )
    parser.add_argument("--only", default="synthetic,teddy,nyc311")
    parser.add_argument("--pg-admin-url", default=intake.DEFAULT_PG_ADMIN_URL)
    parser.add_argument(
        "--triage-workers",
        type=int,
        default=-1,
        help="triage worker processes of the bulk import (default: the import's own default; 0: none)",
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=["setup", "bulk", "per_ticket"])
    parser.add_argument("--kind", default="synthetic")
    parser.add_argument("--file", default="")
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.json:
        intake._REPORT_STREAM[0] = sys.stderr
    report = run(args)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
