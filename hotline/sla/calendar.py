"""Working time in Chinese working days: State Council holidays and make-up days (调休).

``WorkingCalendar`` is an in-memory view of the calendar tables: a sorted array of
working-day ordinals, so "the Nth working day after D" is one binary search. Each
process keeps one, reloaded when ``CalendarRevision`` moves (checked at most every few
seconds). All arithmetic happens in Beijing time; results are aware datetimes.

Definitions (also in docs/sla.md):
- N working days after a moment: the end of office hours of the Nth working day after
  the moment's own day (dispatched on Monday with 5 working days → next Monday 17:30).
- N working hours after a moment: N hours counted only inside office hours of working days.
- N calendar hours: plain hours.
"""

from __future__ import annotations

import os
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

from hotline.cache import Cached

BEIJING = ZoneInfo("Asia/Shanghai")
FIRST_YEAR, LAST_YEAR = 2000, 2100

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争胜利70周年纪念日",
}


def parse_periods(spec: str) -> list[tuple[dtime, dtime]]:
    """'09:00-12:00,13:30-17:30' → [(09:00, 12:00), (13:30, 17:30)]."""
    periods = []
    for part in spec.split(","):
        start, end = (dtime.fromisoformat(x.strip()) for x in part.split("-"))
        if end <= start:
            raise ValueError(f"office hours {part!r}: the end must come after the start")
        periods.append((start, end))
    periods.sort()
    return periods


OFFICE_HOURS = parse_periods(os.environ.get("HOTLINE_OFFICE_HOURS", "09:00-12:00,13:30-17:30"))


@dataclass(frozen=True)
class WorkingCalendar:
    exceptions: dict[date, bool]
    known_years: frozenset[int]
    periods: tuple[tuple[dtime, dtime], ...] = tuple(OFFICE_HOURS)

    def __post_init__(self) -> None:
        ordinals = [
            d
            for d in range(date(FIRST_YEAR, 1, 1).toordinal(), date(LAST_YEAR, 12, 31).toordinal() + 1)
            if self._is_workday_ordinal(d)
        ]
        object.__setattr__(self, "_workdays", ordinals)

    def _is_workday_ordinal(self, ordinal: int) -> bool:
        day = date.fromordinal(ordinal)
        return self.exceptions.get(day, day.weekday() < 5)

    # -- days --------------------------------------------------------------------
    def is_workday(self, day: date) -> bool:
        return self.exceptions.get(day, day.weekday() < 5)

    def nth_workday_after(self, day: date, n: int) -> date:
        """The Nth working day strictly after ``day`` (n ≥ 1); n = 0 → ``day`` itself."""
        if n <= 0:
            return day
        workdays: list[int] = self._workdays  # type: ignore[attr-defined]
        index = bisect_right(workdays, day.toordinal()) + n - 1
        if index >= len(workdays):
            raise ValueError("deadline beyond the calendar's range")
        return date.fromordinal(workdays[index])

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in (start, end]."""
        workdays: list[int] = self._workdays  # type: ignore[attr-defined]
        return bisect_right(workdays, end.toordinal()) - bisect_right(workdays, start.toordinal())

    def next_workday_start(self, moment: datetime) -> datetime:
        """The opening of office hours on the first working day after ``moment``'s day."""
        local = moment.astimezone(BEIJING)
        day = self.nth_workday_after(local.date(), 1)
        return datetime.combine(day, self.periods[0][0], BEIJING)

    def day_end(self, day: date) -> datetime:
        return datetime.combine(day, self.periods[-1][1], BEIJING)

    # -- adding limits ------------------------------------------------------------
    def add_working_days(self, start: datetime, days: float) -> datetime:
        whole = int(days)
        result = self.day_end(self.nth_workday_after(start.astimezone(BEIJING).date(), max(whole, 1)))
        fraction = days - whole
        if whole == 0:
            # Less than one working day: counted as working hours of a full office day.
            return self.add_working_hours(start, fraction * self.office_hours_per_day)
        if fraction:
            result = self.add_working_hours(result, fraction * self.office_hours_per_day)
        return result

    @property
    def office_hours_per_day(self) -> float:
        return (
            sum(
                (datetime.combine(date.min, e) - datetime.combine(date.min, s)).total_seconds()
                for s, e in self.periods
            )
            / 3600
        )

    def _periods_of(self, day: date) -> Iterable[tuple[datetime, datetime]]:
        if self.is_workday(day):
            for s, e in self.periods:
                yield datetime.combine(day, s, BEIJING), datetime.combine(day, e, BEIJING)

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        remaining = timedelta(hours=hours)
        local = start.astimezone(BEIJING)
        day = local.date()
        for _ in range(3700):  # ten years of days: a policy can never need more
            for p_start, p_end in self._periods_of(day):
                begin = max(p_start, local)
                if begin >= p_end:
                    continue
                available = p_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += timedelta(days=1)
        raise ValueError("working hours beyond the calendar's range")

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Office-hours seconds in [start, end)."""
        if end <= start:
            return 0.0
        a, b = start.astimezone(BEIJING), end.astimezone(BEIJING)
        total = 0.0
        day = a.date()
        while day <= b.date():
            for p_start, p_end in self._periods_of(day):
                lo, hi = max(p_start, a), min(p_end, b)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total

    def add(self, start: datetime, amount: float, unit: str) -> datetime:
        if unit == "working_days":
            return self.add_working_days(start, amount)
        if unit == "working_hours":
            return self.add_working_hours(start, amount)
        if unit == "calendar_hours":
            return start + timedelta(hours=amount)
        raise ValueError(f"unknown limit unit {unit!r}")

    def shift(self, moment: datetime, frozen_from: datetime, frozen_to: datetime, unit: str) -> datetime:
        """Move a deadline by the time that was frozen (suspension), in the deadline's own unit."""
        if unit == "calendar_hours":
            return moment + (frozen_to - frozen_from)
        seconds = self.working_seconds_between(frozen_from, frozen_to)
        return self.add_working_hours(moment, seconds / 3600) if seconds else moment


