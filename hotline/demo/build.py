"""Write the planned organisation to the database, fast.

Units are inserted in bulk with primary keys allocated here, so that each row's
materialised ``path`` ("<parent path><pk>/") is right on insert — ``Unit.save()``
would need two writes per unit. Afterwards the id sequence is moved past the last id
(PostgreSQL does not advance it for explicit ids). The demo password is hashed once and
the hash shared by every user.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TypeVar

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max

from hotline import clock
from hotline.demo.orgtree import DEMO_PASSWORD, OrgPlan
from hotline.org.models import Unit, User

BATCH = 2000
Progress = Callable[[int], None]
M = TypeVar("M", bound=models.Model)


def _noop(n: int) -> None:
    return None


def create_units(plan: OrgPlan, advance: Progress = _noop) -> dict[str, Unit]:
    """Insert every planned unit; returns them by code. Parents come before children."""
    next_pk = (Unit.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    by_code: dict[str, Unit] = {}

    def rows() -> Iterator[Unit]:
        for pk, spec in enumerate(plan.units, start=next_pk):
            parent = by_code[spec.parent] if spec.parent else None
            unit = Unit(
                id=pk,
                code=spec.code,
                name=spec.name,
                short_name=spec.short_name,
                level=spec.level,
                kind=spec.kind,
                parent=parent,
                path=f"{parent.path if parent else '/'}{pk}/",
                area=spec.area,
                duties=spec.duties,
                lat=spec.lat,
                lng=spec.lng,
            )
            by_code[spec.code] = unit
            yield unit

    _insert(Unit, rows(), advance)
    _reset_sequence(Unit)
    return by_code


def _insert(model: type[M], rows: Iterable[M], advance: Progress) -> None:
    """``bulk_create`` in batches of ``BATCH``, advancing the progress after each."""
    pending = iter(rows)
    while batch := list(islice(pending, BATCH)):
        model._default_manager.bulk_create(batch)
        advance(len(batch))


def _reset_sequence(model: type[Unit]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), [model])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def create_users(plan: OrgPlan, units: dict[str, Unit], advance: Progress = _noop) -> int:
    """Insert every planned user with the one demo password (hashed once)."""
    password = make_password(DEMO_PASSWORD)
    joined = clock.now()
    users = (
        User(
            username=spec.username,
            password=password,
            display_name=spec.display_name,
            role=spec.role,
            unit_id=units[spec.unit].pk,
            phone=spec.phone,
            is_staff=spec.is_staff,
            is_superuser=spec.is_superuser,
            date_joined=joined,
        )
        for spec in plan.users
    )
    _insert(User, users, advance)
    return len(plan.users)


def fill_coordinates(plan: OrgPlan) -> int:
    """Give the planned coordinates to the demo's units that have none (a demo loaded
    before units had coordinates); returns how many were filled. Units only: a ticket's
    own position is part of its recorded state, and the map takes its place's instead."""
    spots = {spec.code: (spec.lat, spec.lng) for spec in plan.units}
    missing = [u for u in Unit.objects.filter(lat__isnull=True).only("pk", "code") if u.code in spots]
    for unit in missing:
        unit.lat, unit.lng = spots[unit.code]
    Unit.objects.bulk_update(missing, ["lat", "lng"], batch_size=BATCH)
    return len(missing)
