"""API: the caller's notification inbox and the tickets' traffic lights."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from hotline import clock
from hotline.bounds import MAX_PAGE
from hotline.errors import NotFound
from hotline.sla.models import Notification

router = Router(tags=["消息"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    ticket: str | None
    created_at: datetime
    read: bool

    @staticmethod
    def resolve_ticket(n: Notification) -> str | None:
        return n.ticket.number if n.ticket else None

    @staticmethod
    def resolve_read(n: Notification) -> bool:
        return n.read_at is not None


class InboxOut(Schema):
    unread: int
    items: list[NotificationOut]
    page: int
    total: int


@router.get("/notifications", response=InboxOut, summary="我的消息")
def inbox(
    request: HttpRequest,
    unread: bool = False,
    page: int = Query(1, ge=1, le=MAX_PAGE),  # type: ignore[assignment]
) -> dict[str, Any]:
    qs = Notification.objects.filter(user=request.auth).select_related("ticket")  # type: ignore[attr-defined]
    unread_count = qs.filter(read_at__isnull=True).count()
    if unread:
        qs = qs.filter(read_at__isnull=True)
    total = qs.count()
    items = qs.order_by("-created_at", "-id")[(page - 1) * 20 : page * 20]
    return {"unread": unread_count, "items": list(items), "page": page, "total": total}


@router.post("/notifications/{notification_id}/read", response=NotificationOut, summary="标记已读")
def mark_read(request: HttpRequest, notification_id: int) -> Notification:
    n = Notification.objects.filter(pk=notification_id, user=request.auth).select_related("ticket").first()  # type: ignore[attr-defined]
    if n is None:
        raise NotFound("消息不存在")
    if n.read_at is None:
        n.read_at = clock.now()
        n.save(update_fields=["read_at"])
    return n
