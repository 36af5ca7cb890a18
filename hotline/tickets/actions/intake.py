"""Intake: creating a ticket from a contact, and the centre's first decisions on it
(即时答复, 不予受理, 转110, 合并).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from hotline import clock
from hotline.audit.record import record
from hotline.db import write_gate, write_transaction
from hotline.errors import Conflict, Forbidden, InvalidInput, NotFound
from hotline.org.actor import CITIZEN_ROLE, SYSTEM_ROLE, Actor
from hotline.org.models import Role, Unit
from hotline.tickets import events
from hotline.tickets.actions.base import perform, record_on, ticket_visible
from hotline.tickets.citizens import canonical_phone
from hotline.tickets.commitment import state_digest
from hotline.tickets.followers import TicketChange, follow
from hotline.tickets.lifecycle import END_STATES
from hotline.tickets.models import (
    CallReference,
    Channel,
    Contact,
    DailySequence,
    Emotion,
    RejectCategory,
    State,
    Ticket,
    TicketType,
    Urgency,
)

log = logging.getLogger(__name__)

INTAKE_ROLES = frozenset({Role.OPERATOR, Role.DISPATCHER, Role.ADMIN, CITIZEN_ROLE, SYSTEM_ROLE})
PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")
CALL_ID_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")
MAX_TEXT = 50_000
# Django builds ``Channel.values`` anew on every access: an import checks it per row.
CHANNELS = frozenset(Channel.values)


@dataclass
class NewContact:
    channel: str
    text: str
    title: str = ""
    citizen_name: str = ""
    phone: str = ""
    address: str = ""
    lat: float | None = None
    lng: float | None = None
    idempotency_key: str | None = None
    received_at: datetime | None = None
    # The human decision, when the operator already made it; otherwise triage's suggestion.
    type: str = ""
    topic: str = ""
    urgency: str = ""
    emotion: str = ""
    # From the telephone system's screen-pop (``/intake/?phone=…&call_id=…&recording=…``).
    call_id: str = ""
    recording_url: str = ""

    def validate(self) -> None:
        self.text = (self.text or "").strip()
        self.title = (self.title or "").strip()[:200]
        if not self.text:
            raise InvalidInput("text", "诉求内容不能为空")
        if len(self.text) > MAX_TEXT:
            raise InvalidInput("text", f"诉求内容不能超过 {MAX_TEXT} 字")
        if self.channel not in CHANNELS:
            raise InvalidInput("channel", f"未知渠道「{self.channel}」,可选:{', '.join(Channel.values)}")
        self.phone = (self.phone or "").strip()
        if self.phone and not PHONE_RE.match(self.phone):
            raise InvalidInput("phone", "电话号码格式不正确")
        # One citizen, one number: stored as digits, so every channel's tickets of a
        # caller are found together however the number was written.
        self.phone = canonical_phone(self.phone)
        self.call_id = (self.call_id or "").strip()
        if self.call_id and not CALL_ID_RE.match(self.call_id):
            raise InvalidInput("call_id", "话务流水号格式不正确(至多 64 位字母、数字或 . _ : -)")
        self.recording_url = (self.recording_url or "").strip()
        if self.recording_url and (
            len(self.recording_url) > 500 or not self.recording_url.startswith(("http://", "https://"))
        ):
            raise InvalidInput("recording_url", "录音地址须为 http(s) 链接,且不超过 500 个字符")
        if self.recording_url and not self.call_id:
            raise InvalidInput("call_id", "有录音地址时须同时提供话务流水号")
        if (self.lat is None) != (self.lng is None):
            raise InvalidInput("lat" if self.lat is None else "lng", "经纬度须同时填写")
        if self.lat is not None and not -90 <= self.lat <= 90:
            raise InvalidInput("lat", "纬度须在 -90 到 90 之间")
        if self.lng is not None and not -180 <= self.lng <= 180:
            raise InvalidInput("lng", "经度须在 -180 到 180 之间")
        for name, allowed in (
            ("type", TicketType.values),
            ("urgency", Urgency.values),
            ("emotion", Emotion.values),
        ):
            value = getattr(self, name)
            if value and value not in allowed:
                raise InvalidInput(name, f"「{value}」不是有效取值,可选:{', '.join(allowed)}")
        if self.idempotency_key is not None:
            self.idempotency_key = self.idempotency_key.strip() or None
            if self.idempotency_key and len(self.idempotency_key) > 100:
                raise InvalidInput("idempotency_key", "幂等键不能超过 100 个字符")


def next_number(now: datetime) -> str:
    """The next readable ticket number of the day (Beijing time): YYYYMMDD + 5 digits.

    One upsert statement. On PostgreSQL ``create_ticket`` calls it outside the ticket's
    own transaction, so the counter's row lock is held only for that statement: intakes
    do not queue behind each other. A number whose ticket then fails to be written is
    simply skipped.
    """
    day = timezone.localtime(now).strftime("%Y%m%d")
    table = DailySequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "  # noqa: S608 - the table name is ours
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [day],
        )
        (last,) = cursor.fetchone()
    return f"{day}{last:05d}"


TRIAGE_SKIPPED = "智能分析未完成,请人工研判"

# What a ticket keeps of triage's answer: enough to show and explain the suggestion.
STORED_PLACES = 5


def _compact(suggestion: dict[str, Any]) -> dict[str, Any]:
    """Cap the lists in the suggestion before it is stored on the ticket: a common
    village name can match dozens of places, and every ticket row would carry them."""
    places = suggestion.get("places")
    if isinstance(places, list) and len(places) > STORED_PLACES:
        suggestion = {**suggestion, "places": places[:STORED_PLACES], "places_total": len(places)}
    return suggestion


def _triage(contact: NewContact) -> dict[str, Any]:
    # Imported here: triage loads its model and jieba, which a migration must not pay for.
    from hotline.triage import analyse

    try:
        return _compact(
            analyse(
                title=contact.title, text=contact.text, channel=contact.channel, address=contact.address
            ).to_dict()
        )
    except Exception:  # triage is advice: it must never stop a citizen's request
        log.exception("triage failed; ticket created without suggestions")
        return {"skipped": TRIAGE_SKIPPED}


# Asked on every intake that carries a key (every API client's retry-safe request), so
# written out once rather than compiled by the ORM each time. The key is unique.
_TICKET_OF_KEY = f"SELECT ticket_id FROM {Contact._meta.db_table} WHERE idempotency_key = %s"  # noqa: S608


def _existing_for_key(key: str | None) -> Ticket | None:
    if not key:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_TICKET_OF_KEY, [key])
        row = cursor.fetchone()
    return Ticket.objects.get(pk=row[0]) if row is not None else None


# Advice stored with a new ticket: given the ticket about to be written (not saved
# yet), a pure read that returns what to write beside it once it has its id — inside
# the ticket's transaction, so it must guard itself and never raise — or None.
# Reading before the write keeps the advice's work out of the writers' queue.
Advice = Callable[[Ticket], Callable[[Ticket], None] | None]


def create_ticket(actor: Actor, contact: NewContact, *, advise: Advice | None = None) -> tuple[Ticket, bool]:
    """Accept a new request (受理). Returns (ticket, created).

    A repeated idempotency key returns the ticket made the first time and writes
    nothing: clients may retry safely. ``advise`` (see ``Advice``) is called once,
    for a ticket that will be created.
    """
    if actor.role not in INTAKE_ROLES:
        raise Forbidden(f"角色「{actor.role_label}」不能受理工单")
    contact.validate()
    existing = _existing_for_key(contact.idempotency_key)
    if existing is not None:
        return existing, False
    suggestion = _triage(contact)
    now = clock.now()
    ticket = _unsaved_ticket(actor, contact, suggestion, now)
    store_advice = advise(ticket) if advise is not None else None
    # PostgreSQL: the day's counter commits on its own statement, so its row lock is not
    # held while the ticket is written and intakes do not queue on it. SQLite: the gate
    # lets one writer in at a time anyway, so the number joins the ticket's transaction
    # and an intake pays for one durable commit (an fsync), not two.
    numbered_apart = connection.vendor != "sqlite"
    try:
        with write_gate():
            number = next_number(now) if numbered_apart else ""
            with transaction.atomic():
                ticket.number = number or next_number(now)
                _write_new_ticket(ticket, actor, contact, now, store_advice)
    except IntegrityError:
        # Another request with the same idempotency key won the race.
        existing = _existing_for_key(contact.idempotency_key)
        if existing is None:
            raise
        return existing, False
    return ticket, True


def _unsaved_ticket(actor: Actor, contact: NewContact, suggestion: dict[str, Any], now: datetime) -> Ticket:
    """The new ticket as it will be written, without its number: triage's suggestion
    fills what the operator left open."""
    return Ticket(
        title=contact.title or contact.text[:30],
        text=contact.text,
        channel=contact.channel,
        type=contact.type or suggestion.get("type", ""),
        topic=contact.topic or suggestion.get("topic", ""),
        urgency=contact.urgency or suggestion.get("urgency") or Urgency.NORMAL,
        emotion=contact.emotion or suggestion.get("emotion") or Emotion.CALM,
        triage=suggestion,
        place_id=_place_from(suggestion),
        address=contact.address,
        **_position(contact, suggestion),
        citizen_name=contact.citizen_name,
        phone=contact.phone,
        phone_last4=_last4(contact.phone),
        created_by=actor.user,
        created_at=now,
        updated_at=now,
    )


def _write_new_ticket(
    ticket: Ticket,
    actor: Actor,
    contact: NewContact,
    now: datetime,
    store_advice: Callable[[Ticket], None] | None,
) -> None:
    """Precondition: inside the transaction, ``ticket`` numbered. Writes the ticket, its
    first contact, the advice, its event, and runs the followers.

    The event and the rollups come last: on PostgreSQL the chain head and the day's
    rollup rows, which every intake updates, stay locked from their update to commit."""
    ticket.save(force_insert=True)
    first = Contact.objects.create(
        ticket=ticket,
        received_at=contact.received_at or now,
        idempotency_key=contact.idempotency_key,
        created_by=actor.user,
        **_contact_fields(contact),
    )
    _keep_call_reference(first, contact)
    if store_advice is not None:
        store_advice(ticket)
    event = record(
        action="create",
        ticket=ticket,
        actor=actor,
        to_state=State.ACCEPTED,
        payload=events.created(channel=contact.channel, contact=first.pk),
        at=now,
        # From the rows in hand: a new ticket has this one contact and no assignment.
        state_digest=state_digest(ticket, contacts=[first]),
    )
    follow(TicketChange(ticket=ticket, action="create", from_state="", event=event, actor=actor))


# What a contact (来电/来信) carries from the citizen, whether new or merged from a repeat.
CONTACT_FIELDS = ("channel", "citizen_name", "phone", "title", "text", "address", "lat", "lng")


def _contact_fields(source: NewContact | Contact) -> dict[str, Any]:
    return {name: getattr(source, name) for name in CONTACT_FIELDS}


def _keep_call_reference(row: Contact, contact: NewContact) -> None:
    if contact.call_id:
        CallReference.objects.create(
            contact=row, call_id=contact.call_id, recording_url=contact.recording_url
        )


def _last4(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-4:] if len(digits) >= 4 else ""


def _position(contact: NewContact, suggestion: dict[str, Any]) -> dict[str, float | None]:
    """The ticket's position: the citizen's own point, else where triage found the
    address or the place named (``triage.gazetteer.Found.position``)."""
    if contact.lat is not None and contact.lng is not None:
        return {"lat": contact.lat, "lng": contact.lng}
    found = suggestion.get("position")
    if (
        isinstance(found, dict)
        and isinstance(found.get("lat"), float)
        and isinstance(found.get("lng"), float)
    ):
        return {"lat": found["lat"], "lng": found["lng"]}
    return {"lat": None, "lng": None}


def _place_from(suggestion: dict[str, Any]) -> int | None:
    """The first place triage matched to a unit — if that unit still exists (triage's
    gazetteer is a per-process cache and may lag behind an edit of the unit tree)."""
    ids = [
        int(p["unit_id"]) for p in suggestion.get("places") or [] if isinstance(p, dict) and p.get("unit_id")
    ]
    if not ids:
        return None
    existing = set(Unit.objects.filter(pk__in=ids).values_list("pk", flat=True))
    return next((i for i in ids if i in existing), None)


def answer(
    actor: Actor, number: str, *, answer: str, article: str = "", expected_version: int | None = None
) -> Ticket:
    """即时答复: the operator answered on the spot (e.g. from the knowledge base)."""
    answer = (answer or "").strip()
    if not answer:
        raise InvalidInput("answer", "答复内容不能为空")

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        ticket.state = State.AWAITING_CALLBACK
        ticket.result = answer
        ticket.closed_at = now
        return events.answered(answer=answer, article=article)

    return perform("answer", number, actor, change, expected_version=expected_version)


def reject(
    actor: Actor, number: str, *, reason: str, category: str = "other", expected_version: int | None = None
) -> Ticket:
    """不予受理, with the reason the citizen will be told."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason", "请填写不予受理的理由")
    if category not in RejectCategory.values:
        raise InvalidInput("category", f"未知类别「{category}」,可选:{', '.join(RejectCategory.values)}")

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        ticket.state = State.REJECTED
        ticket.closed_at = now
        return events.rejected(reason=reason, category=category)

    return perform("reject", number, actor, change, expected_version=expected_version)


