"""Who performs an act on the platform: a user, the platform itself, or a citizen.

Every recorded act (a ticket action, a configuration change, a read of personal data)
names its actor; the actor's role and data scope decide what it may do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline.org.models import Role, Unit, User
from hotline.org.scope import DataScope

SYSTEM_ROLE = "system"
CITIZEN_ROLE = "citizen"
ROLE_LABELS = dict(Role.choices) | {SYSTEM_ROLE: "系统", CITIZEN_ROLE: "市民"}


@dataclass(frozen=True)
class Actor:
    """Who performs an action: a user, the platform itself (sweep), or a citizen."""

    user: User | None
    role: str
    unit: Unit | None
    scope: DataScope = field(compare=False)
    # A citizen who proved, through the public lookup, that this ticket is theirs: the
    # one ticket a citizen actor may act on (e.g. rate it). Staff actors have none.
    own_ticket: str | None = None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user=user, role=user.role, unit=user.unit, scope=DataScope.of(user))

    @classmethod
    def system(cls, unit: Unit | None = None) -> Actor:
        """The platform itself (sweep, imports); ``unit`` when it acts on a unit's behalf."""
        return cls(user=None, role=SYSTEM_ROLE, unit=unit, scope=DataScope(everything=True))

    @classmethod
    def citizen(cls, own_ticket: str | None = None) -> Actor:
        """A citizen: sees no unit's data; ``own_ticket`` once the lookup proved it theirs."""
        return cls(
            user=None,
            role=CITIZEN_ROLE,
            unit=None,
            scope=DataScope.nothing(),
            own_ticket=own_ticket,
        )

    @property
    def is_system(self) -> bool:
        return self.role == SYSTEM_ROLE

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)
