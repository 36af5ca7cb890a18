"""Point-to-point dispatch (点对点派单): the duty catalogue, place resolution, ranked
suggestions with reasons, auto-dispatch, learning from dispatchers, and the
first-time-right rate.

Public functions (import lazily: this package is imported by the app registry)::

    from hotline.routing.suggest import suggest            # -> Suggestion
    from hotline.routing.auto import maybe_auto_dispatch   # -> Ticket | None
    from hotline.routing.catalogue import seed_duty_catalogue
    from hotline.routing.metrics import first_time_right
    from hotline.routing.places import resolve_place
"""

from __future__ import annotations

from typing import Any

__all__ = ["first_time_right", "maybe_auto_dispatch", "seed_duty_catalogue", "suggest"]


def __getattr__(name: str) -> Any:
    if name == "suggest":
        from hotline.routing.suggest import suggest

        return suggest
    if name == "maybe_auto_dispatch":
        from hotline.routing.auto import maybe_auto_dispatch

        return maybe_auto_dispatch
    if name == "seed_duty_catalogue":
        from hotline.routing.catalogue import seed_duty_catalogue

        return seed_duty_catalogue
    if name == "first_time_right":
        from hotline.routing.metrics import first_time_right

        return first_time_right
    raise AttributeError(name)