def transfer_police(
    actor: Actor, number: str, *, reason: str, police_ref: str = "", expected_version: int | None = None
) -> Ticket:
    """转110: a police matter handed to 110, with the record of the hand-off."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("reason", "请填写转110的原因")

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        ticket.state = State.TRANSFERRED
        ticket.type = ticket.type or "警务类"
        ticket.closed_at = now
        return events.transferred_to_police(reason=reason, police_ref=police_ref.strip())

    return perform("transfer_police", number, actor, change, expected_version=expected_version)


def add_contact(
    actor: Actor,
    number: str,
    *,
    text: str,
    channel: str = "phone",
    citizen_name: str = "",
    phone: str = "",
    address: str = "",
    expected_version: int | None = None,
) -> Ticket:
    """追加来电来信: the citizen got in touch again about an open ticket (a call while it
    is handled, a repeat on the portal); the contact joins the ticket, so its handler,
    the trace and the repeat figures see it, instead of a second ticket to be merged away.
    A channel adapter with more of the message in hand calls ``add_contact_from``."""
    contact = NewContact(channel=channel, text=text, citizen_name=citizen_name, phone=phone, address=address)
    return add_contact_from(actor, number, contact, expected_version=expected_version)


def add_contact_from(
    actor: Actor, number: str, contact: NewContact, *, expected_version: int | None = None
) -> Ticket:
    """``add_contact`` with the whole contact: its place, when it was received (an SMS's
    or a WeChat message's own time)."""
    contact.validate()

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        row = Contact.objects.create(
            ticket=ticket,
            received_at=contact.received_at or now,
            created_by=actor.user,
            **_contact_fields(contact),
        )
        _keep_call_reference(row, contact)
        return events.contact_added(contact=row.pk, channel=contact.channel)

    return perform("add_contact", number, actor, change, expected_version=expected_version)


def merge(actor: Actor, number: str, *, into: str, expected_version: int | None = None) -> Ticket:
    """合并: this ticket repeats an open one; its contacts join the master ticket."""
    into = (into or "").strip()
    if not into:
        raise InvalidInput("into", "请填写要合并到的主工单编号")
    if into == number:
        raise InvalidInput("into", "不能合并到工单自身")

    absorbed: list[Any] = []  # [master, ids of the contacts it gained], set by ``change``

    def change(ticket: Ticket, actor: Actor, now: datetime) -> dict[str, Any]:
        master = Ticket.objects.select_for_update().filter(number=into).first()
        if master is None or not ticket_visible(master, actor.scope):
            raise NotFound(f"主工单 {into} 不存在")
        if master.state in END_STATES:
            raise Conflict(f"主工单 {into} 已结束,不能合并", code="master_closed")
        moved = [
            Contact.objects.create(
                ticket=master,
                received_at=contact.received_at,
                merged_from=ticket,
                created_by=actor.user,
                **_contact_fields(contact),
            ).pk
            for contact in ticket.contacts.all()
        ]
        ticket.state = State.MERGED
        ticket.merged_into = master
        ticket.closed_at = now
        absorbed[:] = [master, moved]
        return events.merged(into=master.number, contacts=moved)

    with write_transaction():
        repeat = perform("merge", number, actor, change, expected_version=expected_version)
        # The master's own record of what it gained (its followers, e.g. the rollups'
        # repeat count, see it too). ``change`` row-locked it.
        master, moved = absorbed
        record_on(master, "merged_in", actor, events.merged_in(repeat=repeat.number, contacts=moved))
    return repeat
