"""Articles need the centre's approval; the starter articles the platform seeded count as
approved. (Articles units wrote before stay drafts until the centre approves them.)"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def approve_the_seed(apps, schema_editor):
    from django.utils import timezone

    from hotline.knowledge.seed import ARTICLES

    titles = [a["title"] for a in ARTICLES]
    Article = apps.get_model("knowledge", "Article")
    Article.objects.filter(title__in=titles, approved_at__isnull=True).update(approved_at=timezone.now())


class Migration(migrations.Migration):

    dependencies = [
        ('knowledge', '0002_seed'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='article',
            name='approved_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='审核通过时间'),
        ),
        migrations.AddField(
            model_name='article',
            name='approved_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='审核人'),
        ),
        migrations.RunPython(approve_the_seed, migrations.RunPython.noop),
    ]
