"""Citizens' personal data: masked by default; a full read is recorded in the audit chain."""

from __future__ import annotations

from django.db import transaction

from hotline.audit.record import record
from hotline.errors import Forbidden
from hotline.org.actor import Actor
from hotline.org.models import Role
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
