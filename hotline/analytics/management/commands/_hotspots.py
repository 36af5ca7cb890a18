"""The ``hotspots`` and ``risks`` subcommands of ``hotline analytics``."""

from __future__ import annotations

import time
from datetime import datetime
from datetime import time as dtime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hotline.analytics import hotspots, risks
from hotline.errors import ActionError
from hotline.org.actor import Actor
from hotline.org.models import User
from hotline.org.scope import DataScope

EVERYTHING = DataScope(everything=True)


def _day(value: str, option: str, *, end: bool) -> datetime:
    try:
        day = datetime.fromisoformat(value).date()
    except ValueError as exc:
        raise CommandError(f"{option} 须为 YYYY-MM-DD") from exc
    return timezone.make_aware(datetime.combine(day, dtime.max if end else dtime.min))


def run_hotspots(cmd: BaseCommand, options: dict[str, Any]) -> None:
    as_of = _day(options["as_of"], "--as-of", end=True) if options.get("as_of") else None
    start = _day(options["start"], "--start", end=False) if options.get("start") else None
    if options["top"] < 1:
        raise CommandError("--top 须为正整数")
    started = time.perf_counter()
    try:
        window = hotspots.Window.of(as_of=as_of, days=options["days"], start=start)
        found = hotspots.find_hotspots(
            EVERYTHING, as_of=as_of, days=options["days"], start=start, top=options["top"]
        )
    except ActionError as exc:
        raise CommandError(exc.message) from exc
    elapsed = time.perf_counter() - started
    cmd.stdout.write(f"热点诉求({window.label})")
    for i, h in enumerate(found, 1):
        cmd.stdout.write(f"{i:2d}. {hotspots.line(h)}")
        cmd.stdout.write(f"    工单:{' '.join(h.tickets)}")
    cmd.stdout.write(f"共 {len(found)} 个热点,用时 {elapsed:.1f} 秒")
    if options.get("warn"):
        warned = hotspots.warn_emerging(found)
        cmd.stdout.write(f"已对 {len(warned)} 个新发热点发出预警")


def run_risks(cmd: BaseCommand, options: dict[str, Any]) -> None:
    matter = options.get("matter") or options.get("topic") or ""
    if not matter:
        raise CommandError("请指定风险类别,如 --matter 溺水")
    actor = None
    if options.get("user"):
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"用户 {options['user']} 不存在或已停用")
        actor = Actor.of(user)
    try:
        spots = risks.find_risk_spots(EVERYTHING, matter, top=options["top"])
    except ActionError as exc:
        raise CommandError(exc.message) from exc
    for i, s in enumerate(spots, 1):
        where = f" ({s.lat:.5f},{s.lng:.5f})" if s.lat is not None and s.lng is not None else ""
        cmd.stdout.write(f"{i:2d}. {s.name}{where} 责任单位:{s.unit_name or '待定'}")
        cmd.stdout.write(f"    工单:{' '.join(s.tickets)}")
    if not spots:
        cmd.stdout.write("未发现反复发生的风险点位")
    if options.get("push"):
        pushed = risks.push(spots, actor=actor)
        skipped = len([s for s in spots if s.unit_id is not None]) - len(pushed)
        cmd.stdout.write(
            f"已向责任单位推送 {len(pushed)} 个风险点位"
            + (f"(本月已推送过的 {skipped} 个未重复推送)" if skipped else "")
        )
