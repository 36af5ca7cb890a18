"""Trigram indexes for the staff search's substrings (tickets.search), PostgreSQL only.

``address``, ``text``, ``title`` and ``citizen_name`` are matched with ILIKE '%…%'; a GIN
index of their trigrams (pg_trgm) lets PostgreSQL find a rare word without reading every
ticket. pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create
it. SQLite has no such index; its search reads the rows newest first (bench/search.py).
The indexes are built CONCURRENTLY, so a running platform keeps taking tickets while a
large table is indexed; hence the migration is not atomic.
"""

from django.db import migrations

COLUMNS = ("address", "text", "title", "citizen_name")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS ticket_{column}_trgm "
            f"ON tickets_ticket USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS ticket_{column}_trgm")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0005_caller_history"),
    ]

    operations = [migrations.RunPython(create, drop)]
