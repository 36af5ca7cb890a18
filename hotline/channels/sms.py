"""The SMS gateway's callbacks (短信网关回调): citizens' messages to the hotline's number
(上行短信) and the delivery reports of the texts sent to them (状态报告).

The bodies are those of Alibaba Cloud SMS's HTTP batch push (HTTP批量推送), as its
documentation specifies them — a JSON array, one object per message, answered with
``{"code": 0, "msg": "接收成功"}`` (any other code makes the gateway push again):

- SmsUp (上行短信): ``phone_number``, ``content``, ``send_time`` (Beijing time,
  ``YYYY-MM-DD HH:MM:SS``), ``sequence_id`` (the gateway's id of the message),
  ``sign_name``, ``dest_code``;
- SmsReport (状态报告): ``phone_number``, ``send_time``, ``report_time``, ``success``,
  ``err_code``, ``err_msg``, ``sms_size``, ``biz_id`` (the ``BizId`` SendSms answered for
  the text), ``out_id``.

Alibaba's push carries no signature; the gateway (or the relay in front of it) signs
each push with the shared secret ``HOTLINE_SMS_SECRET``: ``X-Hotline-Timestamp`` (Unix
seconds) and ``X-Hotline-Signature``, the hex HMAC-SHA256 of ``timestamp + "\\n" + body``.
A push that is too big (413), unsigned, wrongly signed or older or newer than 300 s (403),
or malformed (400) is refused whole before anything is stored, in the same JSON shape
with the HTTP status as its code. docs/sms.md has the protocol and the rules below.

A message becomes a ticket through ``take_in`` (channel ``sms``); the citizen's receipt
(number and query code) is the new ticket's SMS (``sla.notify``). A message that names an
open ticket of the same mobile (its 13-digit number) is added to it (``add_contact``)
and answered by SMS; a number of somebody else's ticket, or of one that is closed, does
not touch it: the message is a new ticket, as if no number were in it. The gateway's
``sequence_id`` is kept (``SmsMessage``), so a pushed-again message is one contact.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError

from hotline import clock
from hotline.db import write_transaction
from hotline.errors import ActionError
from hotline.org.actor import Actor
from hotline.sla.models import CitizenMessage
from hotline.sla.notify import RETRY_AFTER, SMS_REPLY, mobile_of, text_citizen
from hotline.tickets.actions import NewContact
from hotline.tickets.actions.intake import PHONE_RE, add_contact_from
from hotline.tickets.intake import take_in
from hotline.tickets.lifecycle import END_STATES
from hotline.tickets.models import Channel, State, Ticket

from . import signing
from .models import SmsMessage

# A push of up to MAX_BATCH messages of a few hundred bytes each is well below this.
MAX_BODY_BYTES = 64 * 1024
MAX_BATCH = 100
# A long SMS is at most a few hundred characters; a message past this is not one.
MAX_TEXT = 1000
# A signed push older or newer than this is refused: a replay, or a wrong clock.
MAX_SKEW_SECONDS = 300
TIMESTAMP_HEADER = "X-Hotline-Timestamp"
SIGNATURE_HEADER = "X-Hotline-Signature"
OK = {"code": 0, "msg": "接收成功"}

BEIJING = ZoneInfo("Asia/Shanghai")
# A ticket number as the platform issues it: YYYYMMDD and five digits (tickets.actions).
_NUMBER = re.compile(r"(?<!\d)(20\d{11})(?!\d)")
# Of the numbers in one message, this many are looked up: the rest is text.
_NUMBERS_LOOKED_UP = 3

CONTACT_ADDED = (
    "【12345热线】您的补充信息已记入工单 {number},将一并办理。凭工单编号和查询码可在网上查询办理进度。"
)


class Refused(Exception):
    """A push the protocol turns away; ``status`` is the HTTP answer and the body's code."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def answer(self) -> dict[str, Any]:
        return {"code": self.status, "msg": self.message}


