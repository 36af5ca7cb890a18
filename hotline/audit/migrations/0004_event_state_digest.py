# The state commitment of ticket events (issue 12, item 1): a nullable column, so that
# adding it to a long log is a metadata change on both databases; existing events keep
# NULL and hash as before (see tickets.commitment).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_chain_head")]

    operations = [
        migrations.AddField(
            model_name="event",
            name="state_digest",
            field=models.CharField(blank=True, max_length=255, null=True, verbose_name="状态摘要"),
        ),
    ]
