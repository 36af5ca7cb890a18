"""The WeChat official account's message server (微信公众号消息服务器).

As WeChat's developer documentation specifies it:

- URL verification: a GET with ``signature``, ``timestamp``, ``nonce`` and ``echostr``;
  ``signature`` is sha1 of the sorted concatenation of token, timestamp and nonce, and
  the answer is ``echostr`` itself.
- Messages: a POST of XML (``ToUserName``, ``FromUserName`` the sender's openid,
  ``CreateTime``, ``MsgType``, ``MsgId`` and the type's fields), signed as above in
  plaintext mode. In safe mode (``encrypt_type=aes``) the XML carries only ``Encrypt``:
  AES-256-CBC with key = base64decode(EncodingAESKey + "="), IV = key[:16], PKCS#7
  padding to 32 bytes, over 16 random bytes + 4-byte big-endian length + XML + AppID;
  ``msg_signature`` is sha1 of the sorted token, timestamp, nonce and ``Encrypt``.
- The passive reply: XML in the answer to the POST, within 5 seconds (WeChat retries
  three times, then gives up), encrypted and signed alike in safe mode.

Text, image, location and voice (its ``Recognition``) messages become a ticket through
``take_in``, or a contact added to the sender's open ticket (``add_contact``); the reply
gives the ticket number, its query code and how to track. A follower links their number
by sending 「绑定 工单编号 查询码」 of a ticket of theirs (the portal's own proof, limited
per openid like the portal's lookup per address): their messages then carry that number,
so the operator sees their calls and WeChat messages as one citizen.

Replays: a signed request outside 300 s of its timestamp is refused; inside it, the
MsgId makes a replay (or WeChat's own retry) the same answer and no new contact.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import re
import struct
import time
import xml.etree.ElementTree as ET  # noqa: S405 - DTDs refused before parsing, see parse_xml
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.db import IntegrityError, transaction

from hotline import clock
from hotline.db import write_transaction
from hotline.errors import ActionError
from hotline.org.actor import Actor
from hotline.tickets.actions import NewContact, add_contact_from
from hotline.tickets.intake import take_in
from hotline.tickets.lifecycle import END_STATES
from hotline.tickets.models import Channel, Ticket
from hotline.tickets.privacy import mask_phone
from hotline.tickets.selectors import public_ticket

from . import signing
from .models import WechatBinding, WechatMessage

# WeChat's messages are a few hundred bytes; a body past this is not one of them.
MAX_BODY_BYTES = 16 * 1024
# A signed request older or newer than this is refused: a replay, or a wrong clock.
MAX_SKEW_SECONDS = 300
SUPPORTED_TYPES = ("text", "image", "location", "voice")
_BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16

TRACK_HINT = "可在 12345 网站「进度查询」凭工单编号和查询码查询办理进度。"
UNSUPPORTED = "您好,目前支持文字、图片、位置和语音留言,请用文字描述您的诉求。"
VOICE_UNRECOGNIZED = "未能识别您的语音,请用文字描述您的诉求。"
# 「绑定 工单编号 查询码」: link this openid to the phone of a ticket the sender proves theirs.
BIND = re.compile(r"^\s*绑定\s*(\d{8,16})\s+([0-9A-Za-z\-]{6,8})\s*$")
UNBIND = re.compile(r"^\s*解除绑定\s*$")


class Refused(Exception):
    """A request WeChat's protocol says to turn away; ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Account:
    token: str
    appid: str
    aes_key: bytes | None  # None: plaintext mode only

    @classmethod
    def configured(cls) -> Account | None:
        token = getattr(settings, "HOTLINE_WECHAT_TOKEN", "")
        appid = getattr(settings, "HOTLINE_WECHAT_APPID", "")
        if not token or not appid:
            return None
        encoding_key = getattr(settings, "HOTLINE_WECHAT_AES_KEY", "")
        return cls(token=token, appid=appid, aes_key=aes_key_of(encoding_key) if encoding_key else None)


def aes_key_of(encoding_aes_key: str) -> bytes:
    """The 32-byte AESKey of a 43-character EncodingAESKey."""
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except ValueError as exc:
        raise ValueError("EncodingAESKey 须为 43 个字符的 Base64") from exc
    if len(key) != 32:
        raise ValueError("EncodingAESKey 须为 43 个字符的 Base64")
    return key


def signature(*parts: str) -> str:
    """WeChat's signature: sha1 of the parts sorted and concatenated."""
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324 - WeChat's rule


def check_signature(given: str, *parts: str) -> None:
    if not hmac.compare_digest(signature(*parts).encode(), (given or "").encode()):
        raise Refused(403, "签名校验失败")


def check_fresh(timestamp: str) -> None:
    # Whatever int() reads is a timestamp here, as it always was: signing.is_timestamp
    # (the SMS gateway's and 110's rule) would also refuse a sign, spaces, or "1_0".
    try:
        int(timestamp)
    except ValueError:
        raise Refused(403, "时间戳无效") from None
    if not signing.within_window(timestamp, clock.now().timestamp(), MAX_SKEW_SECONDS):
        raise Refused(403, "请求已过期")


