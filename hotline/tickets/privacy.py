"""Citizens' personal data: masked by default; a full read is recorded in the audit chain,
and so is every search of citizens by phone number or name (``record_search``).

A search's event keeps the term masked (``139****7777``, ``张*``) beside a keyed hash of
it (``term_digest``: HMAC-SHA256 of the canonical term under a key derived from this
installation's ``SECRET_KEY``), so the log shows nobody the number, yet an investigator
with the installation can tell whether a given number or name was searched
(``searches_of``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.crypto import salted_hmac

from hotline.audit.models import Event
from hotline.audit.record import record
from hotline.db import write_transaction
from hotline.errors import Forbidden
from hotline.org.actor import Actor
from hotline.org.models import Role
from hotline.tickets.citizens import canonical_phone
from hotline.tickets.models import Ticket

# Roles whose work needs the citizen's full name and number: they talk to the citizen.
UNMASK_ROLES = frozenset({Role.OPERATOR, Role.CALLBACK, Role.HANDLER, Role.DISPATCHER})


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) <= 4:
        return "*" * len(phone)
    if len(phone) <= 7:
        return phone[:2] + "*" * (len(phone) - 4) + phone[-2:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str) -> str:
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else "*"


def reveal(actor: Actor, ticket: Ticket, purpose: str = "") -> None:
    """Allow and record one full read of the citizen's personal data on ``ticket``."""
    if actor.role not in UNMASK_ROLES:
        raise Forbidden(f"角色「{actor.role_label}」无权查看市民完整信息")
    with transaction.atomic():
        record(action="view_personal_data", ticket=ticket, actor=actor, payload={"purpose": purpose})


SEARCH_ACTION = "search_personal_data"
# Where a search of citizens was made: the value of the event's "source".
SEARCH_SOURCES = {
    "search_page": "找工单页面",
    "search_api": "找工单 API",
    "caller_panel": "受理台来电人面板",
    "screen_pop": "受理台来电弹屏",
}
SEARCH_KINDS = ("phone", "name")
# Kept apart from every other use of SECRET_KEY (Django's salted_hmac derives the key).
_DIGEST_SALT = "hotline.tickets.privacy.search_term"


def canonical_term(kind: str, term: str) -> str:
    """The form a term is searched in: a number's digits (``canonical_phone``), a name
    with its spaces collapsed, as ``tickets.search.parse`` reads them."""
    if kind == "phone":
        return canonical_phone(term)
    return " ".join((term or "").split())


def term_digest(kind: str, term: str, *, secret: str | None = None) -> str:
    """HMAC-SHA256 (hex) of the canonical ``term`` of ``kind``, keyed from ``secret``
    (``SECRET_KEY`` unless given): without the key nobody can test numbers against it."""
    value = canonical_term(kind, term)
    return salted_hmac(f"{_DIGEST_SALT}.{kind}", value, secret=secret, algorithm="sha256").hexdigest()


def record_search(
    actor: Actor, *, source: str, phone: str = "", name: str = "", found: int, more: bool = False
) -> Event | None:
    """Record that ``actor`` searched citizens by ``phone`` and/or ``name`` (the terms as
    searched; either may be empty) from ``source`` (``SEARCH_SOURCES``) and was shown
    ``found`` tickets (``more``: further pages exist). A search by neither records
    nothing: a ticket number or a text is not a citizen's personal data.

    Call once the search has run, outside any transaction: the event is written in one
    of its own (queued with the other writers on SQLite), so a read-only GET may call it."""
    if source not in SEARCH_SOURCES:
        raise ValueError(f"unknown search source {source!r}")
    terms = {kind: canonical_term(kind, term) for kind, term in (("phone", phone), ("name", name))}
    terms = {kind: term for kind, term in terms.items() if term}
    if not terms:
        return None
    payload: dict[str, Any] = {"source": source, "kinds": list(terms)}
    for kind, term in terms.items():
        payload[kind] = mask_phone(term) if kind == "phone" else mask_name(term)
        payload[f"{kind}_hmac"] = term_digest(kind, term)
    payload.update(found=found, more=more)
    with write_transaction():
        return record(action=SEARCH_ACTION, ticket=None, actor=actor, payload=payload)


def searches_of(kind: str, term: str) -> QuerySet[Event]:
    """The recorded searches of citizens by this number (``kind`` "phone") or name
    ("name"), oldest first: matched by the keyed hash under the current key and the
    previous ones (``SECRET_KEY_FALLBACKS``), so a key rotation keeps old searches found."""
    if kind not in SEARCH_KINDS:
        raise ValueError(f"unknown search kind {kind!r}")
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    digests = [term_digest(kind, term, secret=s) for s in secrets]
    return Event.objects.filter(action=SEARCH_ACTION, **{f"payload__{kind}_hmac__in": digests}).order_by(
        "seq"
    )
