"""Open311 GeoReport v2 at /open311/v2/: the civic-request standard of 311 systems, an
adapter onto the one intake path (``hotline.tickets.intake.take_in``)."""
