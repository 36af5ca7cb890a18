"""``hotline analytics check|rebuild|hotspots|risks``.

``check`` recomputes every ticket's KPI facts from the tickets and their events and
compares them (and the daily rollups) with the incrementally kept tables: exit 1 on any
difference. ``rebuild`` replaces the tables with the recomputation.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hotline.analytics import rollups
from hotline.tickets.models import Ticket


class Command(BaseCommand):
    help = "统计分析:check 核对日汇总与全量重算是否一致;rebuild 全量重建;hotspots 热点;risks 风险点位"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        sub.add_parser("check", help="全量重算并与日汇总比对,不一致时退出码为 1")
        sub.add_parser("rebuild", help="全量重建考核要素与日汇总")
        hot = sub.add_parser("hotspots", help="计算热点诉求")
        hot.add_argument("--days", type=int, default=30, help="统计近 N 日(默认 30)")
        hot.add_argument("--as-of", default="", help="截止日期 YYYY-MM-DD(默认今天)")
        hot.add_argument("--start", default="", help="起始日期 YYYY-MM-DD(与 --as-of 一起指定自定义时段)")
        hot.add_argument("--top", type=int, default=10)
        hot.add_argument("--warn", action="store_true", help="对新出现的热点发出预警")
        risk = sub.add_parser("risks", help="风险点位(溺水/坠落/火灾/内涝/燃气/交通安全)")
        risk.add_argument("topic", nargs="?", default="", help="drowning|fall|fire|flood|gas|road")
        risk.add_argument("--matter", default="", help="风险类别:溺水、坠落、火灾、内涝、燃气、交通安全")
        risk.add_argument("--top", type=int, default=20)
        risk.add_argument("--push", action="store_true", help="推送至责任乡镇(街道)的消息中心,每月一次")
        risk.add_argument("--user", default="", help="以该用户名义推送(记入审计日志;默认平台)")

    def _progress(self, label: str) -> Progress:
        return Progress(
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=not self.stdout.isatty(),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sub = options["sub"]
        if sub in ("check", "rebuild"):
            self._rollups(sub)
        elif sub == "hotspots":
            from hotline.analytics.management.commands._hotspots import run_hotspots

            run_hotspots(self, options)
        elif sub == "risks":
            from hotline.analytics.management.commands._hotspots import run_risks

            run_risks(self, options)

    def _rollups(self, sub: str) -> None:
        total = Ticket.objects.count()
        started = time.perf_counter()
        with self._progress("核对" if sub == "check" else "重建") as progress:
            task = progress.add_task(sub, total=total)

            def tick(n: int) -> None:
                progress.update(task, completed=n)

            if sub == "rebuild":
                n = rollups.rebuild(tick)
                self.stdout.write(
                    f"已重建 {n} 张工单的考核要素与日汇总,用时 {time.perf_counter() - started:.1f} 秒"
                )
                return
            checked, diffs = rollups.check(tick)
        elapsed = time.perf_counter() - started
        if diffs:
            for d in diffs:
                self.stderr.write(f"不一致 {d.where}: 应为 {d.expected}, 实为 {d.found}")
            raise CommandError(f"日汇总与全量重算不一致({len(diffs)} 处,已列出前 {len(diffs)} 处)")
        self.stdout.write(f"一致:{checked} 张工单,日汇总与全量重算相同,用时 {elapsed:.1f} 秒")
