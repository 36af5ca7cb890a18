"""找工单 (/search/): the staff search over tickets in the user's data scope, their saved
filters (常用筛选), and bulk actions on the tickets found.

The query is ``tickets.search``'s (parse, then one scoped query); this module renders it.
A bulk action is the one action taken N times, each ticket its own transaction
(``actions.ACTIONS``), and the page reports each ticket: done, or refused with the
action's own zh-CN reason. Only the actions of the user's role are offered, as the
lifecycle table says (``TRANSITIONS[...].roles``).
"""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from hotline import clock
from hotline.errors import ActionError, Conflict
from hotline.org.models import User
from hotline.org.scope import DataScope
from hotline.tickets import search
from hotline.tickets.actions import ACTIONS
from hotline.tickets.lifecycle import TRANSITIONS
from hotline.tickets.models import ArchiveReason, Channel, State
from hotline.tickets.privacy import record_search
from hotline.tickets.selectors import scoped_tickets
from hotline.web.consoles.lights import earliest_deadline, light_of
from hotline.web.models import SavedFilter
from hotline.web.views.common import actor_of, error_page

# The actions a role repeats over a list, and what the bulk form asks for each.
BULK_ACTIONS = {"urge": "批量催办", "dispatch": "批量派单(同一主办单位)", "archive": "批量归档"}
BULK_LIMIT = 50
MAX_SAVED = 30
STALE = "该工单已被他人更新(列表已过期),本次未执行,请重新查询后再操作"


def _me(request: HttpRequest) -> User:
    return cast(User, request.user)


def bulk_actions_of(user: User) -> list[tuple[str, str]]:
    """The bulk actions ``user``'s role may take (the lifecycle table's roles)."""
    return [(name, label) for name, label in BULK_ACTIONS.items() if user.role in TRANSITIONS[name].roles]


def _query_of(params: QueryDict) -> str:
    """The search fields of ``params`` as a query string (paging and the rest dropped)."""
    pairs = [(k, v) for k in search.KEYS for v in params.getlist(k) if v.strip()]
    return urlencode(pairs)


def render_search(
    request: HttpRequest, *, status: int = 200, bulk: list[dict[str, Any]] | None = None
) -> HttpResponse:
    user = _me(request)
    errors: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    next_token = ""
    criteria = search.Criteria()
    try:
        criteria = search.parse(request.GET)
        after = search.parse_cursor(request.GET.get("after", ""))
        # The unit filter is checked against the scope as the query is built.
        result = search.search(DataScope.of(user), criteria, after=after)
    except search.SearchRefused as exc:
        errors, status = exc.errors, 400
    else:
        record_search(
            actor_of(request),
            source="search_page",
            phone=criteria.phone,
            name=criteria.name,
            found=len(result.items),
            more=result.next is not None,
        )
        now = clock.now()
        rows = [
            {
                "t": t,
                "excerpt": search.excerpt(t),
                "light": light_of(t, now),
                "deadline": earliest_deadline(t),
            }
            for t in result.items
        ]
        next_token = result.next.token() if result.next else ""
    query = _query_of(request.GET)
    context = {
        "form": {k: request.GET.get(k, "") for k in search.KEYS},
        "chosen_states": set(request.GET.getlist("state")),
        "states": State.choices,
        "channels": Channel.choices,
        "errors": errors,
        "rows": rows,
        "described": search.describe(criteria) if not errors else "",
        "query": query,
        "next_token": next_token,
        "paged": bool(request.GET.get("after")),
        "saved": SavedFilter.objects.filter(user=user),
        "bulk_actions": bulk_actions_of(user),
        "archive_reasons": ArchiveReason.choices,
        "bulk": bulk,
    }
    return render(request, "web/search/search.html", context, status=status)


@require_GET
@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    return render_search(request)


