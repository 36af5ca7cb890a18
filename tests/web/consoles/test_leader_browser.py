"""The leader's map and drill-down in the browser, on the demo prefecture (issue 14,
item 3): the demo map has markers; a ranking row opens the list of its tickets."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from hotline import clock
from hotline.analytics.models import TicketFacts
from hotline.demo.orgtree import DEMO_PASSWORD
from hotline.org.models import Unit
from hotline.tickets.models import Ticket
from hotline.web.consoles import metrics
from tests.web.conftest import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo() -> None:
    call_command("demo", "--history", "120", "--seed", "3", stdout=StringIO())


def test_demo_map_has_markers_and_a_ranking_row_drills_down(page: Any, demo: None) -> None:
    located = Ticket.objects.filter(lat__isnull=False).count()
    assert located > 0
    login(page, "leader", DEMO_PASSWORD)
    page.goto(f"{page.base_url}/leader/?level=county&min=2")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => window.hotlineMap !== undefined")
    markers = page.locator("#ticket-map path.ticket-point").count()
    assert markers == page.evaluate("() => window.hotlineMapPoints") and markers > 0
    assert page.locator("#ticket-map .leaflet-control-layers").is_visible()
    assert "HOTLINE_MAP_TILES" not in page.content()
    shot(page, "leader-demo-dashboard")
    page.locator("#ticket-map").scroll_into_view_if_needed()
    page.locator("#ticket-map").screenshot(
        path=str(shot(page, "leader-demo-map").with_name("leader-demo-map-only.png"))
    )

    first = page.locator("#rates-table tbody tr[data-unit]").first
    code = first.get_attribute("data-unit")
    first.locator("td:nth-child(2) a").click()
    page.wait_for_url(re.compile(r"/leader/tickets/\?"))
    unit = Unit.objects.get(code=code)
    period = metrics.period_of(clock.now(), 30)
    want = set(
        TicketFacts.objects.filter(
            unit_id=unit.pk, dispatched__gt=0, day__gte=period.start, day__lte=period.end
        ).values_list("ticket__number", flat=True)
    )
    assert want
    shown = set(page.locator("#drill-table tbody td:first-child a").all_inner_texts())
    assert shown == want if len(want) <= 20 else shown <= want
    assert unit.name in page.inner_text("#drill-filters")
    shot(page, "leader-demo-drill")
