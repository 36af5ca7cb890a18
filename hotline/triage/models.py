"""Triage tables: the editable taxonomy, admin-added places and operators' corrections."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Topic(models.Model):
    level1 = models.CharField("一级分类", max_length=50)
    level2 = models.CharField("二级分类", max_length=50, blank=True)
    level3 = models.CharField("三级分类", max_length=50, blank=True)
    keywords = models.TextField("关键词", blank=True, help_text="以空格分隔，用于规则匹配和解释")
    active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "诉求分类"
        verbose_name_plural = "诉求分类"
        ordering = ["level1", "level2", "level3"]
        constraints = [
            models.UniqueConstraint(fields=["level1", "level2", "level3"], name="triage_topic_unique_path")
        ]

    def __str__(self) -> str:
        return self.path

    @property
    def path(self) -> str:
        return " / ".join(p for p in (self.level1, self.level2, self.level3) if p)


class PlaceKind(models.TextChoices):
    COUNTY = "county", "县(市、区)"
    TOWNSHIP = "township", "乡镇(街道)"
    VILLAGE = "village", "村(社区)"
    LANDMARK = "landmark", "地标"


class Place(models.Model):
    """A place name admins add to the gazetteer (landmarks, estates, roads, old names)."""

    name = models.CharField("名称", max_length=100)
    aliases = models.CharField("别名", max_length=300, blank=True, help_text="以空格或逗号分隔")
    kind = models.CharField("类型", max_length=16, choices=PlaceKind.choices, default=PlaceKind.LANDMARK)
    lat = models.FloatField("纬度", null=True, blank=True)
    lng = models.FloatField("经度", null=True, blank=True)
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name="属地单位",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "地名"
        verbose_name_plural = "地名"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def alias_list(self) -> list[str]:
        return [a for a in self.aliases.replace(",", " ").replace("，", " ").replace("、", " ").split() if a]


class Correction(models.Model):
    """A human decision that differs from (or confirms) a triage suggestion."""

    ticket_number = models.CharField("工单编号", max_length=32, blank=True, db_index=True)
    title = models.CharField("标题", max_length=200, blank=True)
    text = models.TextField("诉求内容", blank=True)
    field = models.CharField("字段", max_length=32)
    suggested = models.CharField("建议值", max_length=200, blank=True)
    chosen = models.CharField("采用值", max_length=200)
    user_id = models.BigIntegerField("操作人ID", null=True, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "分析纠正记录"
        verbose_name_plural = "分析纠正记录"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.ticket_number or '-'} {self.field}: {self.suggested} → {self.chosen}"
