"""Point-to-point dispatch (点对点派单): the duty catalogue, place resolution, ranked
suggestions with reasons, auto-dispatch, learning from dispatchers, and the
first-time-right rate.

Public functions, imported from their modules::

    from hotline.routing.suggest import suggest            # -> Suggestion (a pure read)
    from hotline.routing.suggest import record_suggestion  # remember what was suggested
    from hotline.routing.auto import maybe_auto_dispatch   # -> Ticket | None
    from hotline.routing.catalogue import seed_duty_catalogue
    from hotline.routing.metrics import first_time_right
    from hotline.routing.locate import resolve_place
"""