@require_POST
@login_required
def save_filter(request: HttpRequest) -> HttpResponse:
    """常用筛选: keep the search as named; a second save under the same name replaces it."""
    user = _me(request)
    name = " ".join(request.POST.get("name", "").split())
    query = _query_of(QueryDict(request.POST.get("query", "")[:2000]))
    back = f"/search/?{query}"
    if not name or len(name) > 40:
        messages.error(request, "筛选名称须为 1 至 40 个字")
        return redirect(back)
    try:
        search.parse(QueryDict(query))
    except search.SearchRefused as exc:
        messages.error(request, f"查询条件有误,未保存:{exc.message}")
        return redirect(back)
    mine = SavedFilter.objects.filter(user=user)
    if not mine.filter(name=name).exists() and mine.count() >= MAX_SAVED:
        messages.error(request, f"最多保存 {MAX_SAVED} 个常用筛选,请先删除不用的")
        return redirect(back)
    SavedFilter.objects.update_or_create(user=user, name=name, defaults={"query": query})
    messages.success(request, f"已保存常用筛选「{name}」")
    return redirect(back)


@require_POST
@login_required
def delete_filter(request: HttpRequest, filter_id: int) -> HttpResponse:
    """Delete one of the user's own filters; anyone else's is not found (same answer)."""
    deleted, _ = SavedFilter.objects.filter(pk=filter_id, user=_me(request)).delete()
    if not deleted:
        return error_page(request, 404, "常用筛选不存在。")
    messages.success(request, "已删除常用筛选")
    return redirect("/search/")


def _bulk_kwargs(request: HttpRequest, action: str) -> dict[str, Any] | str:
    """The fields one bulk action shares across its tickets, or the refusal of them."""
    note = request.POST.get("note", "")
    if action == "urge":
        return {"note": note}
    if action == "dispatch":
        lead = (request.POST.get("lead_unit") or "").strip()
        return {"lead_unit": lead, "note": note} if lead else "请选择主办单位"
    reason = request.POST.get("reason", "")
    if reason not in ArchiveReason.values:
        return "请选择归档原因"
    return {"reason": reason, "note": note}


@require_POST
@login_required
def bulk_act(request: HttpRequest) -> HttpResponse:
    """One action on each selected ticket; the page lists what became of every one."""
    user = _me(request)
    action = request.POST.get("action", "")
    if action not in BULK_ACTIONS:
        messages.error(request, "请选择批量操作")
        return render_search(request, status=422)
    if action not in dict(bulk_actions_of(user)):
        return error_page(request, 403, "您的角色不能对工单执行该批量操作。")
    numbers = list(dict.fromkeys(n.strip() for n in request.POST.getlist("numbers") if n.strip()))
    if not numbers:
        messages.error(request, "请先勾选工单")
        return render_search(request, status=400)
    if len(numbers) > BULK_LIMIT:
        messages.error(request, f"一次最多批量处理 {BULK_LIMIT} 件")
        return render_search(request, status=400)
    kwargs = _bulk_kwargs(request, action)
    if isinstance(kwargs, str):
        messages.error(request, kwargs)
        return render_search(request, status=422)
    scope, actor = DataScope.of(user), actor_of(request)
    seen = set(scoped_tickets(scope).filter(number__in=numbers).values_list("number", flat=True))
    results = []
    for number in numbers:
        raw = (request.POST.get(f"version_{number}") or "").strip()
        if number not in seen:
            outcome = {"ok": False, "message": "工单不存在或不在您的数据范围内"}
        elif not raw.isdigit():
            outcome = {"ok": False, "message": "缺少版本号,请重新查询后再操作"}
        else:
            outcome = _one(action, actor, number, int(raw), kwargs)
        results.append({"number": number, **outcome})
    ok = sum(1 for r in results if r["ok"])
    label = TRANSITIONS[action].label
    summary = f"批量{label}:成功 {ok} 件,未执行 {len(results) - ok} 件"
    (messages.success if ok == len(results) else messages.warning)(request, summary)
    return render_search(request, bulk=results)


def _one(action: str, actor: Any, number: str, version: int, kwargs: dict[str, Any]) -> dict[str, Any]:
    """One ticket of a bulk action: its own call, its own transaction."""
    try:
        ACTIONS[action](actor, number, expected_version=version, **kwargs)
    except ActionError as exc:
        stale = isinstance(exc, Conflict) and exc.code == "stale"
        return {"ok": False, "message": STALE if stale else exc.message}
    return {"ok": True, "message": f"已{TRANSITIONS[action].label}"}
