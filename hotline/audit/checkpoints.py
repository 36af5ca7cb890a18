"""Checkpoints: signed tree heads kept outside the database, and the log checked against them.

``make_checkpoint`` signs the current tree head (``signing``) and appends it to the
checkpoint store: one file per head in ``settings.HOTLINE_AUDIT_CHECKPOINTS``
(``<tree_size>-<timestamp>.json``, never overwritten) plus ``latest.json``, and a copy
POSTed to ``settings.HOTLINE_AUDIT_WEBHOOK`` when set, so that another party keeps one.
It refuses to sign a tree that is not an extension of the last head it signed: the
signer never vouches for a rewritten or truncated log.

``verify_checkpoints`` rebuilds the Merkle tree from today's events (not from the stored
nodes, which an attacker could rewrite too) and, for every checkpoint, checks its
signature against a trusted key and that the tree of the checkpoint's size is a prefix
of today's (an RFC 9162 consistency proof). Deleting the last events and moving the
chain head, or rewriting the whole chain with its own hash function, leaves every link
intact, but not the roots that were signed before.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from hotline import clock
from hotline.audit import merkle, merkle_store, signing
from hotline.audit.models import ChainHead, Event, MerkleNode
from hotline.audit.signing import TreeHead

log = logging.getLogger(__name__)
LATEST = "latest.json"


class CheckpointRefused(Exception):
    """No checkpoint was made; the message says why, in zh-CN."""


def store_dir() -> Path:
    return Path(settings.HOTLINE_AUDIT_CHECKPOINTS)


def shown_time(timestamp_ms: int) -> str:
    moment = datetime.fromtimestamp(timestamp_ms / 1000, tz=UTC)
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


# ---- the store ----------------------------------------------------------------------


def _dump(head: TreeHead) -> bytes:
    return (json.dumps(head.as_dict(), sort_keys=True, indent=1) + "\n").encode()


def append(head: TreeHead, directory: Path | None = None) -> Path:
    directory = directory or store_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{head.tree_size:012d}-{head.timestamp}.json"
    # O_EXCL: a checkpoint file is written once and never replaced. (The same head twice,
    # same size, root and millisecond, is the same file: Ed25519 signs deterministically.)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        if path.read_bytes() != _dump(head):
            raise CheckpointRefused(f"检查点文件已存在且内容不同:{path}") from None
    else:
        with os.fdopen(fd, "wb") as out:
            out.write(_dump(head))
    fd, temp = tempfile.mkstemp(dir=directory, prefix=".latest-")
    with os.fdopen(fd, "wb") as out:
        out.write(_dump(head))
    os.chmod(temp, 0o644)
    os.replace(temp, directory / LATEST)
    return path


def latest(directory: Path | None = None) -> TreeHead | None:
    """The last head this installation signed, or None (no store, or an unreadable one)."""
    path = (directory or store_dir()) / LATEST
    try:
        return TreeHead.from_dict(json.loads(path.read_bytes()))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("unreadable latest checkpoint %s: %s", path, exc)
        return None


def post_webhook(head: TreeHead, url: str, timeout: float = 10.0) -> str | None:
    """POST the head as JSON; the reason in zh-CN when the other party did not take it."""
    if not url.startswith(("http://", "https://")):
        return f"webhook 地址须以 http:// 或 https:// 开头:{url}"
    request = urllib.request.Request(  # noqa: S310 - the scheme was checked above
        url, data=_dump(head), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - admin-set http(s) URL
            if not 200 <= response.status < 300:
                return f"webhook 返回 {response.status}"
    except urllib.error.HTTPError as exc:
        return f"webhook 返回 {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return f"无法连接 webhook:{getattr(exc, 'reason', exc)}"
    return None


# ---- making one ---------------------------------------------------------------------


@dataclass
class Made:
    head: TreeHead
    path: Path
    webhook_error: str | None
    seconds: float


def make_checkpoint(directory: Path | None = None, webhook: str | None = None) -> Made:
    """Sign the current tree head and append it to the store (and the webhook)."""
    started = time.perf_counter()
    key = signing.load()
    head_row = ChainHead.objects.filter(id=1).first()
    size = head_row.last_seq if head_row else 0
    if size == 0:
        raise CheckpointRefused("日志为空,无需生成检查点")
    try:
        merkle_store.extend(size)
        root = merkle_store.root(size)
        _check_extends_last(directory, size, root)
    except merkle_store.BrokenLog as exc:
        raise CheckpointRefused(f"留痕不完整,拒绝签名:{exc}。请运行 hotline audit verify") from None
    timestamp = int(clock.now().timestamp() * 1000)
    head = signing.sign(key, size, root, timestamp)
    path = append(head, directory)
    url = settings.HOTLINE_AUDIT_WEBHOOK if webhook is None else webhook
    error = post_webhook(head, url) if url else None
    if error:
        log.warning("checkpoint %s written, webhook failed: %s", path.name, error)
    return Made(head, path, error, time.perf_counter() - started)


def _check_extends_last(directory: Path | None, size: int, root: bytes) -> None:
    last = latest(directory)
    if last is None:
        return
    if last.tree_size > size:
        raise CheckpointRefused(
            f"日志只有 {size} 条事件,少于上一个检查点({shown_time(last.timestamp)})已签名的 "
            f"{last.tree_size} 条:末尾事件可能被删除,拒绝签名。请运行 hotline audit verify --checkpoints"
        )
    proof = merkle.consistency_proof(last.tree_size, size, merkle_store.source)
    if not merkle.verify_consistency(last.tree_size, size, bytes.fromhex(last.root_hash), root, proof):
        raise CheckpointRefused(
            f"当前日志与上一个检查点({shown_time(last.timestamp)},{last.tree_size} 条)不一致:"
            "已签名的事件被改写,拒绝签名。请运行 hotline audit verify --checkpoints"
        )


class Schedule:
    """The worker's checkpoints: one every ``every`` seconds, when the log grew since the
    last one. A missing key is said once in the log, not every round."""

    def __init__(self, every: float | None = None) -> None:
        self.every = 60.0 * settings.HOTLINE_AUDIT_CHECKPOINT_MINUTES if every is None else every
        self.next_at = 0.0
        self.warned = False

    def run_if_due(self, now: float | None = None) -> Made | None:
        now = time.monotonic() if now is None else now
        if now < self.next_at:
            return None
        self.next_at = now + self.every
        head_row = ChainHead.objects.filter(id=1).first()
        last = latest()
        if head_row is None or head_row.last_seq == 0 or (last and last.tree_size >= head_row.last_seq):
            return None
        try:
            made = make_checkpoint()
        except signing.SigningKeyError as exc:
            if not self.warned:
                log.warning("no audit checkpoint: %s", exc)
                self.warned = True
            return None
        except CheckpointRefused as exc:
            log.error("audit checkpoint refused: %s", exc)
            return None
        log.warning("audit checkpoint: %d events, %s", made.head.tree_size, made.path.name)
        return made


# ---- checking the log against them --------------------------------------------------


@dataclass
class Report:
    checkpoints: int = 0
    size: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def tree_of_events(chunk: int = 20_000) -> merkle.MemoryTree:
    """Today's Merkle tree, rebuilt from the events' hashes in sequence order."""
    tree = merkle.MemoryTree()
    last = 0
    while True:
        rows = list(Event.objects.filter(seq__gt=last).order_by("seq").values_list("seq", "hash")[:chunk])
        if not rows:
            return tree
        for _, digest in rows:
            tree.append(bytes.fromhex(digest))
        last = rows[-1][0]


def read_store(directory: Path) -> list[tuple[str, TreeHead | str]]:
    """Every checkpoint file of ``directory`` in name order: its head, or why not."""
    found: list[tuple[str, TreeHead | str]] = []
    for path in sorted(directory.glob("*.json")):
        if path.name == LATEST:
            continue
        try:
            found.append((path.name, TreeHead.from_dict(json.loads(path.read_bytes()))))
        except (OSError, ValueError) as exc:
            found.append((path.name, str(exc)))
    return found


def verify_checkpoints(directory: Path, trusted_keys: list[str]) -> Report:
    report = Report()
    if not directory.is_dir():
        report.problems.append(f"检查点目录不存在:{directory}")
        return report
    entries = read_store(directory)
    if not entries:
        report.problems.append(f"检查点目录中没有检查点:{directory}")
        return report
    trusted = {signing.key_id(k): k for k in trusted_keys}
    tree = tree_of_events()
    report.size = tree.size
    today = tree.root()
    for name, head in entries:
        report.checkpoints += 1
        if isinstance(head, str):
            report.problems.append(f"检查点 {name} 无法解析:{head}")
            continue
        when = f"检查点 {name}({shown_time(head.timestamp)})"
        key = trusted.get(head.key_id)
        if key is None:
            report.problems.append(f"{when}的签名密钥 {head.key_id} 不是受信任的公钥")
            continue
        if not signing.signature_valid(head, key):
            report.problems.append(f"{when}签名无效:检查点内容被改动或伪造")
            continue
        if head.tree_size > tree.size:
            report.problems.append(
                f"日志被截断:{when}已签名 {head.tree_size} 条事件,现在的日志只有 {tree.size} 条"
            )
            continue
        proof = merkle.consistency_proof(head.tree_size, tree.size, tree.source)
        if not merkle.verify_consistency(
            head.tree_size, tree.size, bytes.fromhex(head.root_hash), today, proof
        ):
            report.problems.append(
                f"日志被改写:现在的前 {head.tree_size} 条事件与{when}签名的 Merkle 根不一致"
                "(已签名的事件被修改、删除、调换,或整条链被重新计算)"
            )
    report.problems += _stored_nodes_problems(tree)
    return report


def _stored_nodes_problems(tree: merkle.MemoryTree, chunk: int = 20_000) -> list[str]:
    """Stored nodes that disagree with the events: receipts built from them would fail."""
    wrong = 0
    first = ""
    last_id = 0
    while True:
        rows = list(
            MerkleNode.objects.filter(id__gt=last_id)
            .order_by("id")
            .values_list("id", "level", "index", "hash")[:chunk]
        )
        if not rows:
            break
        for _, level, index, digest in rows:
            inside = level < len(tree.levels) and index < tree.size >> level
            if not inside or tree.node(level, index).hex() != digest:
                wrong += 1
                first = first or f"第 {level} 层第 {index} 个"
        last_id = rows[-1][0]
    if not wrong:
        return []
    return [f"Merkle 节点表有 {wrong} 个节点与事件不符(首个:{first}):市民回执将无法通过校验"]
