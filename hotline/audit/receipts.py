"""Citizens' receipts: their events' inclusion proofs against the latest signed tree head.

A receipt (``receipt``) holds the latest signed tree head and, for each event given,
its sequence number, action, chain hash (the Merkle leaf: a hash, no content and no
personal data) and its RFC 9162 inclusion proof in the tree of the head's size. Events
newer than the head are ``pending``: the next checkpoint will cover them. Anyone can
check a receipt with the public key (docs/audit.md; ``hotline audit check-receipt``):
once the platform signed a head, no event the receipt shows can be changed or removed
without every later head disagreeing with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from hotline.audit import checkpoints, merkle, merkle_store, signing
from hotline.audit.models import Event
from hotline.audit.signing import TreeHead

FORMAT = "hotline-audit-receipt/v1"
INCLUDED = "included"
PENDING = "pending"


def receipt(events: Iterable[Event]) -> dict[str, Any]:
    events = list(events)
    head = checkpoints.latest()
    covered = head.tree_size if head is not None and merkle_store.filled_size() >= head.tree_size else 0
    indexes = [e.seq - 1 for e in events if e.seq <= covered]
    try:
        proofs = merkle_store.inclusion_proofs(indexes, covered) if indexes else {}
    except merkle_store.BrokenLog:
        proofs = {}
    entries = []
    for e in events:
        proof = proofs.get(e.seq - 1)
        entries.append(
            {
                "seq": e.seq,
                "action": e.action,
                "event_hash": e.hash,
                "leaf_index": e.seq - 1,
                "status": INCLUDED if proof is not None else PENDING,
                "proof": [p.hex() for p in proof or []],
            }
        )
    pending = sum(1 for entry in entries if entry["status"] == PENDING)
    if head is None:
        message = "平台尚未签发树头,各事件待确认"
    else:
        message = f"已核入 {checkpoints.shown_time(head.timestamp)} 签名的树头({head.tree_size} 条事件)"
        if pending:
            message += f";{pending} 条事件晚于该树头,待下一个检查点"
    return {
        "format": FORMAT,
        "message": message,
        "head": head.as_dict() if head is not None else None,
        "events": entries,
    }


@dataclass
class ReceiptCheck:
    key_source: str = ""
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(data: Any, public_key: str | None = None) -> ReceiptCheck:
    """Check a saved receipt: the head's signature and each inclusion proof. ``data`` is
    the public lookup's answer (with ``receipt``) or the receipt itself; the key is
    ``public_key`` when given, else the one the receipt carries (and the result says so)."""
    result = ReceiptCheck()
    if isinstance(data, dict) and "receipt" in data:
        data = data["receipt"]
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        result.problems.append(f"不是留痕回执(format 应为 {FORMAT})")
        return result
    if data.get("head") is None:
        result.problems.append("回执中没有签名树头:平台当时尚未签发,无可校验的内容")
        return result
    try:
        head = TreeHead.from_dict(data["head"])
    except ValueError as exc:
        result.problems.append(f"回执中的签名树头无效:{exc}")
        return result
    if public_key:
        key = public_key.strip().lower()
        result.key_source = f"使用指定的公钥(密钥编号 {signing.key_id(key)})"
        if head.public_key != key:
            result.lines.append("注意:回执所附公钥与指定公钥不同,以指定公钥为准")
    else:
        key = head.public_key
        result.key_source = (
            f"使用回执自带的公钥(密钥编号 {head.key_id},未经独立核对:"
            "请与 /api/v1/public/audit/head 或平台公布的公钥比对)"
        )
    if not signing.signature_valid(head, key):
        result.problems.append("签名树头的签名无效:树头被改动,或不是该公钥所签")
        return result
    result.lines.append(
        f"签名有效:{checkpoints.shown_time(head.timestamp)} 的树头,{head.tree_size} 条事件,根 {head.root_hash}"
    )
    root = bytes.fromhex(head.root_hash)
    events = data.get("events")
    if not isinstance(events, list):
        result.problems.append("回执中没有事件列表")
        return result
    for entry in events:
        _check_entry(entry, head, root, result)
    return result


def _check_entry(entry: Any, head: TreeHead, root: bytes, result: ReceiptCheck) -> None:
    try:
        seq, index, status = int(entry["seq"]), int(entry["leaf_index"]), entry["status"]
        leaf = bytes.fromhex(entry["event_hash"])
        proof = [bytes.fromhex(p) for p in entry["proof"]]
    except (KeyError, TypeError, ValueError):
        result.problems.append(f"回执中的事件格式无效:{str(entry)[:80]}")
        return
    if status == PENDING:
        result.lines.append(f"事件 #{seq} 待确认(晚于签名树头)")
        return
    if index != seq - 1 or len(leaf) != 32:
        result.problems.append(f"事件 #{seq}:叶子序号或哈希无效")
    elif merkle.verify_inclusion(index, head.tree_size, merkle.leaf_hash(leaf), proof, root):
        result.lines.append(f"事件 #{seq}({entry.get('action', '')})已核入签名树头")
    else:
        result.problems.append(f"事件 #{seq} 的包含证明不成立:该事件不在签名的日志中,或回执被改动")
