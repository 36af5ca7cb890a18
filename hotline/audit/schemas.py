"""API shapes of the audit anchor: signed tree heads and citizens' receipts."""

from __future__ import annotations

from typing import Literal

from ninja import Schema


class TreeHeadOut(Schema):
    format: str
    tree_size: int
    root_hash: str
    timestamp: int
    key_id: str
    public_key: str
    signature: str


class ReceiptEventOut(Schema):
    seq: int
    action: str
    event_hash: str
    leaf_index: int
    # included: the proof leads to the head's root; pending: newer than the head.
    status: Literal["included", "pending"]
    proof: list[str]


class ReceiptOut(Schema):
    format: str
    message: str
    head: TreeHeadOut | None
    events: list[ReceiptEventOut]


class AuditHeadOut(Schema):
    head: TreeHeadOut | None
    public_key: str | None
    message: str
