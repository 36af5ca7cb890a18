"""A visible warning when the working calendar does not know this year or next."""

from __future__ import annotations

from typing import Any

from django.core.checks import Warning, register
from django.db import DatabaseError


def uncovered_years() -> list[int]:
    from hotline import clock
    from hotline.sla.models import CalendarYear

    this_year = clock.now().year
    known = set(
        CalendarYear.objects.filter(year__in=[this_year, this_year + 1]).values_list("year", flat=True)
    )
    return [y for y in (this_year, this_year + 1) if y not in known]


@register("hotline", deploy=False)
def calendar_coverage(app_configs: Any, **kwargs: Any) -> list[Warning]:
    try:
        missing = uncovered_years()
    except DatabaseError:  # not migrated yet
        return []
    return [
        Warning(
            f"工作日历未维护 {year} 年的法定节假日与调休,该年按双休日计算时限",
            hint="请在管理后台「工作日历」中录入国务院办公厅公布的放假安排,并添加「已维护年份」",
            id="hotline.W001",
        )
        for year in missing
    ]
