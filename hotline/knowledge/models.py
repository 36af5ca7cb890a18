"""Knowledge base (知识库): the answers operators give on the spot and citizens read.

An article is a draft until the 12345 centre approves it (``approved_at``): what a unit
writes reaches citizens and the intake suggestions only once the centre has read it, and
a unit's later edit sends it back to the centre (``knowledge.articles``). The starter
articles the platform seeds count as approved.

Search is portable full text: every article is cut into jieba words once, when it is
saved, and the words go into ``ArticleTerm`` (an inverted index: term → article, weight).
A query is cut the same way and scored in one indexed ``term IN (...)`` lookup, so it
runs the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet


class Category(models.TextChoices):
    SOCIAL_SECURITY = "社会保障", "社会保障"
    HOUSING_FUND = "住房公积金", "住房公积金"
    MEDICAL = "医疗保障", "医疗保障"
    HOUSEHOLD = "户籍证照", "户籍证照"
    PROPERTY = "不动产", "不动产"
    MARKET = "市场监管", "市场监管"
    EDUCATION = "教育", "教育"
    EMPLOYMENT = "就业创业", "就业创业"
    TRAFFIC = "交通出行", "交通出行"
    LIVING = "城市生活", "城市生活"
    OTHER = "其他", "其他"


_SPLIT_KEYWORDS = re.compile(r"[\s,,、;;]+")


def split_keywords(keywords: str) -> list[str]:
    """An article's keywords field, as the list of its keywords."""
    return [k for k in _SPLIT_KEYWORDS.split(keywords or "") if k]


class ArticleQuerySet(models.QuerySet["Article"]):
    def visible(self, today: date | None = None) -> QuerySet[Article]:
        """Published, approved by the centre and valid today: what citizens and the intake
        suggestions may show."""
        from django.utils import timezone

        day = today or timezone.localdate()
        return self.filter(published=True, approved_at__isnull=False).filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        )


class Article(models.Model):
    category = models.CharField("分类", max_length=20, choices=Category.choices, default=Category.OTHER)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("答复口径")
    keywords = models.CharField("关键词", max_length=300, blank=True, help_text="以空格或逗号分隔")
    valid_from = models.DateField("生效日期", null=True, blank=True)
    valid_to = models.DateField("失效日期", null=True, blank=True)
    owner_unit = models.ForeignKey(
        "org.Unit",
        verbose_name="维护单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="kb_articles",
    )
    published = models.BooleanField("已发布", default=False)
    # Set by the centre's approval (articles.approve_article), cleared by an edit of
    # someone who may not approve: empty means a draft awaiting the centre.
    approved_at = models.DateTimeField("审核通过时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="最后修改人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = "知识条目"
        verbose_name_plural = "知识库"
        ordering = ["category", "title"]
        indexes = [models.Index(fields=["published", "category"])]

    def __str__(self) -> str:
        return self.title

    def keyword_list(self) -> list[str]:
        return split_keywords(self.keywords)

    @property
    def approved(self) -> bool:
        return self.approved_at is not None


class ArticleTerm(models.Model):
    """One word of one article, with its weight (title and keywords count more)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(max_length=64)
    weight = models.FloatField()

    class Meta:
        verbose_name = "索引词"
        verbose_name_plural = "索引词"
        constraints = [models.UniqueConstraint(fields=["article", "term"], name="kb_term_unique")]
        indexes = [models.Index(fields=["term"])]


class StockPhrase(models.Model):
    """常用语: what an operator says or writes again and again — a greeting, a word to
    calm a caller, the standard explanation of a matter — offered on the intake page for
    the call's topic and edited by the centre's admins.

    ``topic`` is a prefix of the taxonomy path (``城乡建设`` covers every topic under
    it); empty: offered on every call."""

    topic = models.CharField(
        "适用分类", max_length=200, blank=True, help_text="分类路径前缀,如「城乡建设」;留空则适用于所有来电"
    )
    label = models.CharField("名称", max_length=30)
    text = models.TextField("内容", max_length=1000)
    position = models.PositiveSmallIntegerField("排序", default=100)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "常用语"
        verbose_name_plural = "常用语"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label
