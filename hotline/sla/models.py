"""Time-limit configuration: the working calendar, the policies, and notifications.

Every figure here is configuration that admins edit; the code only interprets it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class CalendarDay(models.Model):
    """A day whose status differs from the weekend rule: a holiday on a weekday
    (法定节假日) or a make-up working day on a weekend (调休上班)."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日")
    name = models.CharField("名称", max_length=50, blank=True)
    source = models.CharField("来源", max_length=20, default="admin")

    class Meta:
        verbose_name = "节假日/调休"
        verbose_name_plural = "工作日历(节假日与调休)"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '休息'} {self.name}"


class CalendarYear(models.Model):
    """A year whose holidays are known (from the State Council notice or an admin)."""

    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    source = models.CharField("来源", max_length=30, default="chinese-calendar")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "已维护年份"
        verbose_name_plural = "已维护年份"
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarRevision(models.Model):
    """One row; bumped on every calendar edit so each process reloads its cache."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    revision = models.PositiveIntegerField(default=0)


class LimitUnit(models.TextChoices):
    WORKING_HOURS = "working_hours", "工作小时"
    WORKING_DAYS = "working_days", "工作日"
    CALENDAR_HOURS = "calendar_hours", "自然小时"


def _limit(label: str) -> tuple[models.FloatField, models.CharField]:
    return (
        models.FloatField(f"{label}时限", null=True, blank=True, help_text="留空表示不设此时限"),
        models.CharField(
            f"{label}时限单位", max_length=16, choices=LimitUnit.choices, default=LimitUnit.WORKING_DAYS
        ),
    )


class Policy(models.Model):
    """Time limits for tickets of a type and urgency (blank matches any).

    The most specific active policy wins: type+urgency, then urgency, then type, then
    the default (both blank).
    """

    name = models.CharField("名称", max_length=60)
    type = models.CharField("诉求类型", max_length=16, blank=True)
    urgency = models.CharField("紧急程度", max_length=8, blank=True)
    sign_limit, sign_unit = _limit("签收")
    feedback_limit, feedback_unit = _limit("首次反馈")
    resolve_limit, resolve_unit = _limit("办结")
    callback_limit, callback_unit = _limit("回访")
    # The near-deadline warning fires when this share of the time has passed.
    warn_ratio = models.FloatField("临期预警比例", default=0.8)
    max_extension_days = models.PositiveSmallIntegerField("最长延期(工作日)", default=10)
    supervise_after_days = models.PositiveSmallIntegerField("催办后转督办(工作日)", default=2)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "时限策略"
        verbose_name_plural = "时限策略"
        ordering = ["type", "urgency"]
        constraints = [
            models.UniqueConstraint(fields=["type", "urgency"], name="sla_policy_unique_type_urgency")
        ]

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """An in-app message to one user; ``sent_at`` marks delivery through the outbound adapter."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField("类别", max_length=24)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    created_at = models.DateTimeField("时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    sent_at = models.DateTimeField("外发时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "read_at", "created_at"]),
            models.Index(fields=["user", "-created_at", "-id"], name="notification_inbox_idx"),
        ]


class CitizenMessage(models.Model):
    """A text to a citizen's mobile (the receipt of a new ticket, the answer to an SMS),
    kept until the gateway took it and said whether it reached the phone: a gateway down
    at the moment is retried by the worker (``deliver_pending``), and the gateway's
    delivery report (状态报告, ``channels.sms``) is recorded against its id (``sid``)."""

    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已提交网关"
        DELIVERED = "delivered", "已送达"
        FAILED = "failed", "发送失败"

    phone = models.CharField("手机号码", max_length=20)
    # The text holds the query code: it is the citizen's, shown nowhere but to them.
    text = models.TextField("短信内容")
    kind = models.CharField("类型", max_length=32)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    sid = models.CharField("网关消息ID", max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField("创建时间")
    # When the worker may (re)send it: moved on before each attempt (a lease, so the
    # send right after commit and a worker round never both send it) and after a failure.
    next_attempt_at = models.DateTimeField("下次发送时间")
    sent_at = models.DateTimeField("提交时间", null=True, blank=True)
    reported_at = models.DateTimeField("状态报告时间", null=True, blank=True)
    received_at = models.DateTimeField("用户接收时间", null=True, blank=True)
    errcode = models.CharField("错误码", max_length=64, blank=True)
    errmsg = models.CharField("错误信息", max_length=200, blank=True)

    class Meta:
        verbose_name = "市民短信"
        verbose_name_plural = "市民短信"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="citizen_message_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.sid or self.pk}"
