"""Chinese full-text search over the knowledge base with jieba words.

``tokens`` cuts text into search words; ``index_article`` rewrites an article's rows in
the inverted index; ``search`` scores visible articles by the query's words, weighted by
where the word occurs (keyword > title > body) and by how rare it is (idf).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from hotline.knowledge.models import Article, ArticleTerm, split_keywords

# Words that say nothing about what the citizen needs.
STOPWORDS = frozenset(
    """的 了 是 我 你 他 她 它 们 在 有 和 与 及 或 就 都 也 还 要 想 把 被 给 对 从 到 吗 呢 吧 啊 呀
    怎么 怎么办 怎样 如何 什么 哪里 哪儿 哪些 那个 这个 一下 可以 能否 能不能 需要 请问 你好 您好 谢谢
    一个 没有 现在 今天 已经 因为 所以 但是 如果 我们 你们 他们 自己 问题 情况 相关 进行""".split()  # noqa: SIM905
)
_WORD = re.compile(r"[\u4e00-\u9fff]{2,}|[A-Za-z0-9]{2,}")

KEYWORD_WEIGHT = 4.0
TITLE_WEIGHT = 3.0
BODY_WEIGHT = 1.0
MAX_TERM = 64
# The relevance bar: a hit must match a word the article is about (found in its title or
# keywords) or a rare word (in at most a tenth of the articles), not only a common word
# somewhere in its body ("部门" alone says nothing), and score at least this share of the
# best hit. No answer is better than a wrong one: a noise complaint must not offer the
# school-enrolment guide.
RELATIVE_BAR = 0.5
RARE = 10  # articles per occurrence of a rare word


def tokens(text: str) -> list[str]:
    """Search words of ``text``: jieba's search-mode cut, minus stopwords and noise."""
    import jieba  # here, not at import: the admin imports this module, and a migration must not load jieba

    out = []
    for word in jieba.cut_for_search(text or ""):
        word = word.strip().lower()
        if len(word) > MAX_TERM or word in STOPWORDS or not _WORD.fullmatch(word):
            continue
        out.append(word)
    return out


def article_weights(title: str, body: str, keywords: str) -> dict[str, float]:
    weights: dict[str, float] = defaultdict(float)
    for kw in split_keywords(keywords):
        kw = kw.lower()[:MAX_TERM]
        weights[kw] += KEYWORD_WEIGHT
        for word in tokens(kw):
            weights[word] += KEYWORD_WEIGHT / 2
    for word in set(tokens(title)):
        weights[word] += TITLE_WEIGHT
    for word, n in Counter(tokens(body)).items():
        # Repeats count, with diminishing returns: a long body must not drown the title.
        weights[word] += BODY_WEIGHT * (1 + math.log(n))
    return dict(weights)


def index_article(article: Any, term_model: Any, weights: dict[str, float] | None = None) -> None:
    """Rewrite ``article``'s index rows, from ``weights`` when the caller has them (the
    seed's index is shipped as data) or cut by jieba. ``term_model`` is passed so a data
    migration can use its historical model."""
    if weights is None:
        weights = article_weights(article.title, article.body, article.keywords)
    term_model.objects.filter(article_id=article.pk).delete()
    term_model.objects.bulk_create(
        [term_model(article_id=article.pk, term=t, weight=round(w, 3)) for t, w in weights.items()]
    )


@dataclass
class Hit:
    article: Article
    score: float
    matched: list[str]

    def snippet(self, length: int = 90) -> str:
        """The body around the first matched word, for result lists."""
        body = re.sub(r"\s+", " ", self.article.body)
        pos = min((body.lower().find(t) for t in self.matched if t in body.lower()), default=0)
        start = max(0, pos - 20)
        text = body[start : start + length]
        return ("…" if start else "") + text + ("…" if start + length < len(body) else "")


def search(query: str, *, limit: int = 10, category: str = "", queryset: Any = None) -> list[Hit]:
    """The best ``limit`` visible articles for ``query`` (three queries, whatever the size)."""
    terms = sorted(set(tokens(query)))
    if not terms:
        return []
    articles = Article.objects.visible() if queryset is None else queryset
    if category:
        articles = articles.filter(category=category)
    rows = list(
        ArticleTerm.objects.filter(term__in=terms, article__in=articles).values_list(
            "article_id", "term", "weight", "article__title", "article__keywords"
        )
    )
    if not rows:
        return []
    total = max(articles.count(), 1)
    df = Counter(row[1] for row in rows)
    scores: dict[int, float] = defaultdict(float)
    matched: dict[int, list[str]] = defaultdict(list)
    about: set[int] = set()
    for article_id, term, weight, title, keywords in rows:
        idf = math.log(1 + total / df[term])
        scores[article_id] += weight * idf
        matched[article_id].append(term)
        if total >= RARE * df[term] or term in title.lower() or term in keywords.lower():
            about.add(article_id)
    # Articles matching more of the query's words rank above one that repeats one word.
    final = {a: scores[a] * (0.5 + len(matched[a]) / len(terms)) for a in about}
    if not final:
        return []
    bar = RELATIVE_BAR * max(final.values())
    ranked = sorted((a for a in final if final[a] >= bar), key=lambda a: (final[a], -a), reverse=True)[:limit]
    by_id = Article.objects.select_related("owner_unit").in_bulk(ranked)
    return [
        Hit(article=by_id[a], score=round(final[a], 3), matched=sorted(matched[a]))
        for a in ranked
        if a in by_id
    ]
