"""``hotline import teddy FILE`` / ``hotline import nyc311 FILE``: history into real tickets."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hotline.analytics import imports


class Command(BaseCommand):
    help = "导入历史数据:teddy(泰迪杯留言 id,title,time,text[,reply,reply_time])或 nyc311(NYC 311 CSV)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", choices=["teddy", "nyc311"])
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在:{path}")
        with path.open(encoding="utf-8-sig", errors="replace") as f:
            total = max(sum(1 for _ in f) - 1, 0)
        run = imports.import_teddy if options["format"] == "teddy" else imports.import_nyc311
        started = time.perf_counter()
        with Progress(
            TextColumn("导入"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=not self.stdout.isatty(),
        ) as progress:
            task = progress.add_task("import", total=total)
            result = run(path, lambda n: progress.update(task, completed=n))
        for line, message in result.errors:
            self.stderr.write(f"第 {line} 行:{message}")
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"共 {result.rows} 行:新建工单 {result.created},已导入过跳过 {result.skipped},"
            f"出错 {len(result.errors)};用时 {elapsed:.1f} 秒"
        )
