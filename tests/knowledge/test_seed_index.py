"""The starter articles' search index ships as data (so migrate needs no jieba); it must
be exactly what jieba makes of the articles, and the seeded index rows must be it."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.knowledge.models import Article, ArticleTerm
from hotline.knowledge.search import search
from hotline.knowledge.seed import ARTICLES, computed_seed_index, seed_index

pytestmark = pytest.mark.django_db


def test_the_shipped_seed_index_is_what_jieba_makes() -> None:
    # If this fails after editing seed.ARTICLES, rewrite the file (see seed.SEED_INDEX).
    assert seed_index() == computed_seed_index()
    assert set(seed_index()) == {a["title"] for a in ARTICLES}


def test_the_seeded_articles_are_indexed_from_it(db: Any) -> None:
    # The seed migration ran for this test database.
    for title, weights in seed_index().items():
        article = Article.objects.get(title=title)
        rows = dict(ArticleTerm.objects.filter(article=article).values_list("term", "weight"))
        assert rows == pytest.approx(weights)
    assert search("不动产登记")[0].article.title == "不动产登记(房产证)办理流程"
