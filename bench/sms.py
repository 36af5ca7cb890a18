"""Inbound SMS beside the platform's own API, over HTTP, in the same run.

Usage (against a running server whose HOTLINE_SMS_SECRET is --secret and whose
HOTLINE_NOTIFY posts to the gateway this script starts on --gateway-port; the demo's
operator for the API side)::

    HOTLINE_SMS_SECRET=S HOTLINE_NOTIFY=webhook:http://127.0.0.1:8766/send hotline serve &
    python bench/sms.py --url http://127.0.0.1:8000 --secret S [--gateway-port 8766] \\
        [--messages 300] [--clients 4]

``--clients`` threads (a new connection per request) send ``--messages`` each of:
the API's ``POST /api/v1/tickets`` with a mobile (the baseline: a ticket and its
receipt SMS), signed SmsUp pushes of one new
message (a ticket and its receipt SMS), and pushes naming the sender's ticket (a contact
added to it, answered by SMS). Each sender has a mobile of its own, so the gateway (a
real HTTP server here, answering as SendSms with a BizId) matches each text to its push:
the figures include push → receipt at the gateway. It prints p50 and p99 per kind and
the SMS rates as ratios of the API's. It writes tickets into that server's database and
removes nothing: point it at a throw-away one.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from email.message import Message
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _load import call, percentile, run  # noqa: E402 - bench/_load.py: the threaded load runner
from _peer import Peer, hmac_hex  # noqa: E402 - bench/_peer.py: the fake HTTP peers

TEXTS = [
    "小区门口路灯坏了三天,晚上一片漆黑,请尽快维修。",
    "文三路人行道破损严重,老人走路容易摔倒。",
    "楼下餐馆油烟直排,家里窗户都不敢开。",
    "公交站台的遮雨棚漏水,下雨天等车全身湿透。",
]


class Gateway(Peer):
    """The SMS gateway's send API: keeps when each mobile's texts arrived."""

    def __init__(self, port: int) -> None:
        self.arrived: dict[tuple[str, str], float] = {}  # (mobile, kind) → perf_counter
        self.numbers: dict[str, str] = {}  # mobile → its ticket number (from the receipt)
        self.count = 0
        super().__init__(port)

    def answer(self, headers: Message, body: bytes) -> tuple[int, dict[str, Any]]:
        text = json.loads(body)
        with self.lock:
            self.count += 1
            self.arrived[(text["phone"], text["kind"])] = time.perf_counter()
            if text.get("ticket"):
                self.numbers.setdefault(text["phone"], text["ticket"])
            biz_id = f"bench{self.count:09d}^0"
        return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id}


def wait_for(gateway: Gateway, key: tuple[str, str], timeout: float = 10.0) -> float | None:
    stop = time.perf_counter() + timeout
    while time.perf_counter() < stop:
        with gateway.lock:
            if key in gateway.arrived:
                return gateway.arrived[key]
        time.sleep(0.002)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--secret", required=True)
    parser.add_argument("--gateway-port", type=int, default=8766)
    parser.add_argument("--user", default="operator")
    parser.add_argument("--password", default="demo-12345")
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    base = args.url.rstrip("/")
    gateway = Gateway(args.gateway_port)
    run_id = int(time.time()) % 10_000
    token = call(
        "POST",
        f"{base}/api/v1/auth/token",
        json.dumps({"username": args.user, "password": args.password}).encode(),
        {"Content-Type": "application/json"},
    )["token"]
    bearer = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def mobile(i: int) -> str:
        return f"139{run_id:04d}{i:04d}"

    def push(items: list[dict[str, Any]]) -> None:
        body = json.dumps(items, ensure_ascii=False).encode()
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Hotline-Timestamp": ts,
            "X-Hotline-Signature": hmac_hex(args.secret, ts, body=body),
        }
        if call("POST", f"{base}/channels/sms/", body, headers)["code"] != 0:
            raise RuntimeError("push refused")

    def sms_up(i: int, text: str, sequence: int) -> dict[str, Any]:
        send_time = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())
        return {
            "phone_number": mobile(i),
            "content": text,
            "send_time": send_time,
            "sequence_id": f"{run_id}{sequence:07d}",
            "sign_name": "12345热线",
            "dest_code": "12345",
        }

    answered: dict[str, list[float]] = {"receipt": [], "reply": []}

    def api_post(i: int) -> float:
        started = time.perf_counter()
        # A mobile too, so the baseline sends its receipt SMS as the SMS intake does.
        body = {
            "channel": "api",
            "text": f"{TEXTS[i % len(TEXTS)]}(第{i}次)",
            "phone": f"138{run_id:04d}{i:04d}",
        }
        call("POST", f"{base}/api/v1/tickets", json.dumps(body).encode(), bearer)
        return time.perf_counter() - started

    def sms_new(i: int) -> float | None:
        started = time.perf_counter()
        push([sms_up(i, f"{TEXTS[i % len(TEXTS)]}(短信第{i}条)", i)])
        took = time.perf_counter() - started
        arrived = wait_for(gateway, (mobile(i), "citizen_receipt"))
        if arrived is not None:
            answered["receipt"].append(arrived - started)
        return took

    def sms_follow_up(i: int) -> float | None:
        number = gateway.numbers.get(mobile(i))
        if number is None:
            return None
        started = time.perf_counter()
        push([sms_up(i, f"工单号{number},补充:情况还没有改善", args.messages + i)])
        took = time.perf_counter() - started
        arrived = wait_for(gateway, (mobile(i), "sms_reply"))
        if arrived is not None:
            answered["reply"].append(arrived - started)
        return took

    results = [
        run("api POST /api/v1/tickets", args.clients, api_post, requests=args.messages),
        run("sms push, new message (ticket)", args.clients, sms_new, requests=args.messages),
        run("sms push naming the ticket (contact)", args.clients, sms_follow_up, requests=args.messages),
    ]
    for r in results:
        print(
            f"{r['name']:<38} {r['per_second']:7.1f}/s  p50 {r['p50_ms']:7.1f} ms  "
            f"p99 {r['p99_ms']:7.1f} ms  ({r['ok']} ok, {r['errors']} failed)"
        )
    for kind, delays in answered.items():
        delays.sort()
        if delays:
            p50, p99 = percentile(delays, 0.5) * 1000, percentile(delays, 0.99) * 1000
            print(
                f"push → {kind} SMS at the gateway: p50 {p50:.1f} ms  p99 {p99:.1f} ms  ({len(delays)} texts)"
            )
    print(f"new ticket sms/api: {results[1]['per_second'] / results[0]['per_second']:.2f}")
    print(f"contact sms / new ticket api: {results[2]['per_second'] / results[0]['per_second']:.2f}")
    gateway.close()


if __name__ == "__main__":
    main()
