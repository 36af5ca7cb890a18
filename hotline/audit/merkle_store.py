"""The events' Merkle tree kept in the database, filled in batches.

The checkpointer (``checkpoints.make_checkpoint``) calls ``extend`` before it signs a
tree head: the perfect subtrees completed by the events appended since the last time
are hashed and stored (``MerkleNode``), about one row per event. Nothing is added on
the path of an action, so appending an event costs what it cost before; and proofs are
only ever made against a signed head, whose size the nodes always cover. A proof or a
root then reads at most two nodes per level (about 40 rows at a million events) instead
of rehashing the log.

The nodes are a cache of what the events say, not a trust anchor: ``hotline audit
verify --checkpoints`` rebuilds the tree from the events and compares.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db.models import Q

from hotline.audit import merkle
from hotline.audit.models import Event, MerkleNode, MerkleState
from hotline.db import write_transaction

BATCH = 10_000


class BrokenLog(Exception):
    """The events cannot be put in a tree: a sequence number or a link is missing."""


def filled_size() -> int:
    state = MerkleState.objects.filter(id=1).first()
    return state.size if state else 0


def _leaf_bytes(event_hash: str) -> bytes:
    return bytes.fromhex(event_hash)


def source(nodes: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
    """Node hashes from the database: stored subtrees, and leaves from the events."""
    wanted = set(nodes)
    leaves = [index for level, index in wanted if level == 0]
    found: dict[merkle.Node, bytes] = {}
    if leaves:
        for seq, digest in Event.objects.filter(seq__in=[i + 1 for i in leaves]).values_list("seq", "hash"):
            found[(0, seq - 1)] = merkle.leaf_hash(_leaf_bytes(digest))
    by_level: dict[int, list[int]] = {}
    for level, index in wanted:
        if level:
            by_level.setdefault(level, []).append(index)
    if by_level:
        query = reduce(or_, (Q(level=level, index__in=indexes) for level, indexes in by_level.items()))
        for level, index, digest in MerkleNode.objects.filter(query).values_list("level", "index", "hash"):
            found[(level, index)] = bytes.fromhex(digest)
    missing = wanted - found.keys()
    if missing:
        raise BrokenLog(f"Merkle 节点缺失:{sorted(missing)[:3]}")
    return found


def extend(target: int | None = None, batch: int = BATCH) -> int:
    """Store the nodes completed by the events up to ``target`` (default: all), in steps
    of ``batch`` events; return the size now covered. Each step hashes outside any
    transaction (events and stored nodes never change) and then writes in a short one,
    so writers queued behind it (SQLite) wait for an insert, not for the hashing. Safe in
    several processes at once: a step that another one finished first is dropped."""
    if target is None:
        target = Event.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    while True:
        start = filled_size()
        if start >= target:
            return start
        end = min(target, start + batch)
        nodes = _new_nodes(start, end)
        with write_transaction():
            state = MerkleState.objects.select_for_update().filter(id=1).first()
            if state is None:
                MerkleState.objects.bulk_create([MerkleState(id=1)], ignore_conflicts=True)
                state = MerkleState.objects.select_for_update().get(id=1)
            if state.size != start:
                continue
            MerkleNode.objects.bulk_create(nodes, batch_size=2000)
            state.size = end
            state.save(update_fields=["size"])


def _new_nodes(start: int, end: int) -> list[MerkleNode]:
    """The nodes of levels >= 1 complete at size ``end`` but not at size ``start``."""
    first = start - start % 2  # a pair's left leaf may be old
    rows = list(
        Event.objects.filter(seq__gt=first, seq__lte=end)
        .order_by("seq")
        .values_list("seq", "hash", "prev_hash")
    )
    for offset, (seq, _, prev_hash) in enumerate(rows):
        if seq != first + offset + 1:
            raise BrokenLog(f"事件 #{first + offset + 1} 缺失,无法计算 Merkle 树")
        if offset and prev_hash != rows[offset - 1][1]:
            raise BrokenLog(f"事件 #{seq} 的前序哈希与上一条不符")
    if len(rows) != end - first:
        raise BrokenLog(f"事件 #{first + len(rows) + 1} 缺失,无法计算 Merkle 树")
    level_start = first
    hashes = [merkle.leaf_hash(_leaf_bytes(digest)) for _, digest, _ in rows]
    new: list[MerkleNode] = []
    level = 0
    while len(hashes) >= 2:
        parent_start = level_start // 2
        parents = [merkle.node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes) - 1, 2)]
        new += [
            MerkleNode(level=level + 1, index=parent_start + i, hash=h.hex()) for i, h in enumerate(parents)
        ]
        level += 1
        if parent_start % 2:
            # The next level pairs this run's first node with an older one, stored before.
            older = source([(level, parent_start - 1)])[(level, parent_start - 1)]
            hashes, level_start = [older, *parents], parent_start - 1
        else:
            hashes, level_start = parents, parent_start
    return new


def root(size: int) -> bytes:
    return merkle.root(size, source)


def inclusion_proofs(indexes: list[int], size: int) -> dict[int, list[bytes]]:
    """Inclusion proofs of several leaves in the tree of ``size``, with one read for all."""
    ranges = {index: merkle.inclusion_ranges(index, size) for index in indexes}
    parts = {index: [merkle.perfect_nodes(a, b) for a, b in rs] for index, rs in ranges.items()}
    known = source({node for nodes_list in parts.values() for nodes in nodes_list for node in nodes})
    return {
        index: [merkle.fold([known[node] for node in nodes]) for nodes in nodes_list]
        for index, nodes_list in parts.items()
    }
