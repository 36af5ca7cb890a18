"""``hotline worker``: the deadline sweep (warn, urge, supervise) and the 110 link's
retries (``channels.police.deliver_due``) as a loop or once; the loop also signs the
audit log's tree head every few minutes (``audit.checkpoints``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.channels.police import deliver_due as deliver_to_police
from hotline.sla.sweep import run_forever, sweep_all


class Command(BaseCommand):
    help = "时限巡检:临期预警、超期催办、督办,并重发未获110确认的联动报文(--once 只执行一次);循环运行时并定时签发留痕检查点"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="只巡检一次后退出")
        parser.add_argument("--interval", type=float, default=30.0, help="巡检间隔(秒)")
        parser.add_argument("--batch", type=int, default=200, help="每批认领工单数")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            result = sweep_all(batch=options["batch"])
            self.stdout.write(
                f"巡检完成:到期工单 {result.claimed} 件,预警 {result.steps['warn']},"
                f"催办 {result.steps['urge']},督办 {result.steps['supervise']},跳过 {result.skipped}"
            )
            police = deliver_to_police()
            if police.sent or police.failed:
                self.stdout.write(f"110联动报文:发送成功 {police.sent},失败待重试 {police.failed}")
            return
        run_forever(options["interval"], options["batch"])
