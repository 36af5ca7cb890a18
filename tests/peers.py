"""Real HTTP peers that tests start: a server on a free local port that keeps the JSON
bodies POSTed to it, for outbound deliveries (notifications, checkpoint webhooks)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any


class JsonPeer:
    """What the peer received, and the status it answers with (settable mid-test)."""

    def __init__(self, port: int, status: int) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self.received: list[dict[str, Any]] = []
        self.status = status


@contextmanager
def json_peer(status: int = 204) -> Iterator[JsonPeer]:
    peer: JsonPeer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            peer.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(peer.status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    peer = JsonPeer(server.server_port, status)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield peer
    finally:
        server.shutdown()
        server.server_close()
