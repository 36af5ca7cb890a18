"""Open311 beside the platform's own API, over HTTP, in the same run.

Usage (against a running server; ``hotline serve``, a key from ``hotline open311 key
create``, the demo's operator)::

    python bench/open311.py --url http://127.0.0.1:8000 --key KEY \\
        [--user operator --password demo-12345] [--seconds 10] [--clients 4]

For ``--seconds`` each, ``--clients`` threads (a new connection per request) send:
Open311 ``POST requests.json`` and the API's ``POST /api/v1/tickets`` (the same texts),
then Open311 ``GET requests/{id}.json`` and the API's ``GET /api/v1/tickets/{number}``
(tickets made in the first part), then Open311 ``GET requests.json`` (the default 90
days, at most 1,000 requests). It prints requests per second, median and p99 latency,
and each Open311 rate as a ratio of the API's. It creates tickets in that server's
database and removes nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _load import call, run, timed  # noqa: E402 - bench/_load.py: the threaded load runner

TEXTS = [
    "小区门口路灯坏了三天,晚上一片漆黑,请尽快维修。",
    "文三路人行道破损严重,老人走路容易摔倒。",
    "楼下餐馆油烟直排,家里窗户都不敢开。",
    "公交站台的遮雨棚漏水,下雨天等车全身湿透。",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--key", required=True)
    parser.add_argument("--user", default="operator")
    parser.add_argument("--password", default="demo-12345")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    base = args.url.rstrip("/")
    token = call(
        "POST",
        f"{base}/api/v1/auth/token",
        json.dumps({"username": args.user, "password": args.password}).encode(),
        {"Content-Type": "application/json"},
    )["token"]
    bearer = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    code = call("GET", f"{base}/open311/v2/services.json")[0]["service_code"]
    made: dict[str, list[str]] = {"open311": [], "api": []}

    def open311_post(i: int) -> None:
        form = {"api_key": args.key, "service_code": code, "address_string": "西湖区文三路"}
        form["description"] = f"{TEXTS[i % len(TEXTS)]}(第{i}次)"
        answer = call("POST", f"{base}/open311/v2/requests.json", urllib.parse.urlencode(form).encode())
        made["open311"].append(answer[0]["service_request_id"])

    def api_post(i: int) -> None:
        body = {"channel": "api", "text": f"{TEXTS[i % len(TEXTS)]}(第{i}次)", "address": "西湖区文三路"}
        made["api"].append(
            call("POST", f"{base}/api/v1/tickets", json.dumps(body).encode(), bearer)["number"]
        )

    def open311_get(i: int) -> None:
        call("GET", f"{base}/open311/v2/requests/{random.choice(made['open311'])}.json")

    def api_get(i: int) -> None:
        call("GET", f"{base}/api/v1/tickets/{random.choice(made['api'])}", headers=bearer)

    def open311_list(i: int) -> None:
        call("GET", f"{base}/open311/v2/requests.json")

    results = [
        run("open311 POST requests.json", args.clients, timed(open311_post), seconds=args.seconds),
        run("api POST /api/v1/tickets", args.clients, timed(api_post), seconds=args.seconds),
        run("open311 GET requests/{id}.json", args.clients, timed(open311_get), seconds=args.seconds),
        run("api GET /api/v1/tickets/{number}", args.clients, timed(api_get), seconds=args.seconds),
        run("open311 GET requests.json (list)", args.clients, timed(open311_list), seconds=args.seconds),
    ]
    for r in results:
        print(
            f"{r['name']:<36} {r['per_second']:7.1f}/s  p50 {r['p50_ms']:7.1f} ms  "
            f"p99 {r['p99_ms']:7.1f} ms  ({r['ok']} ok, {r['errors']} failed)"
        )
    print(f"POST open311/api: {results[0]['per_second'] / results[1]['per_second']:.2f}")
    print(f"GET one open311/api: {results[2]['per_second'] / results[3]['per_second']:.2f}")


if __name__ == "__main__":
    main()
