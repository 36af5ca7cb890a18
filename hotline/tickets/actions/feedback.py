"""What people say about how a ticket was handled, recorded as actions that leave its
state as it is: the citizen's rating (市民评价) and a supervisor's complaint about a
unit (督办投诉). Their event names (``citizen_rating``, ``unit_complaint``) are those the
audit chain has always held."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline.audit.models import Event
from hotline.errors import Conflict, InvalidInput
from hotline.org.actor import Actor
from hotline.tickets import events
from hotline.tickets.actions.base import perform
from hotline.tickets.actions.closing import SATISFACTION as RATINGS
from hotline.tickets.models import Ticket

MAX_COMMENT = 500
MAX_PERSON = 50
MAX_COMPLAINT = 2000


def rate(
    actor: Actor, number: str, *, rating: str, comment: str = "", expected_version: int | None = None
) -> Ticket:
    """市民评价: once per ticket, by the citizen whose ticket it is, once it was handled."""
    if rating not in RATINGS:
        raise InvalidInput("rating", f"请选择评价:{'、'.join(RATINGS.values())}")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput("comment", f"评价内容不能超过 {MAX_COMMENT} 字")

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        # Under the row lock: of two concurrent ratings the second sees the first.
        if Event.objects.filter(ticket=ticket, action="citizen_rating").exists():
            raise Conflict("该工单已评价过,感谢您的反馈。", code="already_rated")
        return events.rated(rating=rating, comment=comment)

    return perform("citizen_rating", number, actor, change, expected_version=expected_version)


def complaint_problems(actor: Actor, *, unit: str, content: str, person: str = "") -> dict[str, str]:
    """Every field of a complaint that is wrong, each with its zh-CN message, so a form
    can show them all at once; ``complain`` refuses with the first."""
    unit, person, content = (unit or "").strip(), (person or "").strip(), (content or "").strip()
    problems: dict[str, str] = {}
    if not unit:
        problems["unit"] = "请选择被投诉单位"
    elif not actor.scope.units().filter(code=unit).exists():
        problems["unit"] = "被投诉单位不存在或不在您的数据范围内"
    if len(person) > MAX_PERSON:
        problems["person"] = f"被投诉人姓名不能超过 {MAX_PERSON} 个字"
    if not content:
        problems["content"] = "请填写投诉内容"
    elif len(content) > MAX_COMPLAINT:
        problems["content"] = f"投诉内容不能超过 {MAX_COMPLAINT} 字"
    return problems


def complain(
    actor: Actor,
    number: str,
    *,
    unit: str,
    content: str,
    person: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """督办投诉: a complaint against a unit (and optionally a named staff member)."""
    problems = complaint_problems(actor, unit=unit, content=content, person=person)
    if problems:
        field, message = next(iter(problems.items()))
        raise InvalidInput(field, message)
    found = actor.scope.units().get(code=unit.strip())
    person, content = person.strip(), content.strip()

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        return events.complained(unit=found.code, unit_name=found.name, person=person, content=content)

    return perform("unit_complaint", number, actor, change, expected_version=expected_version)
