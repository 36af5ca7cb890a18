from django.db import models


class WechatMessage(models.Model):
    """A message a WeChat follower sent to the official account, once: its MsgId is
    unique, so WeChat's retries (it resends after 5 s without an answer) land on the
    same ticket, and the sender's open ticket can be found for a follow-up."""

    msg_id = models.CharField("消息ID", max_length=64, unique=True)
    openid = models.CharField("发送者OpenID", max_length=64, db_index=True)
    msg_type = models.CharField("消息类型", max_length=16)
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="+")
    # True: merged into the sender's open ticket (补充); False: it opened ``ticket``.
    follow_up = models.BooleanField("补充信息", default=False)
    received_at = models.DateTimeField("接收时间")

    class Meta:
        verbose_name = "微信消息"
        verbose_name_plural = "微信消息"

    def __str__(self) -> str:
        return f"{self.msg_type} {self.msg_id}"


class SmsMessage(models.Model):
    """A message a citizen sent to the hotline's SMS number, once: the gateway's message
    id is unique, so its retries are one contact (``channels.sms``)."""

    class Outcome(models.TextChoices):
        NEW = "new", "新工单"
        CONTACT = "contact", "补充至已有工单"

    msg_id = models.CharField("网关消息ID", max_length=64, unique=True)
    mobile = models.CharField("发送号码", max_length=20, db_index=True)
    nationcode = models.CharField("国家码", max_length=8, default="86")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField("处理结果", max_length=16, choices=Outcome.choices)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    received_at = models.DateTimeField("接收时间")

    class Meta:
        verbose_name = "上行短信"
        verbose_name_plural = "上行短信"

    def __str__(self) -> str:
        return f"sms {self.msg_id}"


class SmsOutbox(models.Model):
    """A text to a citizen's mobile (the receipt of a new ticket, the answer to an SMS),
    kept until the gateway took it and said whether it reached the phone: a gateway down
    at the moment is retried by the worker (``deliver_pending``), and the delivery
    report (状态报告) is recorded against the gateway's own id for it (``sid``)."""

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
    sent_at = models.DateTimeField("提交时间", null=True, blank=True)
    reported_at = models.DateTimeField("状态报告时间", null=True, blank=True)
    received_at = models.DateTimeField("用户接收时间", null=True, blank=True)
    errcode = models.CharField("错误码", max_length=64, blank=True)
    errmsg = models.CharField("错误信息", max_length=200, blank=True)

    class Meta:
        verbose_name = "下行短信"
        verbose_name_plural = "下行短信"
        indexes = [models.Index(fields=["status", "id"], name="sms_outbox_status_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.sid or self.pk}"
