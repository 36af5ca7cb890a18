"""Real HTTP peers that tests start: a server on a free local port that keeps the JSON
bodies POSTed to it, for outbound deliveries (notifications, checkpoint webhooks), and
can answer as the peer's protocol does (``answer``: e.g. 110 checking the signature and
giving a case number)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any


@dataclass(frozen=True)
class Request:
    """One request as the peer saw it: path, headers and the body's bytes."""

    path: str
    headers: dict[str, str]
    body: bytes


class JsonPeer:
    """What the peer received, and the status it answers with (settable mid-test); with
    ``answer`` set, each answer is its (status, JSON body) for the request instead."""

    def __init__(self, port: int, status: int) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self.received: list[dict[str, Any]] = []
        self.requests: list[Request] = []
        self.status = status
        self.answer: Callable[[Request], tuple[int, Any]] | None = None


@contextmanager
def json_peer(status: int = 204) -> Iterator[JsonPeer]:
    peer: JsonPeer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            request = Request(self.path, dict(self.headers.items()), raw)
            peer.requests.append(request)
            peer.received.append(json.loads(raw))
            if peer.answer is None:
                self.send_response(peer.status)
                self.end_headers()
                return
            status, body = peer.answer(request)
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

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
