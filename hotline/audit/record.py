"""Recording an act in the audit chain, from the actor who performed it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from hotline.audit import chain
from hotline.audit.models import Event
from hotline.org.actor import Actor

if TYPE_CHECKING:
    from hotline.tickets.models import Ticket


def record(
    *,
    action: str,
    ticket: Ticket | None,
    actor: Actor,
    from_state: str = "",
    to_state: str = "",
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
    state_digest: str | None = None,
) -> Event:
    """Append the event of one act. Call inside the transaction that makes the change.

    Lifecycle actions do not call this directly: ``tickets.actions.base.perform`` does,
    and then runs the followers of the change (``tickets.followers``). A ticket event
    passes ``state_digest``, its commitment to the state it leaves behind
    (``tickets.commitment``)."""
    return chain.append(
        action=action,
        ticket=ticket,
        actor=actor.user,
        actor_role=actor.role,
        actor_unit=actor.unit,
        from_state=from_state,
        to_state=to_state,
        payload=payload,
        at=at,
        state_digest=state_digest,
    )
