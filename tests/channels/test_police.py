"""The 110 link both ways (docs/police.md), against a real HTTP peer that plays 110: it
checks our signature with its own HMAC, keeps one case per request id and answers with
its case number — or 503 when told to be down."""

from __future__ import annotations

import hmac
import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from hotline.audit.chain import verify
from hotline.audit.models import Event
from hotline.channels.models import PoliceCase, PoliceMessage, PoliceNonce
from hotline.channels.police import deliver_due
from hotline.errors import Conflict
from hotline.org.actor import Actor
from hotline.sla.models import Notification
from hotline.tickets import actions, commitment, followers
from hotline.tickets.intake import take_in
from hotline.tickets.models import Channel, State, Ticket
from tests.channels.signed import hmac_hex
from tests.peers import Request, json_peer
from tests.web.helpers import client_for

pytestmark = pytest.mark.django_db

URL = "/channels/police/"
SECRET = "k3y-" + "0123456789abcdef" * 3
TEXT = "城关镇河西村有人在路边打架斗殴,有人受伤"
CASE_IN = "110-20261206-0042"
HANDED_IN = {
    "type": "handoff",
    "case_number": CASE_IN,
    "request": {"title": "噪音扰民", "text": "河西村小区楼下广场舞音响太吵,每天晚上十点以后还在放"},
    "caller": {"name": "李四", "phone": "13912345678"},
    "place": {"address": "滨江县城关镇河西村幸福小区", "lat": 30.1, "lng": 120.2},
    "note": "非警情,属城市管理,转12345",
}


@dataclass
class Police110:
    """110's side of the link: what a 110 system following docs/police.md does."""

    cases: dict[str, str] = field(default_factory=dict)  # request_id → case number
    down: int = 0  # answer this many requests with 503 first
    vague: int = 0  # then this many with a 200 that gives no case number
    bad_signatures: int = 0

    def answer(self, request: Request) -> tuple[int, Any]:
        headers = {k.lower(): v for k, v in request.headers.items()}
        timestamp, nonce = headers["x-hotline-timestamp"], headers["x-hotline-nonce"]
        mac = hmac_hex(SECRET, "12345->110", timestamp, nonce, body=request.body)
        if not hmac.compare_digest("v1=" + mac, headers["x-hotline-signature"]):
            self.bad_signatures += 1
            return 403, {"ok": False}
        assert abs(time.time() - int(timestamp)) < 60
        if self.down:
            self.down -= 1
            return 503, {"ok": False, "error": {"code": "busy"}}
        if self.vague:
            self.vague -= 1
            return 200, {"ok": True, "case_number": "../../etc"}
        message = json.loads(request.body)
        if request.path.endswith("/results"):
            return 200, {"ok": True, "case_number": message["case_number"]}
        number = self.cases.setdefault(message["request_id"], f"110-A{len(self.cases) + 1:04d}")
        return 200, {"ok": True, "case_number": number}


@pytest.fixture
def police(settings: Any) -> Iterator[tuple[Any, Police110]]:
    with json_peer() as peer:
        side = Police110()
        peer.answer = side.answer
        settings.HOTLINE_POLICE_URL = peer.base_url + "/api/12345"
        settings.HOTLINE_POLICE_SECRET = SECRET
        yield peer, side


