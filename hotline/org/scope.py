"""Data scope: what a user may see and act on.

A user of the 12345 centre (or a superuser) sees the whole platform. Any other user
sees their own unit and every unit below it — nothing beside or above. Every query
that lists units or tickets for a user goes through ``DataScope``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from hotline.org.models import Level, Role, Unit, User

# Roles whose work is the centre's: they act platform-wide when attached to the centre.
CENTRE_ROLES = frozenset(
    {Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.REVIEWER, Role.CALLBACK, Role.LEADER, Role.ADMIN}
)


# Unit paths all begin with "/" ("/1/7/42/"): no path starts with this one. (Not a NUL
# byte: PostgreSQL refuses those in text.)
NO_UNIT_PATH = "none"


@dataclass(frozen=True)
class DataScope:
    everything: bool
    # The path prefix of the units in scope; unused when ``everything``.
    unit_path: str = ""

    @classmethod
    def nothing(cls) -> DataScope:
        """The scope of a citizen or of a user attached to no unit: no unit's data."""
        return cls(everything=False, unit_path=NO_UNIT_PATH)

    @classmethod
    def of(cls, user: User) -> DataScope:
        if user.is_superuser:
            return cls(everything=True)
        unit = user.unit
        if unit is None:
            return cls.nothing()
        if unit.level == Level.CENTRE and user.role in CENTRE_ROLES:
            return cls(everything=True)
        return cls(everything=False, unit_path=unit.path)

    def units(self, queryset: QuerySet[Unit] | None = None) -> QuerySet[Unit]:
        qs = Unit.objects.all() if queryset is None else queryset
        if self.everything:
            return qs
        if self.unit_path == NO_UNIT_PATH:
            return qs.none()
        return qs.filter(path__startswith=self.unit_path)

    def covers_unit(self, unit: Unit) -> bool:
        return self.everything or unit.path.startswith(self.unit_path)
