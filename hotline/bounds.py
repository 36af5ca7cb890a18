"""Bounds on what a client may ask for: a page number, a date, a span of days, the size
of a request.

Every API parameter of these kinds declares its range here (the OpenAPI shows it and a
value outside answers 422), so no request reaches the database with an offset or a date
it cannot hold; a body over its size is refused with 413 before it is read
(``web.middleware.limit_request_size``).
"""

from __future__ import annotations

from datetime import date

from hotline.errors import InvalidInput

MAX_PAGE = 10_000
# Dates a figure or a search may name: from before the first 12345 hotline to far ahead.
EARLIEST = date(1990, 1, 1)
LATEST = date(2099, 12, 31)
MAX_DAYS = 3660  # a window of ten years

MB = 1024 * 1024
# A body that is not an upload (JSON, a form): every one of ours is a few kilobytes.
MAX_BODY_BYTES = 1 * MB
# One attached file (the portal's photo), and a whole multipart body: the file, the
# form's fields and the multipart framing.
MAX_FILE_BYTES = 5 * MB
MAX_UPLOAD_BYTES = MAX_FILE_BYTES + MAX_BODY_BYTES
MAX_FILES = 4


def within_dates(day: date, field: str) -> date:
    """``day`` when it lies between EARLIEST and LATEST, else a 422 naming ``field``."""
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(field, f"日期须在 {EARLIEST.isoformat()} 至 {LATEST.isoformat()} 之间")
    return day
