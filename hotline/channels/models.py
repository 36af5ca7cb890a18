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
