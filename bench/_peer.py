"""The fake HTTP peers the benches start (the SMS gateway's send API, 110): a real HTTP
server on 127.0.0.1 in a daemon thread that answers each POST with JSON, and the HMAC
their requests are signed with.

A peer subclasses ``Peer`` and says in ``answer`` what one POST gets back (status, JSON
object). The signing is the channels' protocol (docs/sms.md, docs/police.md) written
here again, not imported from ``hotline.channels``: a peer checks what the platform does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def hmac_hex(secret: str, *lines: str, body: bytes) -> str:
    """Hex HMAC-SHA256 with ``secret`` of ``lines``, a newline after each, then ``body``."""
    signed = "".join(line + "\n" for line in lines).encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


class Peer:
    """A peer on ``port`` (0: a free one, then ``self.port``), serving until ``close``."""

    def __init__(self, port: int = 0) -> None:
        self.lock = threading.Lock()
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status, answer = peer.answer(self.headers, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, headers: Message, body: bytes) -> tuple[int, dict[str, Any]]:
        """The HTTP status and the JSON object one POST of ``body`` is answered with."""
        raise NotImplementedError

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
