"""PostgreSQL: leave room in every page of the rollup tables.

Every action updates its ticket's facts and one rollup row. With full pages each update
writes the new row version elsewhere, so over months a day's rollup rows scatter over
the table and a month's KPI query reads a page per row. With free space in the page the
update stays in place (a HOT update: the counters are not indexed), the rows stay in the
order they were created — day by day — and need no index maintenance.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

TABLES = ("analytics_dailyrollup", "analytics_ticketfacts")


def _fillfactor(value: int) -> Any:
    def apply(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {value})")

    return apply


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_initial")]
    operations = [migrations.RunPython(_fillfactor(70), _fillfactor(100))]
