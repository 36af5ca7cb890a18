"""The signatures of the SMS gateway's pushes (docs/sms.md) and of the 110 link's requests
(docs/police.md) as the peers compute them: one hex HMAC-SHA256 of a few lines, each
ended by a newline, then the body. Written here independently of ``hotline.channels``'s
code, so a test signs and checks as the other side would."""

from __future__ import annotations

import hashlib
import hmac


def hmac_hex(secret: str, *lines: str, body: bytes) -> str:
    """Hex HMAC-SHA256 with ``secret`` of ``lines``, a ``\\n`` after each, then ``body``."""
    signed = "".join(line + "\n" for line in lines).encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
