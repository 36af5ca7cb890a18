"""WeChat's side of the message server, built from its developer documentation: what
its servers send (signed query, message XML, safe-mode envelope) and how the account's
answer is read back. Written here independently of ``hotline.channels.wechat``'s code."""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import time
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own server's answers
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.test import Client

TOKEN = "hotline-test-token"
APPID = "wx0123456789abcdef"
# 43 characters of a-zA-Z0-9, as WeChat's console generates them.
ENCODING_AES_KEY = "Q2hhbm5lbHNUZXN0S2V5Rm9ySG90bGluZTEyMzQ1Njc"
ACCOUNT = "gh_0123456789ab"
URL = "/channels/wechat/"


def sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()  # noqa: S324


def _key(encoding_key: str = ENCODING_AES_KEY) -> bytes:
    return base64.b64decode(encoding_key + "=")


def seal(xml: str, appid: str = APPID, encoding_key: str = ENCODING_AES_KEY) -> str:
    plain = xml.encode()
    body = os.urandom(16) + struct.pack(">I", len(plain)) + plain + appid.encode()
    pad = 32 - len(body) % 32
    body += bytes([pad]) * pad
    key = _key(encoding_key)
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(body) + enc.finalize()).decode()


def unseal(encrypted: str, encoding_key: str = ENCODING_AES_KEY) -> tuple[str, str]:
    """(the XML, the AppID) inside ``encrypted``."""
    key = _key(encoding_key)
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    body = dec.update(base64.b64decode(encrypted)) + dec.finalize()
    body = body[: -body[-1]]
    (length,) = struct.unpack(">I", body[16:20])
    return body[20 : 20 + length].decode(), body[20 + length :].decode()


def message_xml(msg_type: str, msg_id: str, sender: str = "oOpenIdOfCitizen0001", **fields: str) -> str:
    parts = "".join(
        f"<{name}>{value}</{name}>"
        if name.startswith("Location_") or name == "Scale"
        else f"<{name}><![CDATA[{value}]]></{name}>"
        for name, value in fields.items()
    )
    return (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>"
        f"{parts}<MsgId>{msg_id}</MsgId></xml>"
    )


def fields_of(xml: str | bytes) -> dict[str, str]:
    return {child.tag: child.text or "" for child in ET.fromstring(xml)}  # noqa: S314


def post_plain(client: Client, xml: str, *, timestamp: int | None = None, token: str = TOKEN) -> Any:
    ts, nonce = str(timestamp or int(time.time())), "nonce123"
    query = f"signature={sha1_sorted(token, ts, nonce)}&timestamp={ts}&nonce={nonce}&openid=x"
    return client.post(f"{URL}?{query}", data=xml.encode(), content_type="text/xml")


def post_safe(client: Client, xml: str, *, timestamp: int | None = None, appid: str = APPID) -> Any:
    ts, nonce = str(timestamp or int(time.time())), "1320562132"
    encrypted = seal(xml, appid=appid)
    envelope = (
        f"<xml><ToUserName><![CDATA[{ACCOUNT}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    )
    query = (
        f"signature={sha1_sorted(TOKEN, ts, nonce)}&timestamp={ts}&nonce={nonce}&openid=x"
        f"&encrypt_type=aes&msg_signature={sha1_sorted(TOKEN, ts, nonce, encrypted)}"
    )
    return client.post(f"{URL}?{query}", data=envelope.encode(), content_type="text/xml")


def open_safe_reply(response: Any) -> dict[str, str]:
    """The reply inside a safe-mode answer, its signature checked as WeChat checks it."""
    envelope = fields_of(response.content)
    expected = sha1_sorted(TOKEN, envelope["TimeStamp"], envelope["Nonce"], envelope["Encrypt"])
    assert envelope["MsgSignature"] == expected
    xml, appid = unseal(envelope["Encrypt"])
    assert appid == APPID
    return fields_of(xml)
