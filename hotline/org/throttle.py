"""Limits on guessing a secret: a password, the phone digits of a citizen's lookup.

The counts live in the database (``Attempt`` rows), so every worker process and every
server counts the same attempts, and the embedded SQLite default needs nothing more.
An attempt is counted *before* it is tried (``guard``): requests sent in parallel cannot
slip past a limit while a password hash is being checked. A success takes its count
back (``Pass.succeeded``); a failure's count stays until its limit's window has passed
(a sliding window), a later success notwithstanding. A door at its limit refuses every attempt, a right one too, until
the moment it names; refused attempts are not counted, so a lock-out does not grow.
Each lock-out is one "lockout" event in the audit chain (``Pass.failed``); its subject is
kept as it is (a username, an address, a ticket number: none is a citizen's personal data).

The client's address is ``client_address``: ``REMOTE_ADDR``, or the address a trusted
reverse proxy (``HOTLINE_TRUSTED_PROXIES``) saw.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from hotline import clock
from hotline.audit.record import record
from hotline.db import write_transaction
from hotline.errors import TooManyAttempts
from hotline.org.actor import Actor
from hotline.org.models import Attempt

# An attempt's subject (a username, a ticket number, an address) is cut to this length in
# its key: a longer one names no account or ticket anyway.
MAX_SUBJECT = 150


@dataclass(frozen=True)
class Limit:
    """``failures`` failed attempts allowed within any ``window``."""

    name: str
    failures: int
    window: timedelta

    @classmethod
    def named(cls, name: str) -> Limit:
        """The limit ``name`` as configured (``settings.HOTLINE_LIMITS``: "failures/minutes")."""
        failures, minutes = parse_limit(settings.HOTLINE_LIMITS[name])
        return cls(name, failures, timedelta(minutes=minutes))


def parse_limit(text: str) -> tuple[int, int]:
    """(failures, minutes) from "failures/minutes"; ValueError when it is not two positive integers."""
    failures, minutes = (int(part) for part in text.split("/"))
    if failures < 1 or minutes < 1:
        raise ValueError(text)
    return failures, minutes


@dataclass(frozen=True)
class Door:
    """What one attempt is counted against: a limit and its subject (e.g. an account)."""

    limit: Limit
    subject: str

    @property
    def key(self) -> str:
        return f"{self.limit.name}:{self.subject[:MAX_SUBJECT]}"


@dataclass
class Pass:
    """An attempt let through ``guard``, counted until it is known to have succeeded."""

    doors: list[Door]
    ids: list[int]
    now: datetime

    def succeeded(self) -> None:
        """Take this attempt's count back. Earlier failures stay counted: a success does
        not give whoever is guessing at the same door a fresh allowance."""
        with write_transaction():
            Attempt.objects.filter(pk__in=self.ids).delete()

    def failed(self, trace: Mapping[str, str] | None = None) -> list[tuple[Door, datetime]]:
        """Leave this attempt counted. Returns the doors this failure locked, each with
        the moment it opens again, and records each lock-out in the audit chain: one
        "lockout" event (no ticket, the system as actor) naming the limit, the subject
        and until when, with ``trace`` (what the caller adds: the address, the door).

        Here is the one moment a door goes from open to locked: the failure that makes
        its count reach the limit. Refused attempts are not counted, so a locked door's
        further attempts record nothing."""
        counted = _expiries(self.doors, self.now, exclude=())
        locked = [(d, counted[d.key][0]) for d in self.doors if len(counted[d.key]) == d.limit.failures]
        if locked:
            _record_lockouts(locked, trace or {})
        return locked


def _record_lockouts(locked: list[tuple[Door, datetime]], trace: Mapping[str, str]) -> None:
    with write_transaction():
        for door, until in locked:
            payload = {
                **trace,  # first: the caller's words never replace the door's own
                "limit": door.limit.name,
                "subject": door.subject[:MAX_SUBJECT],
                "until": until.isoformat(),
            }
            record(action="lockout", ticket=None, actor=Actor.system(), payload=payload)


GENERIC_REFUSAL = "尝试次数过多,请于 {time} 后再试"


def guard(doors: list[Door], messages: Mapping[str, str]) -> Pass:
    """Count one attempt at every door, or refuse it when a door is at its limit:
    ``TooManyAttempts`` with the message of that door's limit in ``messages`` (its
    ``{time}``: when to try again; the door that opens last speaks), nothing counted."""
    now = clock.now()
    # A door already at its limit refuses with one read: a flood of attempts at a locked
    # door writes nothing.
    _refuse_if_locked(doors, _expiries(doors, now, exclude=()), messages, now)
    with write_transaction():
        # Expired rows of any key go here, so keys nobody tries again do not pile up.
        Attempt.objects.filter(expires_at__lte=now).delete()
        rows = Attempt.objects.bulk_create(
            [Attempt(key=d.key, expires_at=now + d.limit.window) for d in doors]
        )
    ids = [row.pk for row in rows]
    # Counted again after the insert has committed: of attempts made at once, each sees
    # every one committed before it, so no more than the limit get through.
    try:
        _refuse_if_locked(doors, _expiries(doors, now, exclude=ids), messages, now)
    except TooManyAttempts:
        with write_transaction():
            Attempt.objects.filter(pk__in=ids).delete()
        raise
    return Pass(doors=doors, ids=ids, now=now)


def _refuse_if_locked(
    doors: list[Door], counted: dict[str, list[datetime]], messages: Mapping[str, str], now: datetime
) -> None:
    opens = [(at, d) for d in doors if (at := _opens_at(d, counted[d.key])) is not None]
    if opens:
        until, door = max(opens, key=lambda pair: pair[0])
        raise TooManyAttempts(
            messages.get(door.limit.name, GENERIC_REFUSAL).format(time=_when(until, now)),
            retry_after=max(1, math.ceil((until - now).total_seconds())),
        )


def _expiries(doors: list[Door], now: datetime, exclude: Iterable[int]) -> dict[str, list[datetime]]:
    """For each door's key: when each attempt still counted there stops counting, soonest first."""
    keys = {d.key for d in doors}
    expiries: dict[str, list[datetime]] = {key: [] for key in keys}
    rows = Attempt.objects.filter(key__in=keys, expires_at__gt=now).exclude(pk__in=list(exclude))
    for key, expires_at in rows.order_by("expires_at").values_list("key", "expires_at"):
        expiries[key].append(expires_at)
    return expiries


