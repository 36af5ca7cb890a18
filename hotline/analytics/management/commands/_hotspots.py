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
from hotline.org.scope import DataScope

EVERYTHING = DataScope(everything=True)


def run_hotspots(cmd: BaseCommand, options: dict[str, Any]) -> None:
    as_of = None
    if options.get("as_of"):
        try:
            day = datetime.fromisoformat(options["as_of"]).date()
        except ValueError as exc:
            raise CommandError("--as-of 须为 YYYY-MM-DD") from exc
        as_of = timezone.make_aware(datetime.combine(day, dtime.max))
    started = time.perf_counter()
    found = hotspots.find_hotspots(EVERYTHING, as_of=as_of, days=options["days"], top=options["top"])
    elapsed = time.perf_counter() - started
    for i, h in enumerate(found, 1):
        flag = "【新发】" if h.emerging else ""
        cmd.stdout.write(
            f"{i:2d}. {flag}{h.name}  责任单位:{h.unit_name or '待定'}  工单:{' '.join(h.tickets[:5])}…"
        )
    cmd.stdout.write(f"共 {len(found)} 个热点,用时 {elapsed:.1f} 秒")
    if options.get("warn"):
        warned = hotspots.warn_emerging(found)
        cmd.stdout.write(f"已对 {len(warned)} 个新发热点发出预警")


def run_risks(cmd: BaseCommand, options: dict[str, Any]) -> None:
    try:
        spots = risks.find_risk_spots(EVERYTHING, options["topic"], top=options["top"])
    except ActionError as exc:
        raise CommandError(exc.message) from exc
    for i, s in enumerate(spots, 1):
        where = f" ({s.lat:.5f},{s.lng:.5f})" if s.lat is not None and s.lng is not None else ""
        cmd.stdout.write(f"{i:2d}. {s.name}{where} 责任单位:{s.unit_name or '待定'}")
    if options.get("push"):
        pushed = risks.push(spots)
        cmd.stdout.write(f"已向责任单位推送 {len(pushed)} 个风险点位")