@dataclass(frozen=True)
class Gateway:
    secret: bytes

    @classmethod
    def configured(cls) -> Gateway | None:
        """None: no secret, the endpoints are off. ValueError: a secret too short to be one."""
        secret = getattr(settings, "HOTLINE_SMS_SECRET", "")
        if not secret:
            return None
        if len(secret) < signing.MIN_SECRET_CHARS:
            raise ValueError(f"HOTLINE_SMS_SECRET must have at least {signing.MIN_SECRET_CHARS} characters")
        return cls(secret=secret.encode())


Handler = Callable[[Gateway, str, str, bytes], dict[str, Any]]


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    return signing.hmac_hex(secret, timestamp, body=body)


def check(gateway: Gateway, timestamp: str, given: str, body: bytes) -> Any:
    """The push's JSON, once it is proved the gateway's and fresh."""
    if signing.too_large(body, MAX_BODY_BYTES):
        raise Refused(413, "推送内容过大")
    expected = signature(gateway.secret, timestamp, body)
    if not given or not signing.signature_matches(expected, given.strip().lower()):
        raise Refused(403, "签名校验失败")
    if not signing.is_timestamp(timestamp):
        raise Refused(403, "时间戳无效")
    if not signing.within_window(timestamp, clock.now().timestamp(), MAX_SKEW_SECONDS):
        raise Refused(403, "请求已过期")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise Refused(400, "推送内容不是合法的 JSON") from None


def _batch(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, list) or not data or not all(isinstance(item, dict) for item in data):
        raise Refused(400, "推送内容须为非空的 JSON 数组")
    if len(data) > MAX_BATCH:
        raise Refused(413, f"单次推送不能超过 {MAX_BATCH} 条")
    # No SMS holds a NUL, and PostgreSQL's text columns take none.
    if any("\x00" in value for item in data for value in item.values() if isinstance(value, str)):
        raise Refused(400, "推送内容含有非法字符")
    return data


def _text(item: dict[str, Any], key: str, *, required: bool = True, limit: int = 64) -> str:
    value = item.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        raise Refused(400, f"字段 {key} 缺失或格式错误")
    return value.strip()


def _beijing_time(value: str, key: str) -> datetime | None:
    if not value:
        return None
    for layout in ("%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S"):
        with contextlib.suppress(ValueError):
            return datetime.strptime(value, layout).replace(tzinfo=BEIJING)
    raise Refused(400, f"字段 {key} 须为 YYYY-MM-DD HH:MM:SS")


@dataclass(frozen=True)
class Inbound:
    msg_id: str
    phone: str
    text: str
    sent_at: datetime | None


def _inbound(item: dict[str, Any]) -> Inbound:
    phone = _text(item, "phone_number", limit=20)
    if not PHONE_RE.match(phone):
        raise Refused(400, "字段 phone_number 不是电话号码")
    text = item.get("content")
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        raise Refused(400, f"字段 content 缺失或超过 {MAX_TEXT} 字")
    return Inbound(
        msg_id=_text(item, "sequence_id"),
        phone=mobile_of(phone) or phone,
        text=text.strip(),
        sent_at=_beijing_time(_text(item, "send_time", required=False), "send_time"),
    )


def receive(gateway: Gateway, timestamp: str, given: str, body: bytes) -> dict[str, Any]:
    """SmsUp: every message of the push taken in (or found taken in before)."""
    messages = [_inbound(item) for item in _batch(check(gateway, timestamp, given, body))]
    for message in messages:
        take(message)
    return OK


def take(message: Inbound) -> SmsMessage | None:
    """The message's ticket: a contact on the sender's open ticket it names, or a new one.
    None: a message with no text (nothing to take in)."""
    seen = SmsMessage.objects.filter(msg_id=message.msg_id).first()
    if seen is not None:  # pushed again: the same contact, nothing new
        return seen
    if not message.text:
        return None
    named = named_ticket(message.text, message.phone)
    if named is not None:
        added = _add_to(named, message)
        if added is not None:
            return added
    contact = NewContact(
        channel=Channel.SMS,
        text=message.text,
        phone=message.phone,
        received_at=message.sent_at,
        idempotency_key=f"sms:{message.msg_id}",
    )
    ticket = take_in(Actor.system(), contact).ticket
    # The same sequence_id taken in by a parallel push lands on the same ticket (the
    # intake's idempotency key): its row is already there.
    with contextlib.suppress(IntegrityError), write_transaction():
        return _record(message, ticket, SmsMessage.Outcome.NEW)
    return SmsMessage.objects.filter(msg_id=message.msg_id).first()


