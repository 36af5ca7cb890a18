"""What every console list shares: one page of its rows, the query its pager links keep,
and the refusal shown beside the row of the ticket an action was refused on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.core.paginator import Page as DjangoPage
from django.http import HttpRequest

PAGE_SIZE = 20
Rows = list[dict[str, Any]]


def paginate(request: HttpRequest, items: Any, param: str = "page", per_page: int = PAGE_SIZE) -> DjangoPage:
    """One page of a queryset (COUNT + LIMIT/OFFSET) or a list; bad page numbers → the nearest page."""
    paginator = Paginator(items, per_page)
    try:
        return paginator.page(request.GET.get(param) or 1)
    except PageNotAnInteger:
        return paginator.page(1)
    except EmptyPage:
        return paginator.page(paginator.num_pages)


def query_without(request: HttpRequest, *drop: str) -> str:
    """The current query string without ``drop`` keys, for building pager links."""
    params = [(k, v) for k, values in request.GET.lists() if k not in drop for v in values]
    return urlencode(params)


def chosen(request: HttpRequest, key: str, choices: Iterable[str], default: str, given: str = "") -> str:
    """``given`` (a view re-rendering one tab) or else the query's ``key``, if it is one of
    ``choices``; otherwise ``default``."""
    value = given or request.GET.get(key, "")
    return value if value in choices else default


def pager(request: HttpRequest, page: DjangoPage) -> dict[str, Any]:
    """The template's ``page`` and the ``pager_query`` its links keep (all but the page)."""
    return {"page": page, "pager_query": query_without(request, "page")}


def with_refusals(rows: Rows, errors: dict[str, str] | None) -> Rows:
    """Each row (a ticket ``t`` and what the list shows of it) gets its ``error``: why the
    action just tried on that ticket was refused, or ""."""
    for row in rows:
        row["error"] = (errors or {}).get(row["t"].number, "")
    return rows
