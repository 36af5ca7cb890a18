"""Working time across State Council holidays and make-up days (调休)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.sla import calendar
from hotline.sla.calendar import BEIJING

pytestmark = pytest.mark.django_db


def bj(*args: int) -> datetime:
    return datetime(*args, tzinfo=BEIJING)  # type: ignore[misc]


def test_spring_festival_2026_counts_the_make_up_saturday_and_skips_the_holiday() -> None:
    cal = calendar.current()
    # Fri 13 Feb 2026 + 5 working days: Sat 14 (调休上班), then 24, 25, 26, 27 Feb.
    assert cal.add_working_days(bj(2026, 2, 13, 10), 5) == bj(2026, 2, 27, 17, 30)
    assert cal.is_workday(date(2026, 2, 14)) and not cal.is_workday(date(2026, 2, 16))


def test_national_day_2026_working_hours_jump_the_holiday() -> None:
    cal = calendar.current()
    # Wed 30 Sep 16:30 + 2 working hours: one hour that day, one on Thu 8 Oct.
    assert cal.add_working_hours(bj(2026, 9, 30, 16, 30), 2) == bj(2026, 10, 8, 10)
    # Sat 10 Oct 2026 is a make-up working day.
    assert cal.add_working_days(bj(2026, 10, 9, 9), 1) == bj(2026, 10, 10, 17, 30)
    assert cal.next_workday_start(bj(2026, 9, 30, 18)) == bj(2026, 10, 8, 9)


def test_working_seconds_between_excludes_lunch_nights_and_holidays() -> None:
    cal = calendar.current()
    assert cal.working_seconds_between(bj(2026, 10, 8, 10), bj(2026, 10, 9, 10)) == 7 * 3600
    assert cal.working_seconds_between(bj(2026, 9, 30, 17), bj(2026, 10, 8, 9, 30)) == 3600


def test_years_the_package_does_not_cover_fall_back_to_weekends() -> None:
    cal = calendar.current()
    assert 2026 in cal.known_years and 2031 not in cal.known_years
    assert cal.add_working_days(bj(2031, 1, 3, 10), 1) == bj(2031, 1, 6, 17, 30)  # Fri → Mon


@settings(max_examples=200, deadline=None)
@given(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 9, 30)), st.integers(min_value=1, max_value=25)
)
def test_nth_working_day_agrees_with_chinese_calendar(day: date, n: int) -> None:
    expected, found = day, 0
    while found < n:
        expected += timedelta(days=1)
        found += chinese_calendar.is_workday(expected)
    assert calendar.current().nth_workday_after(day, n) == expected
