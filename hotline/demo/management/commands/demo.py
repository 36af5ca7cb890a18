"""``hotline demo [--scale small|full] [--history N] [--seed S] [--if-empty]``.

Loads the fictional 青山州: its organisation (centre, prefecture, counties, townships,
villages, their bureaus and agencies), demo users for every role with the password
``demo-12345``, and a month of ticket history played through the lifecycle actions.
Only into an empty database: the audit chain is append-only, so nothing is ever deleted.
"""

from __future__ import annotations

import time
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from hotline import clock
from hotline.audit.chain import Verification, verify
from hotline.demo.build import create_units, create_users, fill_coordinates
from hotline.demo.history import History, no_outbound_notifications
from hotline.demo.orgtree import OrgPlan, plan_org
from hotline.demo.report import logins_table, summary
from hotline.demo.routing import Router
from hotline.org.models import Unit, User
from hotline.routing.catalogue import seed_duty_catalogue
from hotline.tickets import followers
from hotline.tickets.models import Ticket
from hotline.triage import gazetteer

DEFAULT_HISTORY = {"small": 300, "full": 2000}
# The small demo has ~300 units, the full one ~12,000: which plan an existing demo follows.
FULL_UNITS_ABOVE = 5000


class Command(BaseCommand):
    help = "载入演示数据:虚构的青山州组织架构、各角色演示账号(密码 demo-12345)和近30天的工单历史"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale",
            choices=["small", "full"],
            default="small",
            help="small:3个县市,数秒完成(默认);full:调研规模(755个职能机构、10520个执行机构、23219名用户)",
        )
        parser.add_argument(
            "--history", type=int, default=None, help="历史工单数(默认 small 300,full 2000;0 表示不生成)"
        )
        parser.add_argument("--seed", type=int, default=12345, help="随机种子(同一种子生成相同的工单内容)")
        parser.add_argument("--if-empty", action="store_true", help="数据库已有数据时跳过(仍显示演示账号)")

    def handle(self, *args: Any, **options: Any) -> None:
        out = cast(IO[str], self.stdout._out)
        width = None if getattr(out, "isatty", lambda: False)() else 120
        console = Console(file=out, highlight=False, width=width)
        scale: str = options["scale"]
        history = options["history"] if options["history"] is not None else DEFAULT_HISTORY[scale]
        if history < 0:
            raise CommandError("--history 不能为负数")
        if self._database_has_data(console, if_empty=options["if_empty"]):
            return

        started = time.perf_counter()
        plan = plan_org(scale)
        clash = {u.username for u in plan.users} & set(User.objects.values_list("username", flat=True))
        if clash:
            raise CommandError(f"用户名已被占用,无法载入演示数据:{'、'.join(sorted(clash)[:10])}")
        elapsed: dict[str, float] = {}
        sim = self._load(plan, history, options["seed"], console, started, elapsed)
        t0 = time.perf_counter()
        check = verify()
        elapsed["审计链校验"] = time.perf_counter() - t0
        elapsed["合计"] = time.perf_counter() - started
        self._report(console, scale, check, sim, elapsed)

    @staticmethod
    def _database_has_data(console: Console, *, if_empty: bool) -> bool:
        """False for an empty database; else True with ``--if-empty`` (the logins printed), a refusal without."""
        units, tickets = Unit.objects.count(), Ticket.objects.count()
        if not (units or tickets):
            return False
        if if_empty:
            demo = Unit.objects.filter(code="CENTRE").exists()
            console.print("演示数据已载入,跳过。" if demo else f"数据库已有 {units} 个单位,跳过演示数据。")
            if demo:
                filled = fill_coordinates(plan_org("full" if units > FULL_UNITS_ABOVE else "small"))
                if filled:
                    console.print(f"已为 {filled} 个演示单位补全坐标(地图与工单定位用)。")
            console.print(logins_table())
            return True
        raise CommandError(
            f"数据库中已有 {units} 个单位、{tickets} 张工单,演示数据只能载入空数据库"
            "(审计链只增不删,本命令不会清除任何数据)。"
            "如只想确保演示数据存在,请加 --if-empty;如要重新载入,请换一个新的数据库。"
        )

    def _load(
        self,
        plan: OrgPlan,
        history: int,
        seed: int,
        console: Console,
        started: float,
        elapsed: dict[str, float],
    ) -> History | None:
        """Units, users, the duty catalogue and the history, in one transaction, with progress bars."""
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        sim: History | None = None
        with Progress(*columns, console=console, transient=False) as progress:
            with transaction.atomic():
                task = progress.add_task("单位", total=len(plan.units))
                by_code = create_units(plan, lambda n: progress.advance(task, n))
                task = progress.add_task("用户", total=len(plan.users))
                create_users(plan, by_code, lambda n: progress.advance(task, n))
                # The duty catalogue must exist before the history: every dispatch in it is
                # compared with the routing suggestion, and a missing catalogue would be
                # learned as an override.
                seed_duty_catalogue()
                # The history locates its tickets with the gazetteer: built afresh from the
                # units just made, not from a copy cached before them (empty, or another tree).
                gazetteer.reset_cache()
                elapsed["组织与用户"] = time.perf_counter() - started
                if history:
                    sim = self._history(plan, by_code, history, seed, progress, elapsed)
                t0 = time.perf_counter()
            elapsed["提交事务"] = time.perf_counter() - t0
        return sim

    @staticmethod
    def _report(
        console: Console, scale: str, check: Verification, sim: History | None, elapsed: dict[str, float]
    ) -> None:
        extra: dict[str, Any] = {
            "规模": "调研规模(full)" if scale == "full" else "小规模(small)",
            "审计链": "完整" if check.ok else f"异常:{check.reason}",
        }
        if sim is not None:
            extra["执行的动作"] = f"{sum(sim.actions.values()):,}"
            if sim.skipped:
                extra["未获准的可选动作"] = sum(sim.skipped.values())
            if sim.failures:
                extra["未能执行的动作"] = len(sim.failures)
        summary(console, elapsed=elapsed, extra=extra)
        console.print(logins_table())
        if sim is not None:
            for reason, n in sim.skipped.most_common(5):
                console.print(f"[dim]未获准(可选动作,工单照常继续):{reason} × {n}[/dim]")
            for line in sim.failures[:10]:
                console.print(f"[yellow]未能执行:{line}[/yellow]")

    @staticmethod
    def _history(
        plan: OrgPlan,
        by_code: dict[str, Unit],
        count: int,
        seed: int,
        progress: Progress,
        elapsed: dict[str, float],
    ) -> History:
        t0 = time.perf_counter()
        router = Router({code: unit.name for code, unit in by_code.items()})
        sim = History(router, plan.counties, seed=seed, count=count, end=clock.now())
        plans = sim.plan()
        task = progress.add_task("工单历史", total=len(plans))
        # Rollups are rebuilt once at the end (several times faster than per action); the
        # demo's transfers to 110 never reach a configured 110 link.
        with no_outbound_notifications(), followers.replaying(skip=["police_outbox"], defer=["rollups"]):
            sim.play(plans, lambda n: progress.advance(task, n))
            t1 = time.perf_counter()
            elapsed["工单历史"] = t1 - t0
        elapsed["统计汇总重建"] = time.perf_counter() - t1
        return sim