def signed_headers(
    raw: bytes, *, secret: str = SECRET, timestamp: int | None = None, nonce: str | None = None
) -> dict[str, str]:
    """The headers 110 signs ``raw`` with (now and a fresh nonce, unless given)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(12)
    mac = hmac_hex(secret, "110->12345", ts, nonce, body=raw)
    return {"X-Hotline-Timestamp": ts, "X-Hotline-Nonce": nonce, "X-Hotline-Signature": "v1=" + mac}


def post_signed(
    body: Any,
    *,
    secret: str = SECRET,
    timestamp: int | None = None,
    nonce: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    sent = signed_headers(raw, secret=secret, timestamp=timestamp, nonce=nonce)
    if headers is not None:
        sent = headers
    return Client().post(URL, raw, content_type="application/json", headers=sent)


def new_ticket(org: Any) -> str:
    contact = actions.NewContact(
        channel="phone", text=TEXT, phone="13812345678", citizen_name="张三", address="城关镇河西村"
    )
    return take_in(Actor.of(org.operator), contact).ticket.number


def transfer(org: Any, number: str) -> None:
    actions.transfer_police(Actor.of(org.operator), number, reason="有人受伤,属警情,已电话告知110")


def assert_audit_clean() -> None:
    assert verify().ok
    assert commitment.check().ok
    call_command("audit", "verify", stdout=StringIO())


def test_off_without_url_and_secret(org: Any, committed: Any) -> None:
    answer = post_signed(HANDED_IN)
    assert answer.status_code == 404
    assert answer.json() == {"ok": False, "error": {"code": "link_off", "message": "未启用110联动接入"}}
    number = new_ticket(org)
    with committed():
        transfer(org, number)
    assert Ticket.objects.get(number=number).state == State.TRANSFERRED
    assert not PoliceMessage.objects.exists() and not PoliceCase.objects.exists()


def test_transfer_hands_off_and_110s_case_number_becomes_an_event(
    org: Any, committed: Any, police: tuple[Any, Police110]
) -> None:
    peer, side = police
    number = new_ticket(org)
    with committed():
        transfer(org, number)

    [request] = peer.requests
    assert request.path == "/api/12345/handoffs" and side.bad_signatures == 0
    body = json.loads(request.body)
    assert body["type"] == "handoff" and body["ticket"] == number
    assert body["request"]["text"] == TEXT
    assert body["caller"] == {"name": "张三", "phone": "13812345678"}
    assert body["place"]["address"] == "城关镇河西村"
    assert body["note"] == "有人受伤,属警情,已电话告知110" and body["operator"] == "operator"
    ack = Event.objects.get(ticket__number=number, action="police_ack")
    assert ack.payload == {"police_ref": "110-A0001"} and ack.actor_role == "system"
    assert PoliceCase.objects.get(ticket__number=number).case_number == "110-A0001"
    message = PoliceMessage.objects.get()
    assert message.acknowledged_at is not None and message.attempts == 1
    assert_audit_clean()


def test_110_down_the_transfer_commits_and_the_worker_retries_until_acknowledged(
    org: Any, committed: Any, police: tuple[Any, Police110]
) -> None:
    peer, side = police
    side.down = 2
    number = new_ticket(org)
    with committed():
        transfer(org, number)
    ticket = Ticket.objects.get(number=number)
    assert ticket.state == State.TRANSFERRED  # 110 being down never undoes the transfer
    message = PoliceMessage.objects.get()
    assert message.acknowledged_at is None and message.attempts == 1 and message.last_error == "HTTP 503"
    assert not Event.objects.filter(ticket=ticket, action="police_ack").exists()

    assert deliver_due().sent == 0  # not due yet: the backoff (30 s) holds it back
    assert len(peer.requests) == 1
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        assert (deliver_due().failed, len(peer.requests)) == (1, 2)
    message.refresh_from_db()
    assert message.attempts == 2 and message.next_attempt_at > timezone.now() + timedelta(seconds=50)
    with time_machine.travel(timezone.now() + timedelta(seconds=95), tick=False):
        out = StringIO()
        call_command("worker", "--once", stdout=out)
    assert "110联动报文:发送成功 1" in out.getvalue()
    # Every attempt is the same request: 110 keeps one case for it.
    assert len({json.loads(r.body)["request_id"] for r in peer.requests}) == 1 and len(peer.requests) == 3
    assert len({r.headers["X-Hotline-Nonce"] for r in peer.requests}) == 3
    assert Event.objects.get(ticket=ticket, action="police_ack").payload["police_ref"] == "110-A0001"
    assert deliver_due().sent == 0 and len(peer.requests) == 3  # acknowledged: never again
    assert_audit_clean()


def test_a_refused_transfer_writes_no_hand_off(
    org: Any, committed: Any, police: tuple[Any, Police110]
) -> None:
    peer, _ = police
    number = new_ticket(org)
    actions.reject(Actor.of(org.operator), number, reason="重复来电")
    with committed(), pytest.raises(Conflict):
        transfer(org, number)
    assert not PoliceMessage.objects.exists() and peer.requests == []


def test_110s_result_becomes_an_event_once(org: Any, committed: Any, police: tuple[Any, Police110]) -> None:
    number = new_ticket(org)
    with committed():
        transfer(org, number)
    result = {
        "type": "result",
        "case_number": "110-A0001",
        "result": "民警到场调解,伤者已送医,双方已达成和解",
        "unit": "滨江县公安局城关派出所",
        "handled_at": "2026-12-06T21:30:00+08:00",
    }
    answer = post_signed(result)
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"ok": True, "ticket": number, "case_number": "110-A0001", "duplicate": False}
    event = Event.objects.get(ticket__number=number, action="police_result")
    assert event.payload["result"] == result["result"] and event.payload["unit"] == result["unit"]
    again = post_signed(result)  # 110's retry (a fresh nonce): no second event
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert Event.objects.filter(ticket__number=number, action="police_result").count() == 1
    unknown = post_signed({**result, "case_number": "110-NOSUCH"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_case"
    assert_audit_clean()


def test_no_role_may_say_what_110_said(
    org: Any, api_as: Any, committed: Any, police: tuple[Any, Police110]
) -> None:
    number = new_ticket(org)
    with committed():
        transfer(org, number)
    ticket = Ticket.objects.get(number=number)
    answer = api_as("admin").act(
        number, "police_result", version=ticket.version, case_number="110-A0001", result="假"
    )
    assert answer.status_code == 403
    assert not Event.objects.filter(ticket=ticket, action="police_result").exists()


def test_handed_in_by_110_is_a_channel_110_ticket_once(org: Any, police: tuple[Any, Police110]) -> None:
    first = post_signed(HANDED_IN)
    assert first.status_code == 201, first.content
    number = first.json()["ticket"]
    assert first.json() == {"ok": True, "ticket": number, "case_number": CASE_IN, "created": True}
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == Channel.POLICE and ticket.state == State.ACCEPTED
    assert ticket.phone == "13912345678" and ticket.citizen_name == "李四"
    assert ticket.address == "滨江县城关镇河西村幸福小区" and "非警情" in ticket.text
    case = PoliceCase.objects.get(ticket=ticket)
    assert (case.direction, case.case_number) == (PoliceCase.IN, CASE_IN)

    retry = post_signed(HANDED_IN)  # 110's retry: a new nonce, the same case
    assert retry.status_code == 200 and retry.json() == {**first.json(), "created": False}
    assert Ticket.objects.count() == 1 and PoliceCase.objects.count() == 1
    assert_audit_clean()


def _nothing_stored() -> None:
    assert not Ticket.objects.exists() and not PoliceCase.objects.exists()


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "unsigned"),
        ({"X-Hotline-Timestamp": "1", "X-Hotline-Nonce": "abcdefghijklmnop"}, "unsigned"),
        (
            {
                "X-Hotline-Timestamp": "1",
                "X-Hotline-Nonce": "abcdefghijklmnop",
                "X-Hotline-Signature": "v1=00",
            },
            "bad_signature",
        ),
    ],
)
def test_unsigned_or_badly_signed_is_refused_and_nothing_stored(
    org: Any, police: tuple[Any, Police110], headers: dict[str, str], code: str
) -> None:
    answer = post_signed(HANDED_IN, headers=headers)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == code
    assert answer.json()["ok"] is False
    _nothing_stored()
    assert not PoliceNonce.objects.exists()


def test_signed_with_another_secret_is_refused(org: Any, police: tuple[Any, Police110]) -> None:
    answer = post_signed(HANDED_IN, secret="another-secret-" + "x" * 32)
    assert answer.status_code == 403 and answer.json()["error"] == {
        "code": "bad_signature",
        "message": "签名校验失败",
    }
    _nothing_stored()
    assert not PoliceNonce.objects.exists()


def test_a_body_changed_under_a_good_signature_is_refused(org: Any, police: tuple[Any, Police110]) -> None:
    raw = json.dumps(HANDED_IN, ensure_ascii=False).encode()
    sent = signed_headers(raw)
    swapped = raw.replace("李四".encode(), "王五".encode())
    assert swapped != raw
    answer = Client().post(URL, swapped, content_type="application/json", headers=sent)
    assert answer.status_code == 403
    _nothing_stored()


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_stale_or_future_timestamp_is_refused(org: Any, police: tuple[Any, Police110], skew: int) -> None:
    answer = post_signed(HANDED_IN, timestamp=int(time.time()) + skew)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "stale"
    _nothing_stored()


def test_a_replayed_nonce_is_refused(org: Any, police: tuple[Any, Police110]) -> None:
    nonce = secrets.token_hex(12)
    assert post_signed(HANDED_IN, nonce=nonce).status_code == 201
    replay = post_signed({**HANDED_IN, "case_number": "110-OTHER"}, nonce=nonce)
    assert replay.status_code == 403 and replay.json()["error"]["code"] == "replayed"
    assert Ticket.objects.count() == 1 and not PoliceCase.objects.filter(case_number="110-OTHER").exists()


def test_nonces_past_the_window_are_dropped(org: Any, police: tuple[Any, Police110]) -> None:
    assert post_signed({"type": "nonsense"}).status_code == 400
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=False):
        assert post_signed({"type": "nonsense"}).status_code == 400
    assert PoliceNonce.objects.count() == 1


def test_an_oversized_body_is_refused(org: Any, police: tuple[Any, Police110]) -> None:
    huge = {**HANDED_IN, "request": {"text": "长" * 30_000}}
    answer = post_signed(huge)
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "too_large"
    _nothing_stored()


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        (b"{not json", "bad_json", None),
        ([1, 2], "bad_json", None),
        ({"type": "complaint"}, "bad_type", "type"),
        ({**HANDED_IN, "case_number": ""}, "missing_field", "case_number"),
        ({**HANDED_IN, "case_number": "110/../x"}, "bad_field", "case_number"),
        ({**HANDED_IN, "request": {"text": "  "}}, "missing_field", "request.text"),
        ({**HANDED_IN, "request": {"text": "x", "title": 5}}, "bad_field", "request.title"),
        ({**HANDED_IN, "caller": {"phone": "call me"}}, "invalid", "caller.phone"),
        ({**HANDED_IN, "place": {"lat": "north"}}, "bad_field", "place.lat"),
        ({**HANDED_IN, "place": {"lat": 95, "lng": 120}}, "invalid", "place.lat"),
        ({**HANDED_IN, "place": {"lat": 10**400, "lng": 120}}, "invalid", "place.lat"),
        (json.dumps({**HANDED_IN, "place": {"lat": float("nan"), "lng": 1}}).encode(), "bad_json", None),
        (b"[" * 5000 + b"]" * 5000, "bad_json", None),
        ({**HANDED_IN, "caller": "李四"}, "bad_field", "caller"),
        ({"type": "result", "case_number": "110-A1"}, "missing_field", "result"),
    ],
)
def test_bad_input_is_a_400_that_says_what(
    org: Any, police: tuple[Any, Police110], body: Any, code: str, field: str | None
) -> None:
    answer = post_signed(body)
    assert answer.status_code == 400, answer.content
    error = answer.json()["error"]
    assert error["code"] == code and error.get("field") == field and error["message"]
    _nothing_stored()


def test_archiving_a_ticket_110_handed_in_sends_the_result_back(
    org: Any, committed: Any, police: tuple[Any, Police110]
) -> None:
    peer, side = police
    number = post_signed(HANDED_IN).json()["ticket"]
    dispatcher, housing = Actor.of(org.dispatcher), Actor.of(org.a_housing_handler)
    actions.dispatch(dispatcher, number, lead_unit="A-ZJ")
    actions.sign(housing, number)
    actions.report(housing, number, result="已约谈广场舞队负责人,晚九点半后停止使用音响")
    actions.review(Actor.of(org.reviewer), number, passed=True)
    side.down = 1
    with committed():
        actions.callback(Actor.of(org.callback), number, satisfaction="satisfied", resolved=True)
    assert Ticket.objects.get(number=number).state == State.ARCHIVED
    [failed] = peer.requests
    assert failed.path == "/api/12345/results"
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        assert deliver_due().sent == 1
    body = json.loads(peer.requests[-1].body)
    assert body["type"] == "result" and body["case_number"] == CASE_IN and body["ticket"] == number
    assert body["result"] == "已约谈广场舞队负责人,晚九点半后停止使用音响"
    assert body["unit"] == "滨江县住建局" and body["satisfaction"] == "satisfied"
    assert body["outcome"] == "archived" and body["accepted_at"] and body["closed_at"] and body["decided_at"]
    message = PoliceMessage.objects.get(kind=PoliceMessage.RESULT)
    assert message.acknowledged_at is not None and message.attempts == 2
    assert side.bad_signatures == 0
    assert_audit_clean()


def test_a_misconfigured_link_is_said_not_crashed(org: Any, settings: Any, committed: Any) -> None:
    settings.HOTLINE_POLICE_URL, settings.HOTLINE_POLICE_SECRET = "ftp://110.example", "short"
    answer = post_signed(HANDED_IN)
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "misconfigured"
    number = new_ticket(org)
    with committed():
        transfer(org, number)  # the hand-off waits in the outbox until the link is fixed
    message = PoliceMessage.objects.get()
    assert message.acknowledged_at is None and Ticket.objects.get(number=number).state == State.TRANSFERRED


def test_a_replay_that_leaves_the_outbox_out_sends_nothing(
    org: Any, committed: Any, police: tuple[Any, Police110]
) -> None:
    """The demo's history (``hotline demo``) transfers tickets to 110 in a replay that
    leaves ``police_outbox`` out: a configured link never hears of them."""
    peer, _ = police
    number = new_ticket(org)
    with committed(), followers.replaying(skip=["police_outbox"]):
        transfer(org, number)
    assert Ticket.objects.get(number=number).state == State.TRANSFERRED
    assert not PoliceMessage.objects.exists() and peer.requests == []


def test_a_hand_off_whose_first_send_never_ran_goes_with_the_worker(
    org: Any, police: tuple[Any, Police110]
) -> None:
    """The process stops between the transfer's commit and its send (here: the after-commit
    work is not run): the outbox row committed with the transfer, and the worker sends it
    once its first attempt's lease has passed."""
    peer, _ = police
    number = new_ticket(org)
    transfer(org, number)
    assert peer.requests == [] and deliver_due().sent == 0
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        assert deliver_due().sent == 1
    assert [json.loads(r.body)["ticket"] for r in peer.requests] == [number]
    assert Event.objects.filter(ticket__number=number, action="police_ack").count() == 1


