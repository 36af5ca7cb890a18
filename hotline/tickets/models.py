"""Tickets, their contacts (来电/来信) and the units assigned to them.

A ticket's fields change only through ``hotline.tickets.actions``; the models hold
no behaviour that changes state.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

# The citizen's query code (查询码): read out on the phone and typed on the portal, so
# no 0/O, 1/I/L. Six of these 31 characters: 887 million codes per ticket number.
QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 6


def new_query_code() -> str:
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


class State(models.TextChoices):
    ACCEPTED = "accepted", "已受理"
    DISPATCHED = "dispatched", "已派单"
    RETURNED = "returned", "已退单"
    HANDLING = "handling", "办理中"
    SUSPENDED = "suspended", "已挂起"
    REPORTED = "reported", "已办结待审核"
    AWAITING_CALLBACK = "awaiting_callback", "待回访"
    ARCHIVED = "archived", "已归档"
    REJECTED = "rejected", "不予受理"
    TRANSFERRED = "transferred", "已转110"
    MERGED = "merged", "已合并"


class Channel(models.TextChoices):
    PHONE = "phone", "电话"
    WEB = "web", "网站"
    APP = "app", "移动端/小程序"
    SMS = "sms", "短信"
    WECHAT = "wechat", "微信"
    EMAIL = "email", "电子邮件"
    POLICE = "police", "110转入"
    API = "api", "系统对接"


class TicketType(models.TextChoices):
    GOVERNMENT = "政务类", "政务类"
    POLICE = "警务类", "警务类"
    CONSULTATION = "咨询类", "咨询类"
    SUGGESTION = "意见建议类", "意见建议类"
    COMPLAINT = "投诉类", "投诉类"
    SOCIAL = "综治类", "综治类"


class Urgency(models.TextChoices):
    CRITICAL = "特急", "特急"
    URGENT = "紧急", "紧急"
    NORMAL = "一般", "一般"


class Satisfaction(models.TextChoices):
    """How satisfied a citizen says they are, at the callback or in their own rating."""

    SATISFIED = "satisfied", "满意"
    BASICALLY = "basically_satisfied", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


class RejectCategory(models.TextChoices):
    """Why a contact is not taken in (不予受理), recorded on the ``reject`` event."""

    OUT_OF_SCOPE = "out_of_scope", "不属于政务服务范围"
    HARASSMENT = "harassment", "骚扰电话"
    NONSENSE = "nonsense", "无效/无实质内容"
    TEST_OR_SILENT = "test_or_silent", "测试或无声来电"
    UNREASONABLE = "unreasonable", "不合理诉求"
    OTHER = "other", "其他"


class ArchiveReason(models.TextChoices):
    """Why a ticket is archived without a satisfied callback, recorded on ``archive``."""

    UNREACHABLE = "unreachable", "多次回访无法联系"
    DECLINED = "declined", "市民拒绝回访"
    NO_CALLBACK_NEEDED = "no_callback_needed", "无需回访"


class Emotion(models.TextChoices):
    CALM = "平静", "平静"
    ANXIOUS = "焦虑", "焦虑"
    DISSATISFIED = "不满", "不满"
    ANGRY = "愤怒", "愤怒"


class Ticket(models.Model):
    number = models.CharField("工单编号", max_length=16, unique=True)
    title = models.CharField("标题", max_length=200, blank=True)
    text = models.TextField("诉求内容")
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    type = models.CharField("诉求类型", max_length=16, choices=TicketType.choices, blank=True)
    topic = models.CharField("诉求分类", max_length=200, blank=True)
    urgency = models.CharField("紧急程度", max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    emotion = models.CharField("情绪倾向", max_length=8, choices=Emotion.choices, default=Emotion.CALM)
    # Triage's suggestion as it was made, next to the human decision in the fields above.
    triage = models.JSONField("智能分析建议", default=dict, blank=True)
    place = models.ForeignKey(
        "org.Unit", verbose_name="属地", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address = models.CharField("地址", max_length=300, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    lng = models.FloatField("经度", null=True, blank=True)
    # Citizen contact of the first call; further calls are Contacts. Kept here too so the
    # public lookup by phone's last four digits is one indexed row.
    citizen_name = models.CharField("市民姓名", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    phone_last4 = models.CharField(max_length=4, blank=True)
    # Issued with the number, shown and sent to the citizen: with it the public lookup
    # needs no phone digits and is not limited per ticket (``tickets.selectors``). Rows
    # written by raw SQL (benchmarks) get "" from the database, which no lookup matches.
    query_code = models.CharField("查询码", max_length=8, default=new_query_code, db_default="")

    state = models.CharField(
        "状态", max_length=20, choices=State.choices, default=State.ACCEPTED, db_index=True
    )
    lead_unit = models.ForeignKey(
        "org.Unit",
        verbose_name="主办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_tickets",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name="合并至",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_tickets",
    )
    result = models.TextField("办理结果", blank=True)
    rehandle_count = models.PositiveSmallIntegerField("重办次数", default=0)
    urge_count = models.PositiveSmallIntegerField("催办次数", default=0)
    supervise_count = models.PositiveSmallIntegerField("督办次数", default=0)
    # Pending requests the centre must decide: {"kind": "extension"|"suspension", ...}.
    pending_request = models.JSONField("待审批申请", default=dict, blank=True)
    satisfaction = models.CharField("满意度", max_length=24, blank=True)
    resolved = models.BooleanField("是否解决", null=True, blank=True)

    # Deadlines (filled by the time-limit policies): indexed so the sweep reads only
    # what is due. ``next_due_at`` is the earliest of the open deadlines.
    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    sign_deadline = models.DateTimeField("签收时限", null=True, blank=True)
    feedback_deadline = models.DateTimeField("首次反馈时限", null=True, blank=True)
    resolve_deadline = models.DateTimeField("办结时限", null=True, blank=True)
    callback_deadline = models.DateTimeField("回访时限", null=True, blank=True)
    # When the deadline sweep must next look at this ticket (warn, urge or supervise).
    next_due_at = models.DateTimeField("下一时限", null=True, blank=True, db_index=True)
    # The clock's bookkeeping: limit units, start times, sweep steps done (see sla.deadlines).
    sla = models.JSONField("时限记录", default=dict, blank=True)
    suspended_at = models.DateTimeField("挂起时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("受理时间", db_index=True)
    updated_at = models.DateTimeField("更新时间")
    # Bumped by every action: a form that carries an older version is stale.
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "工单"
        verbose_name_plural = "工单"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "created_at"]),
            models.Index(fields=["lead_unit", "state"]),
            models.Index(fields=["phone_last4"]),
            models.Index(fields=["-updated_at", "-id"], name="ticket_recent_idx"),
            # The staff search by name (tickets.search: the name's start). The pattern
            # opclass lets PostgreSQL's LIKE 'x%' use it; SQLite ignores it (a range there).
            models.Index(fields=["citizen_name"], name="ticket_name_idx", opclasses=["varchar_pattern_ops"]),
            # The caller's history on the intake page: every ticket of one number.
            models.Index(fields=["phone", "-created_at"], name="ticket_phone_idx"),
        ]

    def __str__(self) -> str:
        return self.number


class Contact(models.Model):
    """One call or message from a citizen (来电/来信). Repeat calls are more contacts."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="contacts")
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    received_at = models.DateTimeField("来电时间")
    citizen_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("电话", max_length=20, blank=True)
    title = models.CharField("标题", max_length=200, blank=True)
    text = models.TextField("内容")
    address = models.CharField("地址", max_length=300, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lng = models.FloatField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    # A contact moved here from a ticket that was merged into this one.
    merged_from = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "来电来信"
        verbose_name_plural = "来电来信"
        ordering = ["received_at"]
        indexes = [models.Index(fields=["phone"], name="contact_phone_idx")]


class CallReference(models.Model):
    """What the telephone system said of the call a contact came in on: its call id and
    the link to its recording, from the screen-pop URL (``/intake/?phone=…&call_id=…``).
    Written once, with the contact; a reference into another system, not what the
    citizen said, so it is kept beside the contact rather than in its committed row."""

    contact = models.OneToOneField(Contact, on_delete=models.PROTECT, related_name="call")
    call_id = models.CharField("话务流水号", max_length=64, db_index=True)
    recording_url = models.URLField("录音地址", max_length=500, blank=True)

    class Meta:
        verbose_name = "话务记录"
        verbose_name_plural = "话务记录"


class AssignmentRole(models.TextChoices):
    LEAD = "lead", "主办"
    ASSIST = "assist", "协办"


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", "待签收"
    SIGNED = "signed", "已签收"
    REPORTED = "reported", "已反馈"
    RETURNED = "returned", "已退回"
    PASSED_DOWN = "passed_down", "已下派"
    WITHDRAWN = "withdrawn", "已撤回"


class Assignment(models.Model):
    """A unit's share in a ticket: the lead unit or an assisting unit.

    Rows are never deleted: a returned or re-dispatched assignment stays (inactive), so
    the units that once held the ticket keep seeing it in their scope.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="assignments")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="assignments")
    # Copy of unit.path at assignment time: the data-scope filter is a prefix match here.
    unit_path = models.CharField(max_length=255, db_index=True)
    role = models.CharField(max_length=8, choices=AssignmentRole.choices)
    status = models.CharField(
        max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.PENDING
    )
    active = models.BooleanField(default=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    assigned_at = models.DateTimeField()
    signed_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(blank=True)

    class Meta:
        verbose_name = "承办记录"
        verbose_name_plural = "承办记录"
        ordering = ["assigned_at", "id"]
        indexes = [models.Index(fields=["unit_path", "ticket"]), models.Index(fields=["ticket", "active"])]


class DailySequence(models.Model):
    """Ticket numbers are YYYYMMDD + a five-digit counter per day (Beijing time)."""

    day = models.CharField(max_length=8, primary_key=True)
    last = models.PositiveIntegerField(default=0)