def encrypt(plain: bytes, key: bytes, appid: str, *, random16: bytes | None = None) -> str:
    body = (random16 or os.urandom(16)) + struct.pack(">I", len(plain)) + plain + appid.encode()
    padder = padding.PKCS7(_BLOCK * 8).padder()
    padded = padder.update(body) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


def decrypt(encrypted: str, key: bytes, appid: str) -> bytes:
    """The XML inside ``Encrypt``; refused if it is not for this account's AppID."""
    try:
        data = base64.b64decode(encrypted, validate=True)
        decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
        padded = decryptor.update(data) + decryptor.finalize()
        unpadder = padding.PKCS7(_BLOCK * 8).unpadder()
        body = unpadder.update(padded) + unpadder.finalize()
        (length,) = struct.unpack(">I", body[16:20])
    except (ValueError, struct.error):
        raise Refused(400, "密文无法解密") from None
    plain, receiver = body[20 : 20 + length], body[20 + length :]
    if len(plain) != length or not hmac.compare_digest(receiver, appid.encode()):
        raise Refused(403, "消息不属于本公众号")
    return plain


def parse_xml(body: bytes) -> dict[str, str]:
    """The child elements of WeChat's flat ``<xml>`` as a dict. A DTD (and so any
    entity, the way to a billion-laughs or an external fetch) is refused unparsed."""
    if signing.too_large(body, MAX_BODY_BYTES):
        raise Refused(413, "消息过大")
    if b"<!" in body.replace(b"<![CDATA[", b""):
        raise Refused(400, "消息格式错误")
    try:
        root = ET.fromstring(body)  # noqa: S314 - no DTD can reach here
    except ET.ParseError:
        raise Refused(400, "消息格式错误") from None
    if root.tag != "xml":
        raise Refused(400, "消息格式错误")
    return {child.tag: (child.text or "").strip() for child in root}


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(message: dict[str, str], content: str) -> str:
    """The passive text reply to ``message`` (to its sender, from the account)."""
    return (
        f"<xml><ToUserName>{_cdata(message.get('FromUserName', ''))}</ToUserName>"
        f"<FromUserName>{_cdata(message.get('ToUserName', ''))}</FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{_cdata(content)}</Content></xml>"
    )


def encrypted_reply(reply: str, account: Account, nonce: str) -> str:
    assert account.aes_key is not None
    encrypted = encrypt(reply.encode(), account.aes_key, account.appid)
    timestamp = str(int(time.time()))
    return (
        f"<xml><Encrypt>{_cdata(encrypted)}</Encrypt>"
        f"<MsgSignature>{_cdata(signature(account.token, timestamp, nonce, encrypted))}</MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{_cdata(nonce)}</Nonce></xml>"
    )


def verify_url(account: Account, query: dict[str, str]) -> str:
    """GET: the ``echostr`` to answer, once the request is proved WeChat's."""
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    check_signature(query.get("signature", ""), account.token, timestamp, nonce)
    check_fresh(timestamp)
    return query.get("echostr", "")


def receive(account: Account, query: dict[str, str], body: bytes) -> str:
    """POST: check, decrypt, take the message in; the passive reply's body."""
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    outer = parse_xml(body)
    safe_mode = query.get("encrypt_type", "raw") == "aes"
    if safe_mode:
        if account.aes_key is None:
            raise Refused(403, "未配置消息加解密密钥")
        encrypted = outer.get("Encrypt", "")
        check_signature(query.get("msg_signature", ""), account.token, timestamp, nonce, encrypted)
        check_fresh(timestamp)
        message = parse_xml(decrypt(encrypted, account.aes_key, account.appid))
    else:
        if account.aes_key is not None:
            raise Refused(403, "本公众号仅接受安全模式消息")
        check_signature(query.get("signature", ""), account.token, timestamp, nonce)
        check_fresh(timestamp)
        message = outer
    content = answer(message)
    if content is None:
        return "success"  # WeChat's "nothing to say" (events, or a message without id)
    reply = text_reply(message, content)
    return encrypted_reply(reply, account, nonce) if safe_mode else reply


