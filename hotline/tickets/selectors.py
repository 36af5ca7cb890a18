"""Reading tickets. Every query here starts from the caller's data scope."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet

from hotline.audit.models import Event
from hotline.errors import InvalidInput, NotFound
from hotline.org import throttle
from hotline.org.scope import DataScope
from hotline.tickets.lifecycle import TRANSITIONS
from hotline.tickets.models import QUERY_CODE_ALPHABET, QUERY_CODE_LENGTH, Assignment, State, Ticket

PAGE_SIZE = 20


def scoped_tickets(scope: DataScope, *, per_row: bool = False) -> QuerySet[Ticket]:
    """The tickets some unit in ``scope`` holds or held. ``per_row``: for a query that an
    indexed field (a number, a phone) narrows to a few rows, each row's assignments are
    asked (EXISTS) instead of the scope's tickets being collected first — a county's are
    a twelfth of the platform's."""
    qs = Ticket.objects.all()
    if scope.everything:
        return qs
    if per_row:
        held = Assignment.objects.filter(_path_prefix_q(scope.unit_path), ticket=OuterRef("pk"))
        return qs.filter(Exists(held))
    # Driven from the (unit_path, ticket) index: the tickets some unit in scope holds or held.
    in_scope = Assignment.objects.filter(_path_prefix_q(scope.unit_path)).values("ticket_id")
    return qs.filter(pk__in=in_scope)


def _path_prefix_q(prefix: str) -> Q:
    """Assignments whose unit path starts with ``prefix``. SQLite never reads an index for
    LIKE 'p%' (Django adds ESCAPE, the column's collation is BINARY): it scanned every
    assignment, 0.3 s a scoped list at 1M tickets (bench/search.py). There the same prefix
    is a range, exact in SQLite's byte order; PostgreSQL's LIKE uses the column's
    pattern index, where a range would follow the database's collation, not bytes."""
    if connection.vendor == "sqlite":
        return Q(unit_path__gte=prefix, unit_path__lt=prefix[:-1] + chr(ord(prefix[-1]) + 1))
    return Q(unit_path__startswith=prefix)


def open_to_q(action: str) -> Q:
    """The tickets ``action`` may be taken on now: those in its source states in the
    lifecycle table (``review``: the reported ones). A queue or a counter built on it
    lists exactly what its action accepts."""
    return Q(state__in=TRANSITIONS[action].sources)


def open_to(scope: DataScope, action: str) -> QuerySet[Ticket]:
    """The tickets in scope that ``action`` may be taken on now (``open_to_q``)."""
    return scoped_tickets(scope).filter(open_to_q(action))


def missing_ticket(number: str) -> NotFound:
    """The one refusal for a ticket that does not exist or lies outside the caller's scope:
    the same status and message for both, so ticket numbers cannot be probed."""
    return NotFound(f"工单 {number} 不存在")


def get_ticket(scope: DataScope, number: str) -> Ticket:
    """The ticket, or 404 — also when it exists but lies outside the caller's scope."""
    try:
        # get(): the number is unique, so no ORDER BY to build (first() would add one).
        return scoped_tickets(scope).select_related("lead_unit", "place", "merged_into").get(number=number)
    except Ticket.DoesNotExist:
        raise missing_ticket(number) from None


def check_in_scope(scope: DataScope, number: str) -> None:
    """``get_ticket``'s 404 without reading the ticket, for a caller that needs no more."""
    if not scoped_tickets(scope).filter(number=number).exists():
        raise missing_ticket(number)


@dataclass
class Page:
    items: list[Ticket]
    page: int
    page_size: int
    total: int