def _record(message: Inbound, ticket: Ticket, outcome: str) -> SmsMessage:
    return SmsMessage.objects.create(
        msg_id=message.msg_id,
        mobile=message.phone,
        ticket=ticket,
        outcome=outcome,
        sent_at=message.sent_at,
        received_at=clock.now(),
    )


def _add_to(ticket: Ticket, message: Inbound) -> SmsMessage | None:
    """The message as a contact on ``ticket``, its row and the answer SMS in one
    transaction; None when the ticket cannot take it (closed meanwhile)."""
    contact = NewContact(
        channel=Channel.SMS, text=message.text, phone=message.phone, received_at=message.sent_at
    )
    try:
        with write_transaction():
            row = _record(message, ticket, SmsMessage.Outcome.CONTACT)
            add_contact_from(Actor.system(), ticket.number, contact)
            text_citizen(
                message.phone, CONTACT_ADDED.format(number=ticket.number), kind=SMS_REPLY, ticket=ticket
            )
    except IntegrityError:  # the same message taken in by a parallel push
        return SmsMessage.objects.filter(msg_id=message.msg_id).first()
    except ActionError:  # its state takes no contact: the message is a ticket of its own
        return None
    return row


def same_phone(a: str, b: str) -> bool:
    """One number written two ways (+86, spaces, dashes)."""
    return (
        bool(a)
        and bool(b)
        and (mobile_of(a) or re.sub(r"\D", "", a)) == (mobile_of(b) or re.sub(r"\D", "", b))
    )


def named_ticket(text: str, phone: str) -> Ticket | None:
    """The open ticket of this caller that the message names: a merged one stands for
    the ticket it was merged into. Another caller's ticket is as if not named."""
    for number in _NUMBER.findall(text)[:_NUMBERS_LOOKED_UP]:
        ticket = Ticket.objects.filter(number=number).select_related("merged_into").first()
        if ticket is None or not same_phone(ticket.phone, phone):
            continue
        if ticket.state == State.MERGED and ticket.merged_into is not None:
            ticket = ticket.merged_into
        if ticket.state not in END_STATES:
            return ticket
    return None


def report(gateway: Gateway, timestamp: str, given: str, body: bytes) -> dict[str, Any]:
    """SmsReport: each report recorded on the text the gateway's ``biz_id`` names."""
    reports = []
    for item in _batch(check(gateway, timestamp, given, body)):
        success = item.get("success")
        if not isinstance(success, bool):
            raise Refused(400, "字段 success 须为 true 或 false")
        reports.append(
            (
                _text(item, "biz_id"),
                success,
                _beijing_time(_text(item, "report_time", required=False), "report_time"),
                _text(item, "err_code", required=False),
                _text(item, "err_msg", required=False, limit=500),
            )
        )
    for biz_id, success, reported, code, message in reports:
        record_delivery(biz_id, delivered=success, at=reported, code=code, message=message)
    return OK


def record_delivery(sid: str, *, delivered: bool, at: datetime | None, code: str, message: str) -> bool:
    """The gateway's word on a text it took: delivered, or failed (the worker then sends
    it again while attempts are left). Only a text awaiting its report changes, so a
    report pushed again, or one late for an earlier attempt, changes nothing. False: no
    text of ours waits for that id (the gateway's other senders, or a repeat)."""
    now = clock.now()
    change: dict[str, Any] = {"reported_at": now, "errcode": code[:64], "errmsg": message[:200]}
    if delivered:
        change.update(status=CitizenMessage.Status.DELIVERED, received_at=at)
    else:
        change.update(status=CitizenMessage.Status.FAILED)
    found = 0
    with write_transaction():
        for text in CitizenMessage.objects.select_for_update().filter(
            sid=sid, status=CitizenMessage.Status.SENT
        ):
            if not delivered:
                change["next_attempt_at"] = now + RETRY_AFTER * 2 ** min(max(text.attempts - 1, 0), 10)
            found += CitizenMessage.objects.filter(pk=text.pk).update(**change)
    return found > 0
