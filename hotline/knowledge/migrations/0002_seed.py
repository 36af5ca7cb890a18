"""Seed the starter knowledge base (see hotline/knowledge/seed.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from hotline.knowledge.seed import seed_articles

    # Approval came later (0003, which approves what this seeded).
    seed_articles(
        apps.get_model("knowledge", "Article"), apps.get_model("knowledge", "ArticleTerm"), approved=False
    )


def unseed(apps, schema_editor):
    from hotline.knowledge.seed import ARTICLES

    Article = apps.get_model("knowledge", "Article")
    titles = [a["title"] for a in ARTICLES]
    apps.get_model("knowledge", "ArticleTerm").objects.filter(article__title__in=titles).delete()
    Article.objects.filter(title__in=titles).delete()


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