def test_rejecting_a_ticket_110_handed_in_tells_110_why(
    org: Any, committed: Any, police: tuple[Any, Police110]
) -> None:
    peer, _ = police
    number = post_signed(HANDED_IN).json()["ticket"]
    with committed():
        actions.reject(Actor.of(org.operator), number, reason="属物业纠纷,请通过法律途径解决")
    [request] = peer.requests
    body = json.loads(request.body)
    assert request.path == "/api/12345/results" and body["case_number"] == CASE_IN
    assert (body["outcome"], body["result"]) == ("rejected", "属物业纠纷,请通过法律途径解决")
    assert PoliceMessage.objects.get().acknowledged_at is not None


def test_a_case_number_of_ours_cannot_be_handed_in(
    org: Any, committed: Any, police: tuple[Any, Police110]
) -> None:
    number = new_ticket(org)
    with committed():
        transfer(org, number)
    answer = post_signed({**HANDED_IN, "case_number": "110-A0001"})
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "case_conflict"
    assert Ticket.objects.count() == 1


def test_an_answer_without_a_valid_case_number_is_no_acknowledgement(
    org: Any, committed: Any, police: tuple[Any, Police110]
) -> None:
    _, side = police
    side.vague = 1
    number = new_ticket(org)
    with committed():
        transfer(org, number)
    message = PoliceMessage.objects.get()
    assert message.acknowledged_at is None and "case_number" in message.last_error
    assert not Event.objects.filter(ticket__number=number, action="police_ack").exists()
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        assert deliver_due().sent == 1
    assert Event.objects.get(ticket__number=number, action="police_ack").payload == {
        "police_ref": "110-A0001"
    }


