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


@dataclass(frozen=True)
class DataScope:
    everything: bool
    # The path prefix of the units in scope; unused when ``everything``.
    unit_path: str = ""

    @classmethod
    def of(cls, user: User) -> DataScope:
        if user.is_superuser:
            return cls(everything=True)
        unit = user.unit
        if unit is None:
            # A user attached to no unit sees nothing: a prefix that matches no path.
            return cls(everything=False, unit_path="\x00")
        if unit.level == Level.CENTRE and user.role in CENTRE_ROLES:
            return cls(everything=True)
        return cls(everything=False, unit_path=unit.path)

    def units(self, queryset: QuerySet[Unit] | None = None) -> QuerySet[Unit]:
        qs = Unit.objects.all() if queryset is None else queryset
        if self.everything:
            return qs
        return qs.filter(path__startswith=self.unit_path)

    def covers_unit(self, unit: Unit) -> bool:
        return self.everything or unit.path.startswith(self.unit_path)
