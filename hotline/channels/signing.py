"""The checks of a signed request from a channel's peer (the SMS gateway, 110): the body
under a size cap, an HMAC-SHA256 signature over a few lines and the body, and a Unix
timestamp within a window around now. WeChat signs its own way (SHA-1, wechat.py) but
shares the size cap and the time window.

Each channel keeps its own protocol — which lines are signed, its headers, the order of
its checks, its limits — and its own refusals (HTTP status, code, zh-CN message); these
functions say whether a request passes each check, the same way for every channel.
"""

from __future__ import annotations

import hashlib
import hmac

# Unix seconds have 10 digits until the year 2286; a longer "timestamp" is none.
MAX_TIMESTAMP_DIGITS = 12
# A shared secret (HOTLINE_SMS_SECRET, HOTLINE_POLICE_SECRET) shorter than this is a
# password, not a key.
MIN_SECRET_CHARS = 32


def too_large(body: bytes, limit: int) -> bool:
    return len(body) > limit


def hmac_hex(secret: bytes, *lines: str, body: bytes) -> str:
    """Hex HMAC-SHA256 with ``secret`` of ``lines``, a ``\\n`` after each, then ``body``."""
    signed = "".join(line + "\n" for line in lines).encode() + body
    return hmac.new(secret, signed, hashlib.sha256).hexdigest()


def signature_matches(expected: str, given: str) -> bool:
    """``given`` is ``expected``, compared in constant time. As bytes: compare_digest
    refuses a str that is not ASCII, and a header may be anything."""
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


def is_timestamp(raw: str) -> bool:
    """Unix seconds: 1 to ``MAX_TIMESTAMP_DIGITS`` ASCII digits."""
    return raw.isascii() and raw.isdigit() and len(raw) <= MAX_TIMESTAMP_DIGITS


def within_window(timestamp: str, now: float, max_skew: float) -> bool:
    """The timestamp (as ``int`` reads it; the SMS gateway and 110 check ``is_timestamp``
    first) is at most ``max_skew`` seconds before or after ``now`` (Unix seconds): an
    older one is a replay, or a wrong clock."""
    seconds = int(timestamp)
    # A signed timestamp of hundreds of digits is no float (OverflowError): far off.
    if abs(seconds) > 1 << 53:
        return False
    return abs(now - seconds) <= max_skew
