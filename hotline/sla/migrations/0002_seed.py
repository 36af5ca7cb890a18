"""Seed the working calendar from chinese-calendar and the default time-limit policies."""

from django.db import migrations


def seed(apps, schema_editor):
    import chinese_calendar

    from hotline.sla.calendar import package_exceptions
    from hotline.sla.policies import DEFAULT_POLICIES

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
    for spec in DEFAULT_POLICIES:
        fields = {"name": spec["name"], "type": spec["type"], "urgency": spec["urgency"]}
        for kind in ("sign", "feedback", "resolve", "callback"):
            limit = spec[kind]
            fields[f"{kind}_limit"] = limit[0] if limit else None
            fields[f"{kind}_unit"] = limit[1] if limit else "working_days"
        for extra in ("max_extension_days", "supervise_after_days"):
            if extra in spec:
                fields[extra] = spec[extra]
        Policy.objects.create(**fields)


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