def list_tickets(
    scope: DataScope,
    *,
    state: str = "",
    unit: str = "",
    q: str = "",
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Page:
    qs = scoped_tickets(scope)
    if state:
        states = [s for s in state.split(",") if s]
        unknown = [s for s in states if s not in State.values]
        if unknown:
            raise InvalidInput("state", f"未知状态:{', '.join(unknown)}")
        qs = qs.filter(state__in=states)
    if unit:
        target = scope.units().filter(code=unit).first()
        if target is None:
            raise InvalidInput("unit", f"单位「{unit}」不存在或不在您的数据范围内")
        # Tickets the unit (or a unit below it) holds or held.
        held = Assignment.objects.filter(ticket=OuterRef("pk"), unit_path__startswith=target.path)
        qs = qs.filter(Exists(held))
    q = q.strip()
    if q:
        qs = qs.filter(Q(number=q) | Q(title__icontains=q) | Q(text__icontains=q) | Q(address__icontains=q))
    if page < 1:
        raise InvalidInput("page", "页码须为正整数")
    total = qs.count()
    start = (page - 1) * page_size
    items = list(qs.select_related("lead_unit").order_by("-created_at", "-id")[start : start + page_size])
    return Page(items=items, page=page, page_size=page_size, total=total)


def ticket_events(ticket: Ticket) -> QuerySet[Event]:
    return Event.objects.filter(ticket=ticket).select_related("actor", "actor_unit").order_by("seq")


def ticket_assignments(ticket: Ticket) -> QuerySet[Assignment]:
    return ticket.assignments.select_related("unit").order_by("id")


# Refusals of the citizens' lookup at a limit (settings.HOTLINE_LIMITS, org.throttle).
LOOKUP_REFUSALS = {
    "lookup_ticket": "该工单凭手机号后四位查询的失败次数过多,请于 {time} 后再试,或凭查询码查询",
    "lookup_address": "查询失败次数过多,请于 {time} 后再试",
}
_QUERY_CODE = re.compile(f"[{QUERY_CODE_ALPHABET}]{{{QUERY_CODE_LENGTH}}}")


def public_ticket(number: str, *, address: str, query_code: str = "", phone_last4: str = "") -> Ticket:
    """A citizen's own ticket, found by its number and its query code (查询码), or by its
    number and the last four digits of the phone; ``address`` is the client's
    (``org.throttle.client_address``).

    Any mismatch is the same 404, so the lookup cannot be used to probe numbers. Wrong
    guesses are limited (``org.throttle``): a wrong code or wrong digits count against
    the client's address (``lookup_address``), wrong digits also against the ticket
    (``lookup_ticket``: a few a day, however many addresses guess). A right query code
    is never held back by the ticket's count, so nobody guessing digits can lock the
    citizen out of their own ticket.
    """
    code = "".join(query_code.split()).replace("-", "").upper()
    by_address = throttle.Door(throttle.Limit.named("lookup_address"), address)
    if code:
        if not _QUERY_CODE.fullmatch(code):
            raise InvalidInput("query_code", "查询码为 6 位,由数字 2-9 和字母(不含 I、L、O)组成")
        doors = [by_address]
    elif phone_last4:
        if not (len(phone_last4) == 4 and phone_last4.isascii() and phone_last4.isdigit()):
            raise InvalidInput("phone_last4", "请输入手机号后四位数字")
        doors = [throttle.Door(throttle.Limit.named("lookup_ticket"), number), by_address]
    else:
        raise InvalidInput("query_code", "请输入查询码或手机号后四位")
    attempt = throttle.guard(doors, LOOKUP_REFUSALS)
    ticket = Ticket.objects.select_related("lead_unit", "merged_into").filter(number=number).first()
    if ticket is None or not _proves_own(ticket, code, phone_last4):
        attempt.failed(trace={"address": address, "via": "lookup"})
        raise NotFound("未找到该工单,请核对工单编号和查询码(或手机号后四位)")
    attempt.succeeded()
    return ticket


def _proves_own(ticket: Ticket, code: str, phone_last4: str) -> bool:
    expected, given = (ticket.query_code, code) if code else (ticket.phone_last4, phone_last4)
    return bool(expected) and secrets.compare_digest(expected.encode(), given.encode())
