"""Bounds on what a client may ask for: a page number, a date, a span of days, the size
of a request.

Every API parameter of these kinds declares its range here (the OpenAPI shows it and a
value outside answers 422), so no request reaches the database with an offset or a date
it cannot hold; a body over its size is refused with 413 before it is read
(``web.middleware.limit_request_size``).
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

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
# How deep a JSON body may nest: every body of this API is a flat object (a list of unit
# codes at most); deeper is an attack on the parser, not a request.
MAX_DEPTH = 8
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def within_dates(day: date, field: str) -> date:
    """``day`` when it lies between EARLIEST and LATEST, else a 422 naming ``field``."""
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(field, f"日期须在 {EARLIEST.isoformat()} 至 {LATEST.isoformat()} 之间")
    return day


def clean_text(value: str) -> str:
    """Text as it may be stored: no NUL (PostgreSQL cannot hold it) and no lone UTF-16
    surrogate (no database can encode it), each replaced the way a browser shows it."""
    return _LONE_SURROGATE.sub("\ufffd", value.replace("\x00", ""))


def parse_json(raw: bytes) -> Any:
    """A JSON body with its text cleaned (``clean_text``, keys too); ``ValueError`` for
    one that is not UTF-8 JSON or that nests deeper than ``MAX_DEPTH``."""
    try:
        value = json.loads(raw)
    except RecursionError as exc:  # nested deeper than the parser's own stack
        raise ValueError("JSON nested too deeply") from exc
    return _cleaned(value)


def _cleaned(value: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise ValueError("JSON nested too deeply")
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_cleaned(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {clean_text(k): _cleaned(v, depth + 1) for k, v in value.items()}
    return value
