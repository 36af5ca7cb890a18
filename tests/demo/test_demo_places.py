"""The demo's places on the map (issue 14, item 2): every county, township and village
has a position inside the prefecture, the demo's tickets are located, and an older demo
gets its units' coordinates from ``hotline demo --if-empty``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from hotline.audit.chain import verify
from hotline.demo.geography import SEAT
from hotline.org.models import Level, Unit, UnitKind
from hotline.tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def run_demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_demo_places_have_positions_and_tickets_are_located() -> None:
    run_demo("--history", "40", "--seed", "5")
    places = Unit.objects.filter(
        kind=UnitKind.GOVERNMENT, level__in=(Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
    )
    assert places.count() > 50 and not places.filter(lat__isnull=True).exists()
    for lat, lng in places.values_list("lat", "lng"):
        assert abs(lat - SEAT[0]) < 1.0 and abs(lng - SEAT[1]) < 1.2  # inside the prefecture
    assert len(set(places.values_list("lat", "lng"))) == places.count()  # no two places on one spot
    named = Ticket.objects.exclude(address="")
    assert named.exists() and not named.filter(lat__isnull=True).exists()

    # An older demo: units without coordinates get them back, nothing else changes.
    before = list(Ticket.objects.order_by("pk").values_list("lat", "lng"))
    Unit.objects.filter(level=Level.VILLAGE).update(lat=None, lng=None)
    output = run_demo("--if-empty")
    assert "补全坐标" in output
    assert not Unit.objects.filter(lat__isnull=True).exists()
    assert list(Ticket.objects.order_by("pk").values_list("lat", "lng")) == before
    assert "补全坐标" not in run_demo("--if-empty")
    assert verify().ok
