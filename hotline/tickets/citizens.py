"""One citizen across channels: a phone number is the citizen.

Every channel brings a number — the call's caller id, the SMS sender, the 110 caller,
the portal's and Open311's form, a WeChat follower who linked their number
(``channels.wechat``) — and intake stores it in one canonical form (``canonical_phone``),
so the operator's caller panel (``caller_history``) finds all of that citizen's tickets,
archived ones too, whichever channel they came by and whether the number is on the
ticket's first contact or on a later one (a call added to it, a repeat merged in):
``tickets_of_phone``, which staff search (``tickets.search``) uses too.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db.models import QuerySet

from hotline import clock
from hotline.org.scope import DataScope
from hotline.tickets.lifecycle import END_STATES, STATE_LABELS
from hotline.tickets.models import Channel, Contact, Satisfaction, State, Ticket
from hotline.tickets.selectors import scoped_tickets

MIN_PHONE_DIGITS = 7  # fewer digits name no one: the panel stays empty while typing
HISTORY_LIMIT = 30
MAX_LATER = 1000  # later contacts read of one number (a switchboard's number calls often)
REPEAT_CALL_DAYS, REPEAT_CALL_COUNT = 30, 3
REPEAT_MATTER_DAYS, REPEAT_MATTER_COUNT = 90, 2
DISSATISFIED_DAYS = 365
_CHINA_PREFIX = re.compile(r"^(?:\+86|0086)(?=1[3-9]\d{9}$)")
SATISFACTION_LABELS = dict(Satisfaction.choices)
CHANNEL_LABELS = dict(Channel.choices)


def canonical_phone(raw: str) -> str:
    """A number as digits only (a leading + kept for a foreign number), with China's
    country code dropped from a mobile: ``+86 138-1234-5678`` → ``13812345678``."""
    text = re.sub(r"[\s\-()]", "", raw or "")
    return _CHINA_PREFIX.sub("", text)


class PhoneLookups(NamedTuple):
    first: QuerySet[Ticket]  # the tickets whose first contact has the number
    later: QuerySet[Contact]  # the later contacts from it: their tickets by ``ticket_id``


def tickets_of_phone(number: str, tickets: QuerySet[Ticket] | None = None) -> PhoneLookups:
    """The tickets of the number ``number`` (``canonical_phone``'s form), as the two
    indexed lookups that find them: ``first``, those of ``tickets`` (every ticket unless
    given) with the number on their first contact (``Ticket.phone``), and ``later``, the
    later contacts from it (a call added, a repeat merged in), whose ``ticket_id`` name
    the others — of any ticket: the caller keeps them to its scope.

    Two lookups for the caller to combine (a union of ids, or two reads), never one OR:
    PostgreSQL plans "phone = x OR id IN (…)" as a scan of every ticket."""
    first = (Ticket.objects.all() if tickets is None else tickets).filter(phone=number)
    return PhoneLookups(first=first, later=Contact.objects.filter(phone=number))


@dataclass(frozen=True)
class CallerTicket:
    number: str
    created_at: datetime
    channel: str
    state: str
    summary: str
    topic: str
    unit: str
    result: str
    satisfaction: str
    open: bool
    merged_into: str

    @property
    def notes(self) -> str:
        """Who handled it, where it went, what the citizen said: one line for the panel."""
        parts = (
            f"承办:{self.unit}" if self.unit else "",
            f"已合并至 {self.merged_into}" if self.merged_into else "",
            f"回访:{self.satisfaction}" if self.satisfaction else "",
        )
        return " · ".join(part for part in parts if part)


@dataclass
class CallerHistory:
    phone: str
    tickets: list[CallerTicket] = field(default_factory=list)
    more: bool = False  # older tickets exist beyond the ones listed
    flags: list[str] = field(default_factory=list)
    looked_up: bool = False  # the number was long enough to be looked up

    @property
    def open_tickets(self) -> list[CallerTicket]:
        return [t for t in self.tickets if t.open]


def caller_history(scope: DataScope, phone: str, *, limit: int = HISTORY_LIMIT) -> CallerHistory:
    """Every ticket of the caller ``phone`` in ``scope``, newest first, with what became
    of each (state, unit, result, satisfaction) and the flags an operator must see at
    once: a repeat caller, a matter raised again, an earlier dissatisfied callback.

    Two indexed lookups (tickets by their first contact's number, tickets with a later
    contact from it), then one read of at most ``limit`` + 1 tickets."""
    number = canonical_phone(phone)
    history = CallerHistory(phone=number)
    if sum(c.isdigit() for c in number) < MIN_PHONE_DIGITS:
        return history
    history.looked_up = True
    scoped = scoped_tickets(scope)
    lookups = tickets_of_phone(number, scoped)
    newest = ("-created_at", "-id")
    first = list(lookups.first.order_by(*newest).values_list("pk", flat=True)[: limit + 1])
    # The newest later contacts: a switchboard's number with thousands keeps its latest.
    later = set(
        lookups.later.order_by("-received_at", "-id").values_list("ticket_id", flat=True)[:MAX_LATER]
    ) - set(first)
    if later:
        first += list(scoped.filter(pk__in=later).order_by(*newest).values_list("pk", flat=True)[: limit + 1])
    rows = list(
        Ticket.objects.filter(pk__in=first)
        .select_related("lead_unit", "merged_into")
        .order_by(*newest)[: limit + 1]
    )
    history.more = len(rows) > limit
    history.tickets = [_summary(t) for t in rows[:limit]]
    history.flags = _flags(number, rows, scope)
    return history


def _summary(ticket: Ticket) -> CallerTicket:
    text = (ticket.title or ticket.text or "").replace("\n", " ")
    return CallerTicket(
        number=ticket.number,
        created_at=ticket.created_at,
        channel=CHANNEL_LABELS.get(ticket.channel, ticket.channel),
        state=STATE_LABELS.get(ticket.state, ticket.state),
        summary=text[:60] + ("…" if len(text) > 60 else ""),
        topic=ticket.topic,
        unit=ticket.lead_unit.name if ticket.lead_unit else "",
        result=(ticket.result or "")[:120],
        satisfaction=SATISFACTION_LABELS.get(ticket.satisfaction, ""),
        open=ticket.state not in END_STATES,
        merged_into=ticket.merged_into.number if ticket.merged_into_id and ticket.merged_into else "",
    )


def _matter(topic: str) -> str:
    """A matter for the repeat flag: the first two levels of the topic path."""
    return " / ".join(part.strip() for part in topic.split("/")[:2]) if topic else ""


def _flags(number: str, rows: list[Ticket], scope: DataScope) -> list[str]:
    now = clock.now()
    flags: list[str] = []
    recent_calls = (
        Contact.objects.filter(phone=number, received_at__gte=now - timedelta(days=REPEAT_CALL_DAYS))
        .filter(ticket_id__in=scoped_tickets(scope).values("pk"))
        .count()
    )
    if recent_calls >= REPEAT_CALL_COUNT:
        flags.append(f"重复来电:近{REPEAT_CALL_DAYS}日来电来信 {recent_calls} 次")
    since = now - timedelta(days=REPEAT_MATTER_DAYS)
    matters = Counter(
        _matter(t.topic) for t in rows if t.created_at >= since and t.topic and t.state != State.MERGED
    )
    for matter, count in matters.most_common():
        if count >= REPEAT_MATTER_COUNT:
            flags.append(f"重复诉求:「{matter}」近{REPEAT_MATTER_DAYS}日 {count} 件")
    unhappy = [
        t
        for t in rows
        if t.satisfaction == Satisfaction.DISSATISFIED
        and t.created_at >= now - timedelta(days=DISSATISFIED_DAYS)
    ]
    if unhappy:
        flags.append(f"曾不满意:工单 {unhappy[0].number} 回访不满意")
    return flags