def _opens_at(door: Door, expiries: list[datetime]) -> datetime | None:
    """None when another attempt may be made at ``door`` (whose counted attempts expire
    at ``expiries``); else the moment it may."""
    if len(expiries) < door.limit.failures:
        return None
    # Open again once all but failures - 1 of the counted attempts have expired.
    return expiries[len(expiries) - door.limit.failures]


def _when(moment: datetime, now: datetime) -> str:
    """The local time to try again, rounded up to the minute; the date too if not today."""
    local = timezone.localtime(moment)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    if local.date() == timezone.localtime(now).date():
        return local.strftime("%H:%M")
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request``: ``REMOTE_ADDR``, unless that is a
    trusted reverse proxy, when it is the right-most address in ``X-Forwarded-For`` that
    is not a trusted proxy (addresses further left are whatever the client claimed).
    An IPv6 client is its /64 network: one subscriber holds all of it."""
    remote = request.META.get("REMOTE_ADDR", "")
    client = _address(remote)
    if client is None:
        return remote[:MAX_SUBJECT]
    networks = trusted_networks(tuple(settings.HOTLINE_TRUSTED_PROXIES))
    if _is_trusted(client, networks):
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        for hop in reversed(hops):
            seen = _address(hop)
            if seen is None:
                break  # a malformed entry: no address further left can be believed
            client = seen
            if not _is_trusted(seen, networks):
                break
    if client.version == 6:
        return str(ipaddress.ip_network(f"{client}/64", strict=False))
    return str(client)


Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == n.version and address in n for n in networks)


@lru_cache(maxsize=8)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """``HOTLINE_TRUSTED_PROXIES`` parsed; ValueError names an entry that is not an IP or CIDR."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(entry) from exc
    return tuple(networks)
