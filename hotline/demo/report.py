"""What the demo command prints: the demo logins and the closing summary."""

from __future__ import annotations

import os
from typing import Any

from django.db import connection
from django.db.models import Count
from rich.console import Console
from rich.table import Table

from hotline.audit.models import Event
from hotline.demo.orgtree import DEMO_PASSWORD
from hotline.org.models import Level, Role, Unit, UnitKind, User
from hotline.tickets.models import State, Ticket

# The logins the README points to, in the order shown: the centre's roles first, then
# leaders, then handlers from prefecture bureau down to a village grid.
LOGINS = [
    "operator",
    "dispatcher",
    "supervisor",
    "reviewer",
    "callback",
    "leader",
    "admin",
    "leader_q",
    "leader_q01",
    "leader_q03",
    "h_q-zjj",
    "h_q-rsj",
    "h_q03",
    "h_q03-zjj",
    "h_q03-cgj",
    "h_q03-gaj",
    "h_q03-gaj-02",
    "h_q03-02",
    "h_q03-02-zzb",
    "h_q03-02-03",
    "h_q03-02-03-g1",
]


def logins_table() -> Table:
    users = {u.username: u for u in User.objects.filter(username__in=LOGINS).select_related("unit")}
    table = Table(title=f"演示账号(密码均为 {DEMO_PASSWORD})", show_lines=False)
    table.add_column("用户名", style="bold cyan", no_wrap=True)
    table.add_column("角色")
    table.add_column("所属单位")
    table.add_column("单位编码", style="dim")
    roles = dict(Role.choices)
    for name in LOGINS:
        user = users.get(name)
        if user is None:
            continue
        role = roles.get(user.role, user.role) + ("(超级管理员)" if user.is_superuser else "")
        unit = user.unit
        table.add_row(name, role, unit.name if unit else "—", unit.code if unit else "")
    return table


def db_size() -> tuple[int | None, str]:
    """Bytes used by the database and how it was measured."""
    if connection.vendor == "sqlite":
        name = str(connection.settings_dict["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            return None, "内存数据库"
        total = sum(os.path.getsize(p) for p in (name, f"{name}-wal") if os.path.exists(p))
        return total, f"SQLite 文件 {name}(含 WAL)"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            row = cursor.fetchone()
        return (int(row[0]) if row else None), "pg_database_size"
    return None, connection.vendor


def human(size: int | None) -> str:
    if size is None:
        return "—"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{int(value)} B"
        value /= 1024
    return f"{value:.1f} GB"


def summary(console: Console, *, elapsed: dict[str, float], extra: dict[str, Any]) -> None:
    levels, kinds = dict(Level.choices), dict(UnitKind.choices)
    units = Table(title="单位(按层级与类型)")
    units.add_column("层级")
    units.add_column("类型")
    units.add_column("数量", justify="right")
    order = {v: i for i, v in enumerate(Level.values)}
    rows = Unit.objects.values("level", "kind").annotate(n=Count("id"))
    for row in sorted(rows, key=lambda r: (order.get(r["level"], 99), r["kind"])):
        units.add_row(
            levels.get(row["level"], row["level"]), kinds.get(row["kind"], row["kind"]), f"{row['n']:,}"
        )
    by_kind = dict(Unit.objects.values_list("kind").annotate(n=Count("id")).values_list("kind", "n"))
    units.add_row("合计", "职能机构", f"{by_kind.get(UnitKind.FUNCTIONAL, 0):,}", style="bold")
    units.add_row("合计", "执行机构", f"{by_kind.get(UnitKind.EXECUTING, 0):,}", style="bold")
    units.add_row("合计", "全部单位", f"{sum(by_kind.values()):,}", style="bold")
    console.print(units)

    states = dict(State.choices)
    tickets = Table(title="工单(按状态)")
    tickets.add_column("状态")
    tickets.add_column("数量", justify="right")
    counts = dict(Ticket.objects.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    for state in State.values:
        if counts.get(state):
            tickets.add_row(states[state], f"{counts[state]:,}")
    tickets.add_row("合计", f"{sum(counts.values()):,}", style="bold")
    console.print(tickets)

    size, how = db_size()
    facts = Table(title="概况", show_header=False)
    facts.add_column("项目")
    facts.add_column("值", justify="right")
    facts.add_row("用户", f"{User.objects.count():,}")
    facts.add_row("事件(审计链)", f"{Event.objects.count():,}")
    for label, value in extra.items():
        facts.add_row(label, str(value))
    for label, seconds in elapsed.items():
        facts.add_row(f"耗时:{label}", f"{seconds:.1f} 秒")
    facts.add_row("数据库大小", f"{human(size)}({how})")
    console.print(facts)
