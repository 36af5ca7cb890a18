"""Routing tables: the duty catalogue (职责清单), township boundaries, the suggestions
made for tickets, and the dispatchers' corrections the engine learns from.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class TargetLevel(models.TextChoices):
    PREFECTURE = "prefecture", "州(市)级"
    COUNTY = "county", "县(市、区)级"
    TOWNSHIP = "township", "乡镇(街道)级"
    VILLAGE = "village", "村(社区)级"


class Territory(models.TextChoices):
    # 属地管理: the unit at the target level whose jurisdiction holds the place.
    PLACE = "place", "属地管理(按诉求发生地)"
    # The unit(s) matched anywhere at the target level, whatever the place.
    ANY = "any", "不限属地"


class ShareRole(models.TextChoices):
    LEAD = "lead", "主办"
    ASSIST = "assist", "协办"


class RuleSource(models.TextChoices):
    DEFAULT = "default", "默认清单"
    DUTIES = "duties", "单位职能推导"
    ADMIN = "admin", "管理员维护"


class DutyRule(models.Model):
    """One line of the duty catalogue: which unit handles which matter.

    A rule applies to a ticket when its topic is the ticket's topic or a prefix of it
    ("城乡建设" covers "城乡建设 / 物业管理 / 物业服务"), or — for rules with
    keywords — when one of the keywords occurs in the request. The unit is the one
    named explicitly, or every active unit at ``level`` whose name contains one of
    ``unit_keywords``; with ``territory = place`` only the one(s) whose jurisdiction
    holds the place of the request.
    """

    topic = models.CharField(
        "诉求分类", max_length=200, blank=True, help_text="分类路径或其前缀,如「城乡建设 / 物业管理」"
    )
    ticket_type = models.CharField("诉求类型", max_length=16, blank=True, help_text="留空表示不限类型")
    keywords = models.CharField(
        "诉求关键词",
        max_length=300,
        blank=True,
        help_text="以空格分隔;诉求内容含其一即适用(可用于多部门事项)",
    )
    level = models.CharField("承办层级", max_length=16, choices=TargetLevel.choices)
    unit_keywords = models.CharField(
        "单位名称关键词",
        max_length=200,
        blank=True,
        help_text="以 | 分隔,如「住建|住房和城乡建设」;留空且未指定单位时为属地人民政府",
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name="指定单位",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    territory = models.CharField(
        "属地规则", max_length=16, choices=Territory.choices, default=Territory.PLACE
    )
    role = models.CharField("承办方式", max_length=8, choices=ShareRole.choices, default=ShareRole.LEAD)
    priority = models.PositiveSmallIntegerField("优先级", default=70, help_text="0–100,越大越优先")
    source = models.CharField("来源", max_length=16, choices=RuleSource.choices, default=RuleSource.ADMIN)
    note = models.CharField("说明", max_length=200, blank=True)
    active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "职责清单条目"
        verbose_name_plural = "职责清单"
        ordering = ["topic", "-priority", "id"]
        indexes = [models.Index(fields=["active", "topic"])]

    def __str__(self) -> str:
        who = self.unit.name if self.unit_id and self.unit else (self.unit_keywords or "属地政府")
        return f"{self.topic or self.keywords} → {who}({self.get_level_display()})"


class Boundary(models.Model):
    """The territory of a unit (usually a township) as a GeoJSON polygon (WGS84 lng/lat)."""

    unit = models.OneToOneField("org.Unit", verbose_name="单位", on_delete=models.CASCADE, related_name="+")
    geojson = models.TextField("边界(GeoJSON)", help_text="Polygon/MultiPolygon,或其 Feature")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "辖区边界"
        verbose_name_plural = "辖区边界"

    def __str__(self) -> str:
        return str(self.unit)


class SuggestionRecord(models.Model):
    """The last full-scope suggestion made for a ticket: what the dispatcher was shown."""

    ticket = models.OneToOneField(
        "tickets.Ticket", verbose_name="工单", on_delete=models.CASCADE, related_name="+"
    )
    topic = models.CharField("诉求分类", max_length=200, blank=True)
    lead_unit_id_suggested = models.BigIntegerField("建议主办单位ID", null=True, blank=True)
    assist_unit_ids = models.JSONField("建议协办单位ID", default=list, blank=True)
    township_id = models.BigIntegerField("属地乡镇ID", null=True, blank=True)
    county_id = models.BigIntegerField("属地县市ID", null=True, blank=True)
    confidence = models.FloatField("置信度", default=0.0)
    detail = models.JSONField("建议详情", default=dict, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "派单建议记录"
        verbose_name_plural = "派单建议记录"


class FeedbackKind(models.TextChoices):
    OVERRIDE = "override", "人工改派(未采纳建议)"
    RETURN = "return", "退单后改派"


class RoutingFeedback(models.Model):
    """One lesson: for this matter at this place, ``unit`` was right (+) or wrong (−)."""

    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name="工单", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField("类型", max_length=16, choices=FeedbackKind.choices)
    topic = models.CharField("诉求分类", max_length=200, blank=True, db_index=True)
    township_id = models.BigIntegerField("属地乡镇ID", null=True, blank=True)
    county_id = models.BigIntegerField("属地县市ID", null=True, blank=True)
    unit = models.ForeignKey("org.Unit", verbose_name="单位", on_delete=models.CASCADE, related_name="+")
    weight = models.FloatField("权重", help_text="正数:应派此单位;负数:不应派此单位")
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "派单学习记录"
        verbose_name_plural = "派单学习记录"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.topic} {self.unit_id} {self.weight:+.1f}"
