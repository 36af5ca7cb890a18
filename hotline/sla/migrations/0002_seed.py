"""Seed the working calendar from chinese-calendar and the default time-limit policies."""

from django.db import migrations


def seed(apps, schema_editor):
    import chinese_calendar

    from hotline.sla.calendar import package_exceptions
    from hotline.sla.policies import seed_default_policies

    CalendarDay = apps.get_model("sla", "CalendarDay")
    CalendarYear = apps.get_model("sla", "CalendarYear")
    Policy = apps.get_model("sla", "Policy")
    first_year = 2020
    rows = package_exceptions(first_year)
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, is_workday=w, name=n, source="chinese-calendar") for d, (w, n) in sorted(rows.items())]
    )
    for year in range(first_year, max(d.year for d in chinese_calendar.holidays) + 1):
        CalendarYear.objects.create(year=year, source="chinese-calendar")
    seed_default_policies(Policy)


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
