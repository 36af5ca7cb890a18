"""``{% map_picker form %}``: the map picker of the intake and portal pages (the
partial ``web/_map_picker.html`` and ``web/map_picker.js``).

The citizen or the operator may mark where it happened; the point goes into the form's
hidden ``lat``/``lng`` fields and becomes the ticket's position (``NewContact.lat``).
The map uses the administrator's tiles (``HOTLINE_MAP_TILES``) or, without them, a plain
background with the counties' and townships' names where they lie.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from hotline.org.models import Level, Unit, UnitKind

register = template.Library()
MAX_LABELS = 400


def place_labels() -> list[dict[str, Any]]:
    """The counties' and townships' names and positions (public: the place names only)."""
    rows = (
        Unit.objects.filter(
            kind=UnitKind.GOVERNMENT,
            active=True,
            level__in=(Level.COUNTY, Level.TOWNSHIP),
            lat__isnull=False,
            lng__isnull=False,
        )
        .exclude(area="")
        .order_by("path")
        .values("area", "level", "lat", "lng")[:MAX_LABELS]
    )
    return [{"name": r["area"], "level": r["level"], "lat": r["lat"], "lng": r["lng"]} for r in rows]


@register.inclusion_tag("web/_map_picker.html")
def map_picker(form: Any) -> dict[str, Any]:
    return {
        "form": form,
        "picker": {"tiles": settings.HOTLINE_MAP_TILES.strip(), "labels": place_labels()},
    }
