"""Warning the people responsible about what the figures show (emerging hotspots, risk
spots): a notification and an audit event per warning, and no repeat while it is quiet."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction

from hotline.audit.models import Event
from hotline.audit.record import record
from hotline.org.actor import Actor
from hotline.org.models import User
from hotline.sla.notify import notify


def warned_since(action: str, key: str, since: datetime) -> bool:
    """Whether a warning ``action`` about ``key`` was recorded at ``since`` or later."""
    return Event.objects.filter(action=action, created_at__gte=since, payload__key=key).exists()


def warn(
    users: Iterable[User],
    *,
    action: str,
    kind: str,
    title: str,
    body: str,
    payload: dict[str, Any],
    actor: Actor | None = None,
) -> None:
    """Notify ``users`` and record the warning (audit event ``action``, by ``actor``,
    default the platform) together."""
    with transaction.atomic():
        notify(users, kind=kind, title=title, body=body)
        record(action=action, ticket=None, actor=actor or Actor.system(), payload=payload)
