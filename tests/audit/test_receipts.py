"""Citizens' receipts in the public lookup, the public tree head, check-receipt, and the
verification snippet of docs/audit.md run against a real receipt."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from hotline.audit import receipts
from hotline.org.actor import Actor
from hotline.tickets.actions import NewContact, create_ticket, dispatch, sign

pytestmark = pytest.mark.django_db
DOC = Path(__file__).resolve().parents[2] / "docs" / "audit.md"
PHONE = "13812345678"


def audit(*args: str) -> str:
    out = StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()


def lookup(number: str) -> dict[str, Any]:
    response = Client().get(f"/api/v1/public/tickets/{number}", {"phone_last4": PHONE[-4:]})
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def number(org: Any) -> str:
    ticket, _ = create_ticket(
        Actor.of(org.operator),
        NewContact(channel="phone", text="小区路灯不亮 张三反映", citizen_name="张三", phone=PHONE),
    )
    create_ticket(Actor.of(org.operator), NewContact(channel="phone", text="另一件事"))
    dispatch(Actor.of(org.dispatcher), ticket.number, lead_unit="A-ZJ")
    audit("keygen")
    audit("checkpoint")
    return ticket.number


def test_public_head_without_and_with_a_checkpoint(org: Any) -> None:
    client = Client()
    empty = client.get("/api/v1/public/audit/head").json()
    assert empty["head"] is None and empty["public_key"] is None
    create_ticket(Actor.of(org.operator), NewContact(channel="phone", text="路面坑洼"))
    out = audit("keygen")
    audit("checkpoint")
    body = client.get("/api/v1/public/audit/head").json()
    assert body["head"]["tree_size"] == 1 and body["head"]["signature"]
    assert body["public_key"] == body["head"]["public_key"] and body["public_key"] in out


def test_lookup_carries_a_receipt_without_personal_data(org: Any, number: str) -> None:
    sign(Actor.of(org.a_housing_handler), number)  # newer than the signed head
    body = lookup(number)
    receipt = body["receipt"]
    assert [e["action"] for e in receipt["events"]] == [s["action"] for s in body["timeline"]]
    assert [e["status"] for e in receipt["events"]] == ["included", "included", "pending"]
    assert receipt["head"]["tree_size"] == 3 and "待下一个检查点" in receipt["message"]
    text = json.dumps(receipt, ensure_ascii=False)
    assert PHONE not in text and "张三" not in text and "路灯" not in text
    assert receipts.check(body).ok
    audit("checkpoint")
    assert [e["status"] for e in lookup(number)["receipt"]["events"]] == ["included"] * 3


def save(tmp_path: Path, body: dict[str, Any], name: str = "receipt.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(body, ensure_ascii=False))
    return path


def test_check_receipt_with_the_receipts_key_or_a_given_one(number: str, tmp_path: Path) -> None:
    body = lookup(number)
    path = save(tmp_path, body)
    out = audit("check-receipt", str(path))
    assert "使用回执自带的公钥" in out and "回执校验通过" in out and "已核入签名树头" in out
    key = body["receipt"]["head"]["public_key"]
    assert "使用指定的公钥" in audit("check-receipt", str(path), "--public-key", key)
    with pytest.raises(CommandError, match="签名无效"):
        audit("check-receipt", str(path), "--public-key", "11" * 32)


def test_check_receipt_refuses_altered_receipts(number: str, tmp_path: Path) -> None:
    body = lookup(number)
    forged_event = json.loads(json.dumps(body))
    forged_event["receipt"]["events"][0]["event_hash"] = "00" * 32
    with pytest.raises(CommandError, match="包含证明不成立"):
        audit("check-receipt", str(save(tmp_path, forged_event)))
    forged_head = json.loads(json.dumps(body))
    forged_head["receipt"]["head"]["tree_size"] += 1
    with pytest.raises(CommandError, match="签名无效"):
        audit("check-receipt", str(save(tmp_path, forged_head)))
    with pytest.raises(CommandError, match="不是留痕回执"):
        audit("check-receipt", str(save(tmp_path, {"number": "x"}, "other.json")))
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(CommandError, match="不是有效的 JSON"):
        audit("check-receipt", str(tmp_path / "bad.json"))
    with pytest.raises(CommandError, match="回执文件不存在"):
        audit("check-receipt", str(tmp_path / "none.json"))


def _doc_snippet() -> dict[str, Any]:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(r"<!-- receipt-check -->\n```python\n(.*?)```", text, re.S)
    assert match, "docs/audit.md lost its receipt-check snippet"
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace


def test_the_documented_check_verifies_a_real_receipt(number: str) -> None:
    check_receipt = _doc_snippet()["check_receipt"]
    body = lookup(number)
    key = body["receipt"]["head"]["public_key"]
    assert check_receipt(body, key) is True
    forged = json.loads(json.dumps(body))
    forged["receipt"]["events"][1]["proof"][0] = "00" * 32
    assert check_receipt(forged, key) is False
    from cryptography.exceptions import InvalidSignature

    forged_head = json.loads(json.dumps(body))
    forged_head["receipt"]["head"]["timestamp"] += 1
    with pytest.raises(InvalidSignature):
        check_receipt(forged_head, key)
