"""The SMS gateway's pushes through their HTTP surface, in Alibaba Cloud SMS's batch push
format (SmsUp, SmsReport) signed as docs/sms.md says; the gateway's send API is a real
HTTP peer (tests/peers.json_peer) that takes the texts and answers with a BizId."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from hotline.audit import chain
from hotline.audit.models import Event
from hotline.channels.models import SmsMessage
from hotline.org.actor import Actor
from hotline.sla import notify
from hotline.sla.models import CitizenMessage
from hotline.tickets import commitment
from hotline.tickets.actions.intake import merge, reject
from hotline.tickets.models import Channel, Contact, Ticket
from tests.channels.signed import hmac_hex
from tests.peers import JsonPeer, Request, json_peer

pytestmark = pytest.mark.django_db

SECRET = "sms-gateway-shared-secret-0123456789abcdef"
URL, REPORT_URL = "/channels/sms/", "/channels/sms/report/"
MOBILE, OTHER_MOBILE = "13912345678", "13787654321"
TEXT = "幸福小区东门的路灯坏了一个月,晚上出行很不安全,请尽快维修"


@pytest.fixture
def gateway(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[JsonPeer]:
    """The SMS gateway: our callbacks' secret set, and its send API a real HTTP peer
    answering as SendSms does (Code OK and a BizId per text)."""
    settings.HOTLINE_SMS_SECRET = SECRET
    ids = itertools.count(1)

    def send_sms(request: Request) -> tuple[int, Any]:
        return 200, {"Code": "OK", "Message": "OK", "BizId": f"9006197469{next(ids):06d}^0", "RequestId": "r"}

    with json_peer() as peer:
        peer.answer = send_sms
        monkeypatch.setenv("HOTLINE_NOTIFY", f"webhook:{peer.base_url}/sms/send")
        yield peer


def sign(body: bytes, timestamp: str, secret: str = SECRET) -> str:
    return hmac_hex(secret, timestamp, body=body)


def push(
    items: Any,
    url: str = URL,
    *,
    raw: bytes | None = None,
    timestamp: int | None = None,
    signature: str | None = None,
) -> Any:
    body = raw if raw is not None else json.dumps(items, ensure_ascii=False).encode()
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "X-Hotline-Timestamp": ts,
        "X-Hotline-Signature": sign(body, ts) if signature is None else signature,
    }
    return Client().generic("POST", url, body, content_type="application/json", headers=headers)


def sms_up(sequence_id: int, content: str = TEXT, phone: str = MOBILE) -> dict[str, Any]:
    """One SmsUp message as Alibaba Cloud pushes it."""
    return {
        "phone_number": phone,
        "send_time": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
        "content": content,
        "sign_name": "12345热线",
        "dest_code": "12345",
        "sequence_id": sequence_id,
    }


def sms_report(biz_id: str, *, success: bool = True) -> dict[str, Any]:
    return {
        "phone_number": MOBILE,
        "send_time": "2026-12-06 10:00:00",
        "report_time": "2026-12-06 10:00:08",
        "success": success,
        "err_code": "DELIVERED" if success else "MK:0001",
        "err_msg": "用户接收成功" if success else "用户关机",
        "sms_size": "1",
        "biz_id": biz_id,
        "out_id": "",
    }


def texts(peer: JsonPeer, kind: str) -> list[dict[str, Any]]:
    return [body for body in peer.received if body["kind"] == kind]


def test_a_signed_message_becomes_a_ticket_and_the_citizen_gets_its_receipt(
    gateway: JsonPeer, committed: Any
) -> None:
    with committed():
        answer = push([sms_up(1001)])
    assert answer.status_code == 200 and answer.json() == {"code": 0, "msg": "接收成功"}
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.SMS and ticket.phone == MOBILE and ticket.text == TEXT
    [receipt] = texts(gateway, notify.CITIZEN_RECEIPT)
    assert receipt["phone"] == MOBILE and receipt["ticket"] == ticket.number
    assert f"工单编号 {ticket.number},查询码 {ticket.query_code}" in receipt["body"]
    text = CitizenMessage.objects.get()
    assert text.status == CitizenMessage.Status.SENT and text.sid == "9006197469000001^0"
    assert SmsMessage.objects.get().ticket == ticket


def test_delivery_reports_record_the_status_and_a_failed_text_is_sent_again(
    gateway: JsonPeer, committed: Any
) -> None:
    with committed():
        push([sms_up(1002)])
        push([sms_up(1003, "另一件事:公园厕所没有水")])
    first, second = CitizenMessage.objects.order_by("id")
    assert (
        push([sms_report(first.sid), sms_report(second.sid, success=False)], REPORT_URL).json()["code"] == 0
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == CitizenMessage.Status.DELIVERED and first.errcode == "DELIVERED"
    assert first.received_at is not None and timezone.localtime(first.received_at).hour == 10
    assert second.status == CitizenMessage.Status.FAILED and second.errmsg == "用户关机"
    # Pushed again: the first report stays, nothing moves.
    assert push([sms_report(first.sid, success=False)], REPORT_URL).status_code == 200
    first.refresh_from_db()
    assert first.status == CitizenMessage.Status.DELIVERED
    # The worker's next round after the wait sends the failed text again, with a new id.
    assert notify.deliver_pending() == 0, "not before its retry time"
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert notify.deliver_pending() == 1
    second.refresh_from_db()
    assert second.status == CitizenMessage.Status.SENT and second.attempts == 2
    assert second.sid not in ("", first.sid) and len(texts(gateway, notify.CITIZEN_RECEIPT)) == 3


def test_a_receipt_the_gateway_could_not_take_is_retried_by_the_worker(
    gateway: JsonPeer, committed: Any
) -> None:
    answer = gateway.answer
    gateway.answer = lambda request: (503, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发限流"})
    with committed():
        assert push([sms_up(1004)]).status_code == 200  # the citizen's message is taken all the same
    text = CitizenMessage.objects.get()
    assert text.status == CitizenMessage.Status.PENDING and text.attempts == 1 and text.sid == ""
    gateway.answer = answer
    with time_machine.travel(timezone.now() + timedelta(minutes=3)):
        assert notify.deliver_pending() == 1
    text.refresh_from_db()
    assert text.status == CitizenMessage.Status.SENT and text.sid and text.attempts == 2


def test_a_text_is_tried_five_times_at_most(gateway: JsonPeer, committed: Any) -> None:
    gateway.answer = lambda request: (500, {"Code": "isp.SYSTEM_ERROR", "Message": "系统错误"})
    with committed():
        push([sms_up(1005)])
    moment = timezone.now()
    for _ in range(6):
        moment += timedelta(hours=1)
        with time_machine.travel(moment):
            assert notify.deliver_pending() == 0
    text = CitizenMessage.objects.get()
    assert text.status == CitizenMessage.Status.PENDING and text.attempts == notify.CITIZEN_ATTEMPTS
    assert len(gateway.requests) == notify.CITIZEN_ATTEMPTS


@pytest.mark.parametrize(
    ("answer", "sid"),
    [
        (
            {"result": 0, "errmsg": "OK", "ext": "", "sid": "8:Wb2xKpTr4c20261206", "fee": 1},
            "8:Wb2xKpTr4c20261206",
        ),
        ({"result": 1016, "errmsg": "手机号格式错误"}, None),  # Tencent Cloud's refusal
        ({"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}, None),  # Alibaba Cloud's
    ],
)
def test_the_gateways_answer_says_whether_it_took_the_text(
    gateway: JsonPeer, committed: Any, answer: dict[str, Any], sid: str | None
) -> None:
    gateway.answer = lambda request: (200, answer)
    with committed():
        push([sms_up(1006)])
    text = CitizenMessage.objects.get()
    if sid is None:
        assert text.status == CitizenMessage.Status.PENDING and text.sid == "" and text.errmsg
    else:
        assert text.status == CitizenMessage.Status.SENT and text.sid == sid


def test_a_message_naming_the_senders_ticket_adds_a_contact_to_it(gateway: JsonPeer, committed: Any) -> None:
    with committed():
        push([sms_up(2001)])
    ticket = Ticket.objects.get()
    with committed():
        push([sms_up(2002, f"工单号{ticket.number},路灯还是没修好,晚上很黑")])
    assert Ticket.objects.count() == 1
    assert ticket.contacts.count() == 2
    added = Event.objects.get(ticket=ticket, action="add_contact")
    assert Contact.objects.get(pk=added.payload["contact"]).text.endswith("晚上很黑")
    [reply] = texts(gateway, notify.SMS_REPLY)
    assert reply["phone"] == MOBILE and ticket.number in reply["body"]
    assert SmsMessage.objects.get(msg_id="2002").outcome == SmsMessage.Outcome.CONTACT
    # The same number written the gateway's other way (+86) is the same caller.
    with committed():
        push([sms_up(2003, f"再补充 {ticket.number}:东门也不亮", phone="8613912345678")])
    assert ticket.contacts.count() == 3 and Ticket.objects.count() == 1
    assert commitment.check().ok and chain.verify().ok


def test_a_message_naming_somebody_elses_ticket_leaves_it_alone(gateway: JsonPeer, committed: Any) -> None:
    with committed():
        push([sms_up(3001)])
    ticket = Ticket.objects.get()
    with committed():
        push([sms_up(3002, f"工单 {ticket.number} 怎么样了", phone=OTHER_MOBILE)])
    assert ticket.contacts.count() == 1 and not Event.objects.filter(action="add_contact").exists()
    other = Ticket.objects.exclude(pk=ticket.pk).get()
    assert other.phone == OTHER_MOBILE
    # Their answer is a receipt of their own ticket: nothing of the other one in it.
    [answer] = [t for t in texts(gateway, notify.CITIZEN_RECEIPT) if t["phone"] == OTHER_MOBILE]
    assert answer["ticket"] == other.number and ticket.query_code not in answer["body"]
    assert texts(gateway, notify.SMS_REPLY) == []


def test_a_message_naming_a_closed_ticket_opens_a_new_one(gateway: JsonPeer, committed: Any) -> None:
    with committed():
        push([sms_up(4001)])
    first = Ticket.objects.get()
    reject(Actor.system(), first.number, reason="重复反映,已另案办理")
    with committed():
        push([sms_up(4002, f"工单 {first.number} 说不受理,可路灯还是坏的")])
    later = Ticket.objects.exclude(pk=first.pk).get()
    assert first.contacts.count() == 1 and later.contacts.count() == 1
    assert SmsMessage.objects.get(msg_id="4002").ticket == later


def test_a_message_naming_a_merged_ticket_joins_the_one_it_was_merged_into(
    gateway: JsonPeer, committed: Any
) -> None:
    with committed():
        push([sms_up(4101)])
        push([sms_up(4102, "东门路灯不亮,上周已经反映过")])
    master, repeat = Ticket.objects.order_by("id")
    merge(Actor.system(), repeat.number, into=master.number)
    with committed():
        push([sms_up(4103, f"工单{repeat.number}:今晚还是不亮")])
    assert Ticket.objects.count() == 2
    assert Event.objects.filter(ticket=master, action="add_contact").count() == 1
    [reply] = texts(gateway, notify.SMS_REPLY)
    assert master.number in reply["body"]


def test_the_same_message_id_twice_is_one_contact(gateway: JsonPeer, committed: Any) -> None:
    with committed():
        for _ in range(2):
            assert push([sms_up(5001)]).json()["code"] == 0
    ticket = Ticket.objects.get()
    assert ticket.contacts.count() == 1 and len(texts(gateway, notify.CITIZEN_RECEIPT)) == 1
    follow_up = sms_up(5002, f"{ticket.number} 补充:灯杆上有编号 A-17")
    with committed():
        push([follow_up])
        push([follow_up, sms_up(5001)])  # the gateway pushes a batch again
    assert ticket.contacts.count() == 2 and Ticket.objects.count() == 1
    assert SmsMessage.objects.count() == 2 and len(texts(gateway, notify.SMS_REPLY)) == 1


def _nothing_stored() -> None:
    assert not Ticket.objects.exists() and not SmsMessage.objects.exists()
    assert not CitizenMessage.objects.exists()


@pytest.mark.parametrize(
    ("signature", "why"),
    [
        ("", "unsigned"),
        ("0" * 64, "wrongly signed"),
        (None, "signed with another secret"),
        ("签名" * 32, "not even hex"),
    ],
)
def test_a_push_not_signed_with_the_secret_is_refused(
    gateway: JsonPeer, signature: str | None, why: str
) -> None:
    body = json.dumps([sms_up(6001)]).encode()
    ts = str(int(time.time()))
    given = (
        sign(body, ts, secret="another-secret-of-the-same-length-012345") if signature is None else signature
    )
    answer = push(None, raw=body, timestamp=int(ts), signature=given)
    assert answer.status_code == 403, why
    assert answer.json() == {"code": 403, "msg": "签名校验失败"}
    _nothing_stored()


def test_a_report_must_be_signed_too(gateway: JsonPeer, committed: Any) -> None:
    with committed():
        push([sms_up(6101)])
    text = CitizenMessage.objects.get()
    assert push([sms_report(text.sid, success=False)], REPORT_URL, signature="bad").status_code == 403
    text.refresh_from_db()
    assert text.status == CitizenMessage.Status.SENT and text.reported_at is None


def test_a_timestamp_that_is_not_unix_seconds_is_refused(gateway: JsonPeer) -> None:
    body = json.dumps([sms_up(7101)]).encode()
    for ts in ("1_765_000_000", "9" * 400, "soon"):
        headers = {"X-Hotline-Timestamp": ts, "X-Hotline-Signature": sign(body, ts)}
        answer = Client().generic("POST", URL, body, content_type="application/json", headers=headers)
        assert answer.status_code == 403 and answer.json()["msg"] == "时间戳无效", ts
    _nothing_stored()


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_stale_or_future_push_is_refused(gateway: JsonPeer, skew: int) -> None:
    answer = push([sms_up(7001)], timestamp=int(time.time()) + skew)
    assert answer.status_code == 403 and answer.json()["msg"] == "请求已过期"
    _nothing_stored()


def test_an_oversized_push_is_refused(gateway: JsonPeer) -> None:
    answer = push([sms_up(8000 + i, "很长的短信" * 200) for i in range(30)])  # 90 KB
    assert answer.status_code == 413 and answer.json() == {"code": 413, "msg": "推送内容过大"}
    _nothing_stored()


@pytest.mark.parametrize(
    ("items", "raw"),
    [
        (None, b"{not json"),
        ({"phone_number": MOBILE, "content": TEXT, "sequence_id": 1}, None),  # not an array
        ([], None),
        ([{"phone_number": MOBILE, "content": TEXT}], None),  # no sequence_id
        ([{"content": TEXT, "sequence_id": 9}], None),  # no phone
        ([{**sms_up(9), "phone_number": "call me"}], None),
        ([{**sms_up(9), "content": 42}], None),
        ([{**sms_up(9), "send_time": "yesterday"}], None),
        ([sms_up(9001), {**sms_up(9002), "content": "x" * 1001}], None),  # one bad: none taken
        ([sms_up(9003, "路灯\u0000坏了")], None),  # a NUL: no database text takes it
        (None, b"[" * 30_000 + b"]" * 30_000),  # nested past the parser's recursion
    ],
)
def test_a_malformed_push_is_refused_and_nothing_is_stored(
    gateway: JsonPeer, items: Any, raw: bytes | None
) -> None:
    answer = push(items, raw=raw)
    assert answer.status_code == 400 and answer.json()["code"] == 400 and answer.json()["msg"]
    _nothing_stored()


def test_a_malformed_report_is_refused(gateway: JsonPeer) -> None:
    answer = push([{**sms_report("x"), "success": "yes"}], REPORT_URL)
    assert answer.status_code == 400 and "success" in answer.json()["msg"]


def test_without_a_secret_the_endpoints_are_off(settings: Any) -> None:
    settings.HOTLINE_SMS_SECRET = ""
    for url in (URL, REPORT_URL):
        answer = push([sms_up(10001)], url)
        assert answer.status_code == 404 and answer.json() == {"code": 404, "msg": "未启用短信网关接入"}
    _nothing_stored()


def test_a_short_secret_is_a_configuration_error_not_a_key(settings: Any) -> None:
    settings.HOTLINE_SMS_SECRET = "short"
    assert push([sms_up(10002)]).status_code == 503
    _nothing_stored()


def test_only_post_is_answered(gateway: JsonPeer) -> None:
    answer = Client().get(URL)
    assert answer.status_code == 405 and answer.json()["code"] == 405


def test_with_the_log_backend_no_text_is_kept(
    settings: Any, monkeypatch: pytest.MonkeyPatch, committed: Any
) -> None:
    settings.HOTLINE_SMS_SECRET = SECRET
    monkeypatch.delenv("HOTLINE_NOTIFY", raising=False)
    with committed():
        assert push([sms_up(11001)]).json()["code"] == 0
    assert Ticket.objects.get().channel == Channel.SMS
    assert not CitizenMessage.objects.exists()
