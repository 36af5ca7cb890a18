import hotline.open311.models
from django.db import migrations, models


class Migration(migrations.Migration):
    """Requests posted before this have no token (their id was given at once); a unique
    column added with a default would give every old row the same one."""

    dependencies = [
        ("open311", "0001_api_keys_and_service_requests"),
    ]

    operations = [
        migrations.AddField(
            model_name="servicerequest",
            name="token",
            field=models.CharField(editable=False, max_length=32, null=True, unique=True, verbose_name="令牌"),
        ),
        migrations.AlterField(
            model_name="servicerequest",
            name="token",
            field=models.CharField(
                default=hotline.open311.models.new_token,
                editable=False,
                max_length=32,
                null=True,
                unique=True,
                verbose_name="令牌",
            ),
        ),
    ]
