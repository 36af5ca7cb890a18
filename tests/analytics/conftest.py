"""Helpers to replay a constructed history through the real action functions."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hotline import clock
from hotline.org.actor import SYSTEM_ROLE, Actor
from hotline.org.models import Unit, User
from hotline.org.scope import DataScope
from hotline.tickets.actions import NewContact, create_ticket

BJ = ZoneInfo("Asia/Shanghai")


def bj(*args: int) -> datetime:
    return datetime(*args, tzinfo=BJ)  # type: ignore[misc]


def as_unit(unit: Unit) -> Actor:
    """The platform acting for a unit (imports and replays do this)."""
    return Actor(user=None, role=SYSTEM_ROLE, unit=unit, scope=DataScope(everything=True))


def act(fn: Any, who: User | Actor, number: str, when: datetime, **kw: Any) -> Any:
    actor = who if isinstance(who, Actor) else Actor.of(who)
    with clock.replaying_at(when):
        return fn(actor, number, **kw)


def new(org: Any, when: datetime, text: str = "小区门口下水道堵塞污水外溢", **kw: Any) -> str:
    kw.setdefault("type", "投诉类")
    kw.setdefault("urgency", "紧急")
    with clock.replaying_at(when):
        ticket, _ = create_ticket(Actor.of(org.operator), NewContact(channel="phone", text=text, **kw))
    return ticket.number
