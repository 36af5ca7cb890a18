"""``hotline import teddy|nyc311|csv FILE``: history into real tickets (docs/import.md)."""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hotline.analytics import import_map, imports

REPORT_HEADER = ("行号", "原工单编号", "错误")


class Command(BaseCommand):
    help = (
        "导入历史数据:teddy(泰迪杯留言 id,title,time,text[,reply,reply_time])、nyc311(NYC 311 CSV)"
        "或 csv(任一旧系统导出的 CSV/xlsx,按映射取列,见 docs/import.md)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", choices=["teddy", "nyc311", "csv"])
        parser.add_argument("file")
        parser.add_argument("--mapping", help="csv:列映射文件(TOML,见 docs/import.md)")
        parser.add_argument(
            "--column", action="append", default=[], metavar="字段=列名", help="csv:一个字段的列,可重复"
        )
        parser.add_argument("--source", default="", help="csv:旧系统名称(幂等键前缀,默认 csv)")
        parser.add_argument("--timezone", default="", help="csv:时间所在时区(默认 Asia/Shanghai)")
        parser.add_argument("--sheet", default="", help="csv:xlsx 的工作表(默认第一个)")
        parser.add_argument("--by", default="", help="记为导入人的平台用户名(默认:平台,注明命令行登录名)")
        parser.add_argument("--report", default="", help="出错行报告(CSV)的路径,默认 ./<文件名>-导入错误.csv")
        parser.add_argument(
            "--triage-workers",
            type=int,
            default=None,
            metavar="N",
            help="智能分析的工作进程数:每张导入的工单都经智能分析,工作进程在写入上一批时分析下一批;"
            "默认在有两个以上 CPU 时用 1 个,0 为在导入进程内逐行分析",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在:{path}")
        try:
            source = self._source(options)
            total = _count_rows(path)
            started = time.perf_counter()
            with Progress(
                TextColumn("导入"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=Console(file=sys.stderr),
                disable=not sys.stderr.isatty(),
            ) as progress:
                task = progress.add_task("import", total=total)
                result = imports.run(
                    source,
                    path,
                    by=options["by"],
                    progress=lambda n: progress.update(task, completed=n),
                    triage_workers=options["triage_workers"],
                )
        except imports.ImportFileError as exc:
            raise CommandError(str(exc)) from None
        elapsed = time.perf_counter() - started
        report = ""
        if result.errors:
            report_path = Path(options["report"] or f"{path.stem}-导入错误.csv")
            _write_report(report_path, result.errors)
            report = f";出错行见 {report_path}"
            for line, number, message in result.errors[:10]:
                self.stderr.write(f"第 {line} 行{f'({number})' if number else ''}:{message}")
            if len(result.errors) > 10:
                self.stderr.write(f"……另有 {len(result.errors) - 10} 行出错")
        rate = result.created / elapsed if elapsed > 0 else 0.0
        self.stdout.write(
            f"共 {result.rows} 行:新建工单 {result.created},已导入过跳过 {result.skipped},"
            f"出错 {len(result.errors)};用时 {elapsed:.1f} 秒({rate:.0f} 行/秒){report}"
        )
        if not result.created:
            again = f"(已导入过的 {result.skipped} 行均已跳过)" if result.skipped else ""
            self.stdout.write(f"本次未导入任何新数据{again}")
        self.stdout.write(f"文件 SHA-256:{result.sha256}")

    def _source(self, options: dict[str, Any]) -> imports.Source:
        if options["format"] == "teddy":
            return imports.teddy_source()
        if options["format"] == "nyc311":
            return imports.nyc311_source()
        mapping = import_map.load(
            Path(options["mapping"]) if options["mapping"] else None,
            options["column"],
            source=options["source"],
            timezone=options["timezone"],
            sheet=options["sheet"],
        )
        return import_map.source(mapping)


def _count_rows(path: Path) -> int:
    """The progress bar's total: lines after the header (CSV), rows (xlsx)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            from openpyxl import load_workbook

            book = load_workbook(path, read_only=True)
            try:
                return max((book.worksheets[0].max_row or 1) - 1, 0)
            finally:
                book.close()
        except Exception:  # the import itself says what is wrong with the file
            return 0
    with path.open(encoding="utf-8-sig", errors="replace") as f:
        return max(sum(1 for _ in f) - 1, 0)


def _write_report(path: Path, errors: list[tuple[int, str, str]]) -> None:
    try:
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(REPORT_HEADER)
            writer.writerows(errors)
    except OSError as exc:
        raise CommandError(f"无法写入出错行报告 {path}:{exc.strerror}") from None
