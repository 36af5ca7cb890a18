"""Writing knowledge-base articles: every save rewrites the article's search index.

The one way an article is written (the staff page, the admin, the seed command): the
article and its index rows change in one transaction, so search never finds words an
article no longer has.
"""

from __future__ import annotations

from django.db import transaction

from hotline.knowledge.models import Article, ArticleTerm
from hotline.knowledge.search import index_article
from hotline.org.models import User


def save_article(article: Article, by: User | None = None) -> Article:
    """Save ``article`` (new or edited) as ``by`` and rewrite its index rows."""
    with transaction.atomic():
        if by is not None:
            article.updated_by = by
        article.save()
        index_article(article, ArticleTerm)
    return article
