"""API: the latest signed tree head of the audit log, for anyone (no login)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from hotline.audit import checkpoints, signing
from hotline.audit.schemas import AuditHeadOut

router = Router(tags=["留痕公示"])


@router.get("/public/audit/head", response=AuditHeadOut, auth=None, summary="最新签名树头与公钥")
def audit_head(request: HttpRequest) -> dict[str, Any]:
    head = checkpoints.latest()
    # The installation's own key when this server can read it; otherwise the head's.
    public_key = signing.installation_public_key() or (head.public_key if head else None)
    if head is None:
        message = "平台尚未签发树头"
    else:
        message = f"{checkpoints.shown_time(head.timestamp)} 签名,{head.tree_size} 条事件"
    return {"head": head.as_dict() if head else None, "public_key": public_key, "message": message}
