"""Signed checkpoints anchor the log outside the database: keygen, checkpoint, the stored
tree, verify --checkpoints, and the tampering that only they catch."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.audit import checkpoints, merkle, merkle_store
from hotline.audit.chain import event_hash, verify
from hotline.audit.models import ChainHead, Event, MerkleNode, MerkleState
from hotline.org.actor import Actor
from hotline.tickets.actions import NewContact, create_ticket, dispatch, sign
from tests.peers import JsonPeer, json_peer

pytestmark = pytest.mark.django_db


def audit(*args: str) -> str:
    out = StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()


def add_history(org: Any, tickets: int = 3) -> None:
    for i in range(tickets):
        ticket, _ = create_ticket(
            Actor.of(org.operator), NewContact(channel="phone", text=f"第{i}件 路面坑洼")
        )
        dispatch(Actor.of(org.dispatcher), ticket.number, lead_unit="A-ZJ")
        sign(Actor.of(org.a_housing_handler), ticket.number)


@pytest.fixture
def signed(org: Any, settings: Any) -> Path:
    """Nine events, a key, and one checkpoint of them."""
    add_history(org)
    audit("keygen")
    audit("checkpoint")
    return Path(settings.HOTLINE_AUDIT_CHECKPOINTS)


def memory_tree() -> merkle.MemoryTree:
    tree = merkle.MemoryTree()
    for digest in Event.objects.order_by("seq").values_list("hash", flat=True):
        tree.append(bytes.fromhex(digest))
    return tree


def test_stored_tree_filled_in_steps_matches_the_events(org: Any) -> None:
    add_history(org, tickets=5)  # 15 events
    tree = memory_tree()
    for target in [1, 2, 3, 6, 7, 8, 12, 15]:
        assert merkle_store.extend(target, batch=2) == target
        assert merkle_store.root(target) == tree.root(target)
        proofs = merkle_store.inclusion_proofs(list(range(target)), target)
        for index, proof in proofs.items():
            assert proof == merkle.inclusion_proof(index, target, tree.source)
    # One row per completed perfect subtree above the leaves: 15 leaves make 7 + 3 + 1.
    assert MerkleNode.objects.count() == 11


def test_keygen_writes_a_private_file_and_refuses_to_overwrite(org: Any, settings: Any) -> None:
    out = audit("keygen")
    path = Path(settings.HOTLINE_AUDIT_KEY)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "公钥" in out and "BEGIN PRIVATE KEY" in path.read_text()
    first = path.read_bytes()
    with pytest.raises(CommandError, match="已存在"):
        audit("keygen")
    assert path.read_bytes() == first
    audit("keygen", "--force")
    assert path.read_bytes() != first and stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_checkpoint_needs_a_key_and_events(org: Any) -> None:
    with pytest.raises(CommandError, match="keygen"):
        audit("checkpoint")
    audit("keygen")
    with pytest.raises(CommandError, match="日志为空"):
        audit("checkpoint")


def test_checkpoint_is_signed_and_appended(signed: Path) -> None:
    files = sorted(p.name for p in signed.glob("*.json"))
    assert len(files) == 2 and "latest.json" in files
    head = checkpoints.latest(signed)
    assert head is not None and head.tree_size == 9
    assert head.root_hash == memory_tree().root().hex()
    # The next one is a new file; the first is never rewritten.
    first = (signed / files[0]).read_bytes()
    add_history_after = Event.objects.count()
    assert add_history_after == 9
    out = audit("verify", "--checkpoints", str(signed))
    assert "检查点一致:1 个签名树头" in out and "9 条事件" in out
    assert (signed / files[0]).read_bytes() == first


def test_log_that_grew_is_consistent_with_older_checkpoints(org: Any, signed: Path) -> None:
    add_history(org, tickets=2)
    audit("checkpoint")
    add_history(org, tickets=1)
    out = audit("verify", "--checkpoints")  # the configured folder
    assert "2 个签名树头" in out and "18 条事件" in out


def _move_head_to(seq: int) -> None:
    last = Event.objects.get(seq=seq)
    ChainHead.objects.filter(id=1).update(last_seq=seq, last_hash=last.hash)


def test_truncation_with_a_fixed_head_is_caught(signed: Path) -> None:
    Event.objects.filter(seq__gt=6).delete()
    _move_head_to(6)
    assert verify().ok  # the chain alone cannot tell
    with pytest.raises(CommandError, match="日志被截断") as info:
        audit("verify", "--checkpoints", str(signed))
    assert "已签名 9 条事件,现在的日志只有 6 条" in str(info.value)
    with pytest.raises(CommandError, match="末尾事件可能被删除"):
        audit("checkpoint")


def _rewrite_chain_from(seq: int, payload: dict[str, Any]) -> None:
    """What an attacker with the database does: change an event, then recompute every
    hash after it with the project's own function, and move the head to match."""
    Event.objects.filter(seq=seq).update(payload=payload)
    prev = Event.objects.get(seq=seq - 1).hash if seq > 1 else "0" * 64
    for event in Event.objects.filter(seq__gte=seq).order_by("seq"):
        event.prev_hash = prev
        event.hash = event_hash(event, prev)
        event.save(update_fields=["prev_hash", "hash"])
        prev = event.hash
    _move_head_to(Event.objects.order_by("-seq").first().seq)  # type: ignore[union-attr]