def answer(message: dict[str, str]) -> str | None:
    """What the follower is told about ``message``, once it is taken in."""
    msg_type, msg_id, openid = (
        message.get("MsgType", ""),
        message.get("MsgId", ""),
        message.get("FromUserName", ""),
    )
    if msg_type == "event" or not msg_id or not openid:
        return None
    if msg_type not in SUPPORTED_TYPES:
        return UNSUPPORTED
    if len(msg_id) > 64 or len(openid) > 64:
        raise Refused(400, "消息格式错误")
    seen = WechatMessage.objects.select_related("ticket").filter(msg_id=msg_id).first()
    if seen is not None:  # WeChat's retry, or a replay inside the window: no new contact
        return _told(seen.ticket, follow_up=seen.follow_up)
    if msg_type == "text":
        command = _binding(openid, message.get("Content", ""))
        if command is not None:
            return command
    contact = _contact_of(message)
    if contact is None:
        return VOICE_UNRECOGNIZED
    bound = WechatBinding.objects.filter(openid=openid).values_list("phone", flat=True).first()
    contact.phone = bound or ""
    open_ticket = _open_ticket_of(openid)
    if open_ticket is not None:
        added = _add_to(open_ticket, contact, msg_id=msg_id, openid=openid, msg_type=msg_type)
        if added is not None:
            return added
    ticket = take_in(Actor.system(), contact).ticket
    # The same MsgId taken in by a parallel request lands on the same ticket (the
    # intake's idempotency key): its row is already there, and this one is not needed.
    with contextlib.suppress(IntegrityError), transaction.atomic():
        WechatMessage.objects.create(
            msg_id=msg_id,
            openid=openid,
            msg_type=msg_type,
            ticket=ticket,
            follow_up=False,
            received_at=clock.now(),
        )
    return _told(ticket, follow_up=False)


def _add_to(
    open_ticket: Ticket, contact: NewContact, *, msg_id: str, openid: str, msg_type: str
) -> str | None:
    """The message as a contact of the sender's open ticket, with its MsgId row in the
    same transaction (a parallel retry fails on the MsgId and adds nothing); None when
    the ticket closed meanwhile (the message then opens a ticket of its own)."""
    contact.idempotency_key = None  # the MsgId row is this contact's key
    try:
        with write_transaction():
            add_contact_from(Actor.system(), open_ticket.number, contact)
            WechatMessage.objects.create(
                msg_id=msg_id,
                openid=openid,
                msg_type=msg_type,
                ticket=open_ticket,
                follow_up=True,
                received_at=clock.now(),
            )
    except IntegrityError:  # the same MsgId, taken in by WeChat's parallel retry
        seen = WechatMessage.objects.select_related("ticket").get(msg_id=msg_id)
        return _told(seen.ticket, follow_up=seen.follow_up)
    except ActionError:  # closed meanwhile
        return None
    open_ticket.refresh_from_db()
    return _told(open_ticket, follow_up=True)


def _binding(openid: str, text: str) -> str | None:
    """The answer to 「绑定 …」 or 「解除绑定」, None for any other text."""
    if UNBIND.match(text):
        removed, _ = WechatBinding.objects.filter(openid=openid).delete()
        return "已解除本微信与手机号的关联。" if removed else "本微信尚未关联手机号。"
    found = BIND.match(text)
    if found is None:
        return (
            "绑定格式:绑定 工单编号 查询码(例如:绑定 2026120600001 7K3M9Q)"
            if text.strip().startswith("绑定")
            else None
        )
    number, code = found.groups()
    try:
        # The portal's own proof, its wrong guesses limited per openid as per address.
        ticket = public_ticket(number, address=f"wechat:{openid}", query_code=code)
    except ActionError as refused:
        return refused.message
    if not ticket.phone:
        return f"工单 {ticket.number} 未登记手机号,无法关联。"
    with write_transaction():
        WechatBinding.objects.update_or_create(
            openid=openid, defaults={"phone": ticket.phone, "via_ticket": ticket, "bound_at": clock.now()}
        )
    return f"已将本微信与手机号 {mask_phone(ticket.phone)} 关联,您在微信和电话中反映的诉求将一并办理、查看。"


def _contact_of(message: dict[str, str]) -> NewContact | None:
    msg_type, msg_id = message["MsgType"], message["MsgId"]
    contact = NewContact(channel=Channel.WECHAT, text="", idempotency_key=f"wechat:{msg_id}")
    contact.received_at = _sent_at(message.get("CreateTime", ""))
    if msg_type == "text":
        contact.text = message.get("Content", "")
    elif msg_type == "voice":
        contact.text = message.get("Recognition", "")
    elif msg_type == "image":
        contact.text = f"[图片] {message.get('PicUrl', '')}".strip()
    elif msg_type == "location":
        label = message.get("Label", "")
        contact.text = f"[位置] {label}".strip()
        contact.address = label[:200]
        try:
            contact.lat, contact.lng = float(message["Location_X"]), float(message["Location_Y"])
        except (KeyError, ValueError):
            contact.lat = contact.lng = None
    return contact if contact.text.strip() else None


def _sent_at(create_time: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(create_time), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _open_ticket_of(openid: str) -> Ticket | None:
    """The sender's latest ticket from WeChat that is still open, if any."""
    latest = (
        WechatMessage.objects.filter(openid=openid)
        .exclude(ticket__state__in=END_STATES)
        .select_related("ticket")
        .order_by("-received_at", "-id")
        .first()
    )
    return latest.ticket if latest is not None else None


def _told(ticket: Ticket, *, follow_up: bool) -> str:
    if follow_up:
        head = f"您的补充信息已并入工单 {ticket.number}(查询码 {ticket.query_code})。"
    else:
        head = f"您的诉求已受理,工单编号 {ticket.number},查询码 {ticket.query_code}。"
    return head + TRACK_HINT