def test_the_ticket_page_shows_what_110_said_and_offers_no_form_for_it(
    org: Any, committed: Any, police: tuple[Any, Police110]
) -> None:
    number = new_ticket(org)
    with committed():
        transfer(org, number)
    post_signed({"type": "result", "case_number": "110-A0001", "result": "民警已到场处置"})
    org.admin.is_superuser = True  # a superuser sees every form a role could use
    org.admin.save(update_fields=["is_superuser"])
    page = client_for(org.admin).get(f"/tickets/{number}/").content.decode()
    assert (
        "110确认接警" in page and "110处置结果" in page and "110-A0001" in page and "民警已到场处置" in page
    )
    assert "act/police_ack/" not in page and "act/police_result/" not in page


def test_a_hand_off_110_does_not_take_is_said_to_the_centre_once(
    org: Any, committed: Any, police: tuple[Any, Police110]
) -> None:
    _, side = police
    side.down = 4
    number = new_ticket(org)
    with committed():
        transfer(org, number)
    told = Notification.objects.filter(kind="police_unacknowledged")
    at = timezone.now()
    for seconds in (31, 95, 215):  # the 2nd, 3rd and 4th attempts
        with committed(), time_machine.travel(at + timedelta(seconds=seconds), tick=False):
            assert deliver_due().failed == 1
        if seconds == 31:
            assert not told.exists()  # two attempts: not yet
    assert sorted(told.values_list("user__username", flat=True)) == ["dispatcher", "operator"]
    first = told.first()
    assert first is not None and first.ticket is not None
    assert first.ticket.number == number and "电话联系 110" in first.title
    with committed(), time_machine.travel(at + timedelta(seconds=460), tick=False):
        assert deliver_due().sent == 1
    assert told.count() == 2


def test_only_post_is_spoken(org: Any, police: tuple[Any, Police110]) -> None:
    answer = Client().get(URL)
    assert answer.status_code == 405 and answer.json()["error"]["code"] == "method_not_allowed"


def test_a_request_of_ours_to_110_replayed_to_us_is_refused(
    org: Any, committed: Any, police: tuple[Any, Police110]
) -> None:
    """Both ways share the secret; the direction is signed, so what 12345 sent 110 (e.g. a
    result) is no request of 110's, fresh and unseen as its nonce is here."""
    peer, _ = police
    number = post_signed(HANDED_IN).json()["ticket"]
    with committed():
        actions.reject(Actor.of(org.operator), number, reason="属物业纠纷")
    [ours] = peer.requests
    wanted = ("X-Hotline-Timestamp", "X-Hotline-Nonce", "X-Hotline-Signature")
    headers = {k: v for k, v in ours.headers.items() if k in wanted}
    assert len(headers) == 3
    answer = Client().post(URL, ours.body, content_type="application/json", headers=headers)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "bad_signature"