def test_full_rewrite_with_a_fixed_head_is_caught(signed: Path) -> None:
    _rewrite_chain_from(4, {"lead_unit": "B-ZJ"})
    # ... and rebuilds the stored Merkle nodes too.
    MerkleNode.objects.all().delete()
    MerkleState.objects.update(size=0)
    merkle_store.extend()
    assert verify().ok
    with pytest.raises(CommandError, match="日志被改写") as info:
        audit("verify", "--checkpoints", str(signed))
    assert "前 9 条事件" in str(info.value)
    with pytest.raises(CommandError, match="不一致"):
        audit("checkpoint")


def test_rewrite_then_regrowth_past_the_checkpoint_is_caught(org: Any, signed: Path) -> None:
    Event.objects.filter(seq__gt=6).delete()
    _move_head_to(6)
    add_history(org, tickets=2)  # the log is longer than the checkpoint again
    with pytest.raises(CommandError, match="日志被改写"):
        audit("verify", "--checkpoints", str(signed))


def test_tampered_stored_node_is_named(signed: Path) -> None:
    MerkleNode.objects.filter(level=1, index=0).update(hash="ab" * 32)
    with pytest.raises(CommandError, match="Merkle 节点表有 1 个节点与事件不符"):
        audit("verify", "--checkpoints", str(signed))


def _checkpoint_file(directory: Path) -> Path:
    return next(p for p in sorted(directory.glob("*.json")) if p.name != "latest.json")


def test_altered_checkpoint_fails_its_signature(signed: Path) -> None:
    path = _checkpoint_file(signed)
    data = json.loads(path.read_text())
    data["tree_size"] = 6
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="签名无效"):
        audit("verify", "--checkpoints", str(signed))


def test_checkpoint_of_another_key_is_not_trusted(signed: Path, settings: Any, tmp_path: Path) -> None:
    own_key = Path(settings.HOTLINE_AUDIT_KEY).read_bytes()
    audit("keygen", "--force")  # an attacker's key signs a head of the forged log
    audit("checkpoint", "--dir", str(tmp_path / "forged"))
    Path(settings.HOTLINE_AUDIT_KEY).write_bytes(own_key)
    forged = _checkpoint_file(tmp_path / "forged")
    forged.rename(signed / ("000000000099-" + forged.name))
    with pytest.raises(CommandError, match="不是受信任的公钥"):
        audit("verify", "--checkpoints", str(signed))


def test_public_key_option_and_missing_or_broken_stores(signed: Path, settings: Any, tmp_path: Path) -> None:
    head = checkpoints.latest(signed)
    assert head is not None
    Path(settings.HOTLINE_AUDIT_KEY).unlink()
    with pytest.raises(CommandError, match="--public-key"):
        audit("verify", "--checkpoints", str(signed))
    assert "指定的公钥" in audit("verify", "--checkpoints", str(signed), "--public-key", head.public_key)
    with pytest.raises(CommandError, match="64 位十六进制"):
        audit("verify", "--checkpoints", str(signed), "--public-key", "zz")
    with pytest.raises(CommandError, match="检查点目录不存在"):
        audit("verify", "--checkpoints", str(tmp_path / "nope"), "--public-key", head.public_key)
    (signed / "broken.json").write_text("{")
    with pytest.raises(CommandError, match="broken.json 无法解析"):
        audit("verify", "--checkpoints", str(signed), "--public-key", head.public_key)


@pytest.fixture
def webhook_server() -> Iterator[JsonPeer]:
    with json_peer(status=200) as peer:
        yield peer


def test_checkpoint_is_posted_to_the_webhook(org: Any, settings: Any, webhook_server: JsonPeer) -> None:
    handler = webhook_server
    settings.HOTLINE_AUDIT_WEBHOOK = f"{handler.base_url}/checkpoints"
    add_history(org, tickets=1)
    audit("keygen")
    out = audit("checkpoint")
    assert "警告" not in out
    assert handler.received == [checkpoints.latest().as_dict()]  # type: ignore[union-attr]
    handler.status = 500
    add_history(org, tickets=1)
    out = audit("checkpoint")
    assert "未送达 webhook:webhook 返回 500" in out
    assert checkpoints.latest().tree_size == 6  # type: ignore[union-attr]


def test_worker_schedule_signs_only_when_due_and_grown(org: Any) -> None:
    schedule = checkpoints.Schedule(every=300)
    add_history(org, tickets=1)
    assert schedule.run_if_due(now=1000) is None  # no key yet: said once in the log
    assert schedule.warned
    audit("keygen")
    assert schedule.run_if_due(now=1100) is None  # not due
    made = schedule.run_if_due(now=1300)
    assert made is not None and made.head.tree_size == 3
    assert schedule.run_if_due(now=1700) is None  # due, but the log did not grow
    add_history(org, tickets=1)
    made = schedule.run_if_due(now=2100)
    assert made is not None and made.head.tree_size == 6


def test_the_same_head_twice_is_one_file(signed: Path) -> None:
    import time_machine

    with time_machine.travel("2026-10-09 09:00:00+08:00", tick=False):
        audit("checkpoint")
        audit("checkpoint")
    heads = [p for p in signed.glob("*.json") if p.name != "latest.json"]
    assert len(heads) == 2  # the fixture's, and one for the frozen moment
    assert "2 个签名树头" in audit("verify", "--checkpoints", str(signed))
