"""What every console list shares beyond one page of it (``common.paginate`` and
``common.pager``): the tab or filter chosen in the query, and the refusal shown beside the
row of the ticket an action was refused on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest

Rows = list[dict[str, Any]]


def chosen(request: HttpRequest, key: str, choices: Iterable[str], default: str, given: str = "") -> str:
    """``given`` (a view re-rendering one tab) or else the query's ``key``, if it is one of
    ``choices``; otherwise ``default``."""
    value = given or request.GET.get(key, "")
    return value if value in choices else default


def with_refusals(rows: Rows, errors: dict[str, str] | None) -> Rows:
    """Each row (a ticket ``t`` and what the list shows of it) gets its ``error``: why the
    action just tried on that ticket was refused, or ""."""
    for row in rows:
        row["error"] = (errors or {}).get(row["t"].number, "")
    return rows
