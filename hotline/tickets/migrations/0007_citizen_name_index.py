"""The staff search matches a citizen's name by its start (「张」, 「张伟」): a btree index
with the pattern opclass (PostgreSQL's LIKE 'x%'; SQLite ignores the opclass and reads
the index by range). The name's trigram index of 0006 served a substring of three
characters or more, which a Chinese name seldom has: dropped."""

from django.db import migrations, models

TRIGRAM = "ticket_citizen_name_trgm"


def drop_trigram(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM}")


def restore_trigram(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {TRIGRAM} ON tickets_ticket USING gin (citizen_name gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0006_search_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["citizen_name"], name="ticket_name_idx", opclasses=["varchar_pattern_ops"]),
        ),
        migrations.RunPython(drop_trigram, restore_trigram),
    ]
