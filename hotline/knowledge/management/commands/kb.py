"""``hotline kb seed`` (add the missing starter articles) and ``hotline kb reindex``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.knowledge.models import Article, ArticleTerm
from hotline.knowledge.search import index_article
from hotline.knowledge.seed import seed_articles


class Command(BaseCommand):
    help = "知识库:seed 补充预置条目;reindex 重建全文索引"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["seed", "reindex"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "seed":
            added = seed_articles(Article, ArticleTerm)
            self.stdout.write(f"新增 {added} 条知识")
            return
        n = 0
        for article in Article.objects.iterator():
            index_article(article, ArticleTerm)
            n += 1
        self.stdout.write(f"已重建 {n} 条知识的索引")
