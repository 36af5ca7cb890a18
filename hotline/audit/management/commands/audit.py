"""``hotline audit verify``: walk the hash chain, then check every ticket's rows against
its last event's state commitment; exit 1 naming the first bad event and each ticket
whose rows no longer match."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hotline.audit import anchor_cli
from hotline.audit.chain import verify
from hotline.audit.models import ChainHead
from hotline.tickets import commitment
from hotline.tickets.models import Ticket


class Command(BaseCommand):
    help = "审计留痕:verify 校验哈希链是否被篡改、删除或调换顺序,以及工单、承办、来电记录是否与留痕相符"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        verify_parser = sub.add_parser("verify", help="校验整条哈希链")
        anchor_cli.add_verify_arguments(verify_parser)
        anchor_cli.add_arguments(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["sub"] != "verify":
            return anchor_cli.handle(options, self.stdout)
        head = ChainHead.objects.filter(id=1).first()
        total = head.last_seq if head else 0
        started = time.perf_counter()
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=not self.stdout.isatty() or total < 10_000,
        ) as progress:
            task = progress.add_task("校验留痕", total=total)
            result = verify(progress=lambda n: progress.update(task, completed=n) if n % 5000 == 0 else None)
            elapsed = max(time.perf_counter() - started, 1e-9)
            # The rows are checked even when the chain is broken: both are reported.
            rows = progress.add_task("核对工单", total=Ticket.objects.count())
            states = commitment.check(progress=lambda n: progress.update(rows, completed=n))
        rows_elapsed = max(time.perf_counter() - started - elapsed, 1e-9)
        rate = result.checked / elapsed
        problems = (
            []
            if result.ok
            else [f"第一条异常事件 #{result.bad_seq}:{result.reason}(已校验 {result.checked} 条)"]
        )
        problems += states.problems()
        if options["checkpoints"] is not None:
            anchored, anchor_summary = anchor_cli.verify_checkpoints(
                options["checkpoints"], options["public_key"]
            )
            problems += anchored
        if problems:
            raise CommandError("校验失败:" + "\n".join(problems))
        self.stdout.write(f"留痕完整:{result.checked} 条事件,用时 {elapsed:.2f} 秒,{rate:,.0f} 条/秒")
        self.stdout.write(states.summary(rows_elapsed))
        if options["checkpoints"] is not None:
            self.stdout.write(anchor_summary)
