"""What 110 says of a ticket the centre transferred to it (转110): its acknowledgement
with its case number (110确认接警) and its result (110处置结果).

Both are remarks on the transferred ticket (its row stays as it is) recorded by the
platform itself (the system actor) when the 110 link (``hotline.channels.police``)
hears from 110; no person's role may record them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from hotline.audit.models import Event
from hotline.errors import Conflict, InvalidInput
from hotline.org.actor import Actor
from hotline.tickets import events
from hotline.tickets.actions.base import perform
from hotline.tickets.models import Ticket

CASE_NUMBER = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_RESULT = 2000
MAX_UNIT = 100


def _case_number(case_number: str) -> str:
    case_number = (case_number or "").strip()
    if not CASE_NUMBER.match(case_number):
        raise InvalidInput("case_number", "110警情编号须为 1–64 位字母、数字、- 或 _")
    return case_number


def police_ack(actor: Actor, number: str, *, case_number: str, expected_version: int | None = None) -> Ticket:
    """110确认接警: 110 took the hand-off and gave it this case number. Once per ticket."""
    case_number = _case_number(case_number)

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        # Under the row lock: of two acknowledgements the second sees the first.
        if Event.objects.filter(ticket=ticket, action="police_ack").exists():
            raise Conflict("110 已确认接收该工单", code="already_acknowledged")
        return events.police_acknowledged(police_ref=case_number)

    return perform("police_ack", number, actor, change, expected_version=expected_version)


def police_result(
    actor: Actor,
    number: str,
    *,
    case_number: str,
    result: str,
    unit: str = "",
    handled_at: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """110处置结果: what 110 did about the matter (who handled it, when). Once per ticket."""
    case_number = _case_number(case_number)
    result, unit, handled_at = (result or "").strip(), (unit or "").strip(), (handled_at or "").strip()
    if not result:
        raise InvalidInput("result", "请填写110处置结果")
    if len(result) > MAX_RESULT:
        raise InvalidInput("result", f"处置结果不能超过 {MAX_RESULT} 字")
    if len(unit) > MAX_UNIT:
        raise InvalidInput("unit", f"处置单位不能超过 {MAX_UNIT} 字")
    if handled_at:
        try:
            datetime.fromisoformat(handled_at)
        except ValueError:
            raise InvalidInput(
                "handled_at", "处置时间须为 ISO 8601 格式,如 2026-12-06T21:30:00+08:00"
            ) from None

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        if Event.objects.filter(ticket=ticket, action="police_result").exists():
            raise Conflict("已记录110的处置结果", code="already_recorded")
        return events.police_resulted(police_ref=case_number, result=result, unit=unit, handled_at=handled_at)

    return perform("police_result", number, actor, change, expected_version=expected_version)
