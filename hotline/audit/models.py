"""The platform's append-only, hash-chained event log (数字留痕).

Every ticket event is an ``Event`` with ``ticket`` set; other recorded acts (a full
read of a citizen's personal data, an admin change) are events without a ticket. All
events form one chain: each carries the SHA-256 of its own content and of the previous
event's hash, so altering, removing or reordering any event breaks the chain at that
point. ``ChainHead`` is a single row holding the last sequence number and hash; taking
its row lock is what orders concurrent appends.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ChainHead(models.Model):
    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"


class Event(models.Model):
    seq = models.BigIntegerField("序号", unique=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name="工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_role = models.CharField("角色", max_length=16, blank=True)
    actor_unit = models.ForeignKey(
        "org.Unit", verbose_name="操作单位", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField("动作", max_length=32, db_index=True)
    from_state = models.CharField("原状态", max_length=20, blank=True)
    to_state = models.CharField("新状态", max_length=20, blank=True)
    payload = models.JSONField("内容", default=dict, blank=True)
    created_at = models.DateTimeField("时间", db_index=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # A ticket event's commitment to the ticket's resulting state (the rows it leaves
    # behind: ticket, assignments, contacts), made by ``tickets.commitment`` and hashed
    # with the rest. NULL for events that change no ticket and for events recorded before
    # it existed — NULL rather than "" so that adding the column to a long log is a
    # metadata change on both databases (SQLite copies a table for a NOT NULL column).
    state_digest = models.CharField("状态摘要", max_length=255, null=True, blank=True)

    class Meta:
        verbose_name = "事件"
        verbose_name_plural = "事件(留痕)"
        ordering = ["seq"]
        indexes = [models.Index(fields=["ticket", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class MerkleNode(models.Model):
    """A perfect subtree of the events' Merkle tree (``audit.merkle``): the hash of the
    ``2**level`` leaves from ``index * 2**level`` on. Leaves themselves (level 0) are
    not stored: they are the events' hashes. Filled in batches by ``merkle_store.extend``
    up to ``MerkleState.size``; proofs against a signed tree head read only these rows."""

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "Merkle 节点"
        verbose_name_plural = "Merkle 节点"
        constraints = [models.UniqueConstraint(fields=["level", "index"], name="audit_merkle_node_unique")]


class MerkleState(models.Model):
    """How many leaves (events, in ``seq`` order) the stored Merkle nodes cover."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "Merkle 树进度"
        verbose_name_plural = "Merkle 树进度"
