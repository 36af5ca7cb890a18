"""Admins' edits of the calendar and the policies, refused when they would make a
policy impossible to meet, and recorded in the audit chain."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction

from hotline import clock
from hotline.audit.record import record
from hotline.org.actor import Actor
from hotline.sla import calendar
from hotline.sla.models import CalendarDay, CalendarYear, Policy

# A working-day limit (with its longest extension) must be reachable within this span.
MAX_SPAN_DAYS = 60
HORIZON_DAYS = 366


class CalendarEditError(ValueError):
    pass


def _longest_working_days(policies: list[Policy]) -> int:
    longest = 1
    for p in policies:
        for kind in ("sign", "feedback", "resolve", "callback"):
            amount, unit = getattr(p, f"{kind}_limit"), getattr(p, f"{kind}_unit")
            if amount is None:
                continue
            days = amount if unit == "working_days" else amount / calendar.current().office_hours_per_day
            if unit != "calendar_hours":
                longest = max(longest, int(days + 0.999) + (p.max_extension_days if kind == "resolve" else 0))
    return longest


def check_feasible(exceptions: dict[date, bool], policies: list[Policy] | None = None) -> None:
    """Refuse a calendar under which some policy cannot be met from some day."""
    policies = list(Policy.objects.filter(active=True)) if policies is None else policies
    trial = calendar.WorkingCalendar(exceptions=exceptions, known_years=frozenset())
    need = _longest_working_days(policies)
    today = clock.now().astimezone(calendar.BEIJING).date()
    for offset in range(HORIZON_DAYS):
        day = today + timedelta(days=offset)
        reached = trial.nth_workday_after(day, need)
        if (reached - day).days > MAX_SPAN_DAYS:
            raise CalendarEditError(
                f"修改后从 {day:%Y-%m-%d} 起 {MAX_SPAN_DAYS} 天内凑不满 {need} 个工作日,"
                "现行时限策略将无法执行,请先调整策略或减少休息日"
            )


def set_day(day: date, *, is_workday: bool, name: str = "", actor: Any = None) -> CalendarDay | None:
    """Make ``day`` a working day or a rest day. A day that matches the weekend rule
    needs no row, so setting it back to normal removes the exception."""
    exceptions = dict(CalendarDay.objects.values_list("date", "is_workday"))
    normal = day.weekday() < 5
    if is_workday == normal:
        exceptions.pop(day, None)
    else:
        exceptions[day] = is_workday
    check_feasible(exceptions)
    with transaction.atomic():
        row = None
        if is_workday == normal:
            CalendarDay.objects.filter(date=day).delete()
        else:
            row, _ = CalendarDay.objects.update_or_create(
                date=day, defaults={"is_workday": is_workday, "name": name, "source": "admin"}
            )
        CalendarYear.objects.get_or_create(year=day.year, defaults={"source": "admin"})
        calendar.bump_revision()
        record_config(
            actor, "calendar_edit", {"date": day.isoformat(), "is_workday": is_workday, "name": name}
        )
    return row


def check_policy(policy: Policy) -> None:
    for kind in ("sign", "feedback", "resolve", "callback"):
        amount = getattr(policy, f"{kind}_limit")
        if amount is not None and not 0 < amount <= 24 * 366:
            raise CalendarEditError(f"{kind} 时限须为正数且不超过一年")
    if not 0 < policy.warn_ratio < 1:
        raise CalendarEditError("临期预警比例须在 0 与 1 之间")
    others = list(Policy.objects.filter(active=True).exclude(pk=policy.pk))
    check_feasible(dict(CalendarDay.objects.values_list("date", "is_workday")), [*others, policy])


def record_config(actor: Any, action: str, payload: dict[str, Any]) -> None:

    who = Actor.of(actor) if actor is not None and getattr(actor, "pk", None) else Actor.system()
    record(action=action, ticket=None, actor=who, payload=payload)
