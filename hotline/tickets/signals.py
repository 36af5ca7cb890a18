"""``ticket_changed`` is sent inside the action's transaction, after its event is recorded.

Receivers (routing feedback, analytics rollups, notifications) write in the same
transaction, so they commit or roll back with the change. They must be quick and must
not call actions themselves.
"""

from __future__ import annotations

from django.dispatch import Signal

# kwargs: ticket (Ticket, saved), action (str), from_state (str), event (audit Event), actor (Actor)
ticket_changed = Signal()
