"""Every ticket gets a query code (查询码); tickets that existed before get one each here."""

import secrets

from django.db import migrations, models

import hotline.tickets.models

# The alphabet and length of hotline.tickets.models at the time of this migration.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 6
BATCH = 2000


def issue_codes(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    while True:
        batch = list(Ticket.objects.filter(query_code="").only("pk")[:BATCH])
        if not batch:
            return
        for ticket in batch:
            ticket.query_code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        Ticket.objects.bulk_update(batch, ["query_code"])


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0003_ticket_ticket_recent_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="query_code",
            field=models.CharField(
                db_default="",
                default=hotline.tickets.models.new_query_code,
                max_length=8,
                verbose_name="查询码",
            ),
        ),
        migrations.RunPython(issue_codes, migrations.RunPython.noop, elidable=True),
    ]
