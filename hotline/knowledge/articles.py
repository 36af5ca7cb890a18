"""Writing knowledge-base articles, and the centre's approval that lets them out.

``save_article`` is the one way an article is written (the staff page, the admin): the
article and its search index rows change in one transaction, so search never finds words
an article no longer has. Only the 12345 centre's staff approve (``may_approve``), and an
approval is an act in the audit chain with the digest of the text approved, so every
article citizens see carries the record of who let which text out:
- a save by the centre's staff approves the article as saved (they wrote or read it);
- a save by anyone else makes it a draft again, until the centre approves
  (``approve_article``, the button on /kb/manage/ and the admin's action);
- a save by the platform itself (``by=None``: the seed, imports) leaves the approval as it is.
"""

from __future__ import annotations

import hashlib
import json

from django.db import transaction

from hotline import clock
from hotline.audit.record import record
from hotline.errors import Forbidden
from hotline.knowledge.models import Article, ArticleTerm
from hotline.knowledge.search import index_article
from hotline.org.actor import Actor
from hotline.org.models import User
from hotline.org.scope import DataScope

APPROVE = "kb_approve"  # the approval's action name in the audit chain


def may_approve(user: User) -> bool:
    """Staff of the centre (and superusers): those whose data scope is the whole platform."""
    return DataScope.of(user).everything


def save_article(article: Article, by: User | None = None) -> Article:
    """Save ``article`` (new or edited) as ``by`` and rewrite its index rows; approved when
    ``by`` may approve, a draft again when ``by`` may not (see the module's rules)."""
    with transaction.atomic():
        approves = by is not None and may_approve(by)
        if by is not None:
            article.updated_by = by
            if not approves:
                article.approved_at, article.approved_by = None, None
        article.save()
        index_article(article, ArticleTerm)
        if approves and by is not None:
            _approve(article, by)
    return article


def approve_article(article: Article, by: User) -> Article:
    """审核通过: the centre's ``by`` approves ``article`` as it stands now. An approved
    article stays as it is (no second record); a refusal (403) changes nothing."""
    if not may_approve(by):
        raise Forbidden("只有热线中心的工作人员可以审核知识条目")
    with transaction.atomic():
        current = Article.objects.select_for_update().get(pk=article.pk)
        if current.approved_at is None:
            _approve(current, by)
    return current


def _approve(article: Article, by: User) -> None:
    """Mark ``article`` approved by ``by`` and record it. Inside the saving transaction."""
    article.approved_at, article.approved_by = clock.now(), by
    Article.objects.filter(pk=article.pk).update(approved_at=article.approved_at, approved_by=by)
    record(
        action=APPROVE,
        ticket=None,
        actor=Actor.of(by),
        payload={"article": article.pk, "title": article.title, "text_sha256": text_digest(article)},
        at=article.approved_at,
    )


def text_digest(article: Article) -> str:
    """SHA-256 of what citizens read of an article: the digest an approval records."""
    shown = {
        "category": article.category,
        "title": article.title,
        "keywords": article.keywords,
        "body": article.body,
        "valid_from": article.valid_from.isoformat() if article.valid_from else None,
        "valid_to": article.valid_to.isoformat() if article.valid_to else None,
    }
    return hashlib.sha256(json.dumps(shown, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
