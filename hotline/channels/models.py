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


class PoliceCase(models.Model):
    """A ticket and the 110 case it is linked with, either way: a matter we handed to 110
    (``out``: its case number is known once 110 acknowledges the hand-off) or one 110
    handed to us (``in``: the number came with it, and is unique, so 110's retries land
    on the same ticket)."""

    OUT, IN = "out", "in"
    DIRECTIONS = ((OUT, "转110"), (IN, "110转入"))

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="+")
    direction = models.CharField("方向", max_length=3, choices=DIRECTIONS)
    # NULL until 110 acknowledges a hand-off; several NULLs do not collide.
    case_number = models.CharField("110警情编号", max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField("创建时间")
    acknowledged_at = models.DateTimeField("110确认时间", null=True, blank=True)

    class Meta:
        verbose_name = "110联动警情"
        verbose_name_plural = "110联动警情"
        indexes = [models.Index(fields=["ticket", "direction"], name="police_case_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.case_number or '(待确认)'}"


class PoliceMessage(models.Model):
    """The outbox of the 110 link: a message to 110, written in the transaction of the
    change that calls for it (a hand-off with ``transfer_police``, a result with the
    archiving of a ticket 110 handed in), sent after commit and retried by the worker
    until 110 acknowledges it. ``request_id`` is the same on every attempt: 110 keeps
    one case per request id, so a retry after a lost answer is not a second case."""

    HANDOFF, RESULT = "handoff", "result"
    KINDS = ((HANDOFF, "移交110"), (RESULT, "办理结果回传"))

    kind = models.CharField("类型", max_length=8, choices=KINDS)
    case = models.ForeignKey(PoliceCase, on_delete=models.PROTECT, related_name="messages")
    request_id = models.CharField("请求ID", max_length=64, unique=True)
    body = models.JSONField("报文")
    created_at = models.DateTimeField("创建时间")
    # The worker sends what is due (not yet acknowledged, next_attempt_at passed); a
    # sender claims a message by moving next_attempt_at on before it sends (a lease).
    next_attempt_at = models.DateTimeField("下次发送时间", db_index=True)
    attempts = models.PositiveIntegerField("发送次数", default=0)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    acknowledged_at = models.DateTimeField("110确认时间", null=True, blank=True)

    class Meta:
        verbose_name = "110联动报文"
        verbose_name_plural = "110联动报文"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.request_id}"


class PoliceNonce(models.Model):
    """The nonces of 110's signed requests seen within the freshness window: a request
    whose nonce is here is a replay. Older ones are dropped (their timestamp would be
    refused anyway)."""

    nonce = models.CharField("随机串", max_length=64, unique=True)
    seen_at = models.DateTimeField("接收时间", db_index=True)

    class Meta:
        verbose_name = "110请求随机串"
        verbose_name_plural = "110请求随机串"

    def __str__(self) -> str:
        return self.nonce


class WechatBinding(models.Model):
    """A WeChat follower who proved a ticket theirs (its number and query code, sent as
    「绑定 工单编号 查询码」) and so linked their openid to that ticket's phone number:
    their WeChat messages carry the number from then on, and the operator sees their
    calls and messages as one citizen (``tickets.citizens``)."""

    openid = models.CharField("OpenID", max_length=64, unique=True)
    phone = models.CharField("手机号码", max_length=20, db_index=True)
    via_ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.PROTECT, related_name="+", verbose_name="凭以关联的工单"
    )
    bound_at = models.DateTimeField("关联时间")

    class Meta:
        verbose_name = "微信号码关联"
        verbose_name_plural = "微信号码关联"

    def __str__(self) -> str:
        return self.openid