# -- the per-process cache ----------------------------------------------------------
RECHECK_SECONDS = 5.0


def _revision() -> int:
    from hotline.sla.models import CalendarRevision

    row = CalendarRevision.objects.filter(id=1).values_list("revision", flat=True).first()
    return int(row or 0)


def load() -> WorkingCalendar:
    from hotline.sla.models import CalendarDay, CalendarYear

    exceptions = dict(CalendarDay.objects.values_list("date", "is_workday"))
    years = frozenset(CalendarYear.objects.values_list("year", flat=True))
    return WorkingCalendar(exceptions=exceptions, known_years=years)


# Reloaded when ``CalendarRevision`` moves (an admin edited the calendar somewhere).
CALENDAR: Cached[WorkingCalendar] = Cached("sla.calendar", load, stamp=_revision, check_every=RECHECK_SECONDS)


def current() -> WorkingCalendar:
    """The calendar of this process, reloaded when an admin has edited it."""
    return CALENDAR.get()


def invalidate() -> None:
    CALENDAR.invalidate()


def bump_revision() -> None:
    from django.db.models import F

    from hotline.sla.models import CalendarRevision

    updated = CalendarRevision.objects.filter(id=1).update(revision=F("revision") + 1)
    if not updated:
        CalendarRevision.objects.create(id=1, revision=1)
    invalidate()


def package_exceptions(first_year: int = 2020) -> dict[date, tuple[bool, str]]:
    """The State Council holidays on weekdays and make-up working days on weekends known
    to ``chinese-calendar``: date → (is_workday, zh name)."""
    import chinese_calendar

    rows: dict[date, tuple[bool, str]] = {}
    for day, name in chinese_calendar.holidays.items():
        if day.year >= first_year and day.weekday() < 5:
            rows[day] = (False, HOLIDAY_NAMES.get(name, name))
    for day, name in chinese_calendar.workdays.items():
        if day.year >= first_year and day.weekday() >= 5:
            rows[day] = (True, f"{HOLIDAY_NAMES.get(name, name)}调休上班")
    return rows


def seed_exceptions_from_package() -> dict[date, bool]:
    return {day: is_workday for day, (is_workday, _) in package_exceptions().items()}


def seed_from_package(first_year: int = 2020) -> int:
    """Load the package's holidays into the calendar tables (idempotent)."""
    import chinese_calendar

    from hotline.sla.models import CalendarDay, CalendarYear

    rows = package_exceptions(first_year)
    existing = set(CalendarDay.objects.filter(date__in=list(rows)).values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(date=d, is_workday=w, name=n, source="chinese-calendar")
            for d, (w, n) in rows.items()
            if d not in existing
        ]
    )
    last_year = max(d.year for d in chinese_calendar.holidays)
    for year in range(first_year, last_year + 1):
        CalendarYear.objects.get_or_create(year=year, defaults={"source": "chinese-calendar"})
    bump_revision()
    return len(rows) - len(existing)
