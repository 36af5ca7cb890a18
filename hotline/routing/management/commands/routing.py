"""``hotline routing seed|ftr|suggest``: the duty catalogue, the first-time-right rate,
and one ticket's suggestion, from the command line."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone


class Command(BaseCommand):
    help = "智能派单:seed 载入职责清单;ftr 统计一次派单准确率;suggest 查看某工单的派单建议"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="sub", required=True)
        seed = sub.add_parser("seed", help="载入默认职责清单并由单位职能推导(可重复执行)")
        seed.add_argument("--no-duties", action="store_true", help="不由单位职能推导")
        ftr = sub.add_parser("ftr", help="一次派单准确率")
        ftr.add_argument("--days", type=int, default=3650, help="统计最近多少天(默认十年)")
        one = sub.add_parser("suggest", help="某工单的派单建议")
        one.add_argument("number")

    def handle(self, *args: Any, **options: Any) -> None:
        sub = options["sub"]
        if sub == "seed":
            from hotline.routing.catalogue import seed_duty_catalogue

            counts = seed_duty_catalogue(from_duties=not options["no_duties"])
            self.stdout.write(
                f"职责清单:新增默认条目 {counts['default_created']} 条,"
                f"由单位职能推导 {counts['derived_created']} 条,共 {counts['total']} 条"
            )
        elif sub == "ftr":
            from hotline.routing.metrics import first_time_right

            end = timezone.now() + timedelta(days=1)
            start = end - timedelta(days=options["days"])
            r = first_time_right(start, end)
            rate = "—" if r["rate"] is None else f"{r['rate']:.1%}"
            self.stdout.write(
                f"一次派单准确率 {rate}({r['numerator']}/{r['denominator']});"
                f"退回中心 {r['returned']} 件,再次派单 {r['redispatched']} 件,协办退回 {r['assist_returned']} 件"
            )
        else:
            from hotline.routing.suggest import suggest
            from hotline.tickets.models import Ticket

            ticket = Ticket.objects.filter(number=options["number"]).first()
            if ticket is None:
                raise CommandError(f"工单 {options['number']} 不存在")
            self.stdout.write(json.dumps(suggest(ticket).to_dict(), ensure_ascii=False, indent=2))
