"""The leader dashboard's figures: aggregate queries over a period, within a data scope.

The five assessment rates (五率), per unit, over the lead shares (主办) assigned to the
unit in the period ``[start, end)``; a share the centre withdrew (re-dispatch after a
return) is not counted:

* **签收率** (sign-on rate) = shares signed on time / shares dispatched. On time means
  ``signed_at`` ≤ the ticket's sign deadline (a ticket without a sign deadline counts
  as on time once signed).
* **反馈率** (feedback rate) = shares the unit gave feedback on (a 阶段反馈 ``progress``
  or 办结反馈 ``report`` event by that unit on the ticket) / shares it kept (dispatched
  minus shares passed down to a unit below, whose feedback is the lower unit's).
* **办结率** (resolution rate) = shares reported (办结反馈 given: ``reported_at`` set) /
  shares it kept.
* **回访率** (callback rate) = closed tickets with a completed callback (a ``callback``
  event with the citizen reached) / closed tickets — closed meaning the ticket passed
  review or was answered (``closed_at`` in the period and now awaiting callback or
  archived), counted against its lead unit.
* **质量合格率** (quality pass rate) = tickets whose result passed review the first time
  (reviewed in the period, no failed ``review`` event ever) / tickets reviewed in the
  period, counted against the lead unit.

A rate whose denominator is zero is shown as "—" and ranks last. The ranking's default
score is the mean of the rates a unit has.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import TruncDate

from hotline.audit.models import Event
from hotline.org.models import Unit
from hotline.org.scope import DataScope
from hotline.sla.calendar import BEIJING
from hotline.tickets.lifecycle import SWEEP_STATES
from hotline.tickets.models import Assignment, AssignmentRole, AssignmentStatus, State, Ticket
from hotline.tickets.selectors import scoped_tickets
from hotline.web.consoles.lights import overdue_q

RATES = {
    "sign": "签收率",
    "feedback": "反馈率",
    "resolve": "办结率",
    "callback": "回访率",
    "quality": "质量合格率",
}
MAP_POINTS = 1000


def _ratio(num: int, den: int) -> float | None:
    return round(100.0 * num / den, 1) if den else None


def unit_rates(scope: DataScope, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The five rates for every unit that had lead shares or closed tickets in the period (3 queries)."""
    shares = Assignment.objects.filter(role=AssignmentRole.LEAD, assigned_at__gte=start, assigned_at__lt=end)
    shares = shares.exclude(status=AssignmentStatus.WITHDRAWN)
    if not scope.everything:
        shares = shares.filter(unit_path__startswith=scope.unit_path)
    fed_back = Event.objects.filter(
        ticket_id=OuterRef("ticket_id"), actor_unit_id=OuterRef("unit_id"), action__in=["progress", "report"]
    )
    on_time = Q(signed_at__isnull=False) & (
        Q(ticket__sign_deadline__isnull=True) | Q(signed_at__lte=F("ticket__sign_deadline"))
    )
    kept = ~Q(status=AssignmentStatus.PASSED_DOWN)
    share_rows = (
        shares.annotate(fb=Exists(fed_back))
        .values("unit_id")
        .annotate(
            dispatched=Count("id"),
            signed_on_time=Count("id", filter=on_time),
            kept=Count("id", filter=kept),
            fed=Count("id", filter=kept & Q(fb=True)),
            reported=Count("id", filter=kept & Q(reported_at__isnull=False)),
        )
    )
    reached = Event.objects.filter(ticket_id=OuterRef("pk"), action="callback", payload__reached=True)
    closed_rows = (
        scoped_tickets(scope)
        .filter(
            closed_at__gte=start,
            closed_at__lt=end,
            state__in=[State.AWAITING_CALLBACK, State.ARCHIVED],
            lead_unit__isnull=False,
        )
        .annotate(called=Exists(reached))
        .values("lead_unit_id")
        .annotate(closed=Count("id"), called_back=Count("id", filter=Q(called=True)))
    )
    reviewed_in = Event.objects.filter(
        ticket_id=OuterRef("pk"), action="review", created_at__gte=start, created_at__lt=end
    )
    failed = Event.objects.filter(ticket_id=OuterRef("pk"), action="review", payload__passed=False)
    review_rows = (
        scoped_tickets(scope)
        .filter(Exists(reviewed_in), lead_unit__isnull=False)
        .annotate(failed=Exists(failed))
        .values("lead_unit_id")
        .annotate(reviewed=Count("id"), first_pass=Count("id", filter=Q(failed=False)))
    )
    acc: dict[int, dict[str, int]] = {}
    for rows, key in ((share_rows, "unit_id"), (closed_rows, "lead_unit_id"), (review_rows, "lead_unit_id")):
        for row in rows:
            values: dict[str, Any] = dict(row)
            acc.setdefault(int(values[key]), {}).update(values)
    units = {u.pk: u for u in scope.units().filter(pk__in=list(acc))}
    out = []
    for uid, r in acc.items():
        unit = units.get(uid)
        if unit is None:  # a unit outside the scope (e.g. the lead of a ticket the scope once held)
            continue
        rates = {
            "sign": _ratio(r.get("signed_on_time", 0), r.get("dispatched", 0)),
            "feedback": _ratio(r.get("fed", 0), r.get("kept", 0)),
            "resolve": _ratio(r.get("reported", 0), r.get("kept", 0)),
            "callback": _ratio(r.get("called_back", 0), r.get("closed", 0)),
            "quality": _ratio(r.get("first_pass", 0), r.get("reviewed", 0)),
        }
        have = [v for v in rates.values() if v is not None]
        out.append(
            {
                "unit": unit,
                "code": unit.code,
                "name": unit.name,
                "dispatched": r.get("dispatched", 0),
                "rates": rates,
                "rate_list": [rates[k] for k in RATES],
                "score": round(sum(have) / len(have), 1) if have else None,
            }
        )
    return out


def rank(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    def value(r: dict[str, Any]) -> float:
        v = r["score"] if key == "score" else r["rates"].get(key)
        return -1.0 if v is None else float(v)

    ranked = sorted(rows, key=lambda r: (-value(r), -r["dispatched"], r["name"]))
    for i, r in enumerate(ranked, 1):
        r["rank"] = i
    return ranked


def daily_volume(scope: DataScope, start: datetime, end: datetime) -> list[list[Any]]:
    rows = (
        scoped_tickets(scope)
        .filter(created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at", tzinfo=BEIJING))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    counts = {r["day"]: r["n"] for r in rows}
    first = start.astimezone(BEIJING).date()
    last = (end - timedelta(microseconds=1)).astimezone(BEIJING).date()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return [[d.isoformat(), counts.get(d, 0)] for d in days]


def mix(scope: DataScope, start: datetime, end: datetime, field: str, top: int = 10) -> list[list[Any]]:
    rows = (
        scoped_tickets(scope)
        .filter(created_at__gte=start, created_at__lt=end)
        .values(field)
        .annotate(n=Count("id"))
        .order_by("-n", field)[:top]
    )
    return [[r[field] or "未分类", r["n"]] for r in rows]


def hotspots(scope: DataScope, now: datetime, field: str, top: int = 10) -> list[dict[str, Any]]:
    """Top ``field`` values by count in the last 7 days, with the previous 7 days beside them."""
    week = now - timedelta(days=7)
    rows = (
        scoped_tickets(scope)
        .filter(created_at__gte=now - timedelta(days=14), created_at__lt=now)
        .exclude(**{f"{field}__isnull": True})
        .values(field)
        .annotate(
            recent=Count("id", filter=Q(created_at__gte=week)),
            before=Count("id", filter=Q(created_at__lt=week)),
        )
        .filter(recent__gt=0)
        .order_by("-recent", field)[:top]
    )
    out = []
    for r in rows:
        change = r["recent"] - r["before"]
        out.append(
            {
                "label": r[field] or "未识别",
                "recent": r["recent"],
                "before": r["before"],
                "change": change,
                "pct": _ratio(change, r["before"]),
            }
        )
    return out


def overdue_by_unit(scope: DataScope, now: datetime) -> tuple[int, dict[int, int]]:
    rows = (
        scoped_tickets(scope)
        .filter(overdue_q(now), state__in=list(SWEEP_STATES))
        .values("lead_unit_id")
        .annotate(n=Count("id"))
    )
    by_unit = {r["lead_unit_id"]: r["n"] for r in rows}
    return sum(by_unit.values()), by_unit


def map_points(scope: DataScope, start: datetime, end: datetime) -> list[dict[str, Any]]:
    rows = (
        scoped_tickets(scope)
        .filter(created_at__gte=start, created_at__lt=end, lat__isnull=False, lng__isnull=False)
        .order_by("-created_at")
        .values("number", "title", "state", "lat", "lng")[:MAP_POINTS]
    )
    labels = dict(State.choices)
    return [
        {
            "n": r["number"],
            "t": r["title"],
            "s": labels.get(r["state"], r["state"]),
            "lat": r["lat"],
            "lng": r["lng"],
        }
        for r in rows
    ]


def boundaries(scope: DataScope, limit: int = 300) -> list[dict[str, Any]]:
    """Unit boundaries (GeoJSON) in scope, if the routing app has any."""
    try:
        from hotline.routing.models import Boundary
    except ImportError:
        return []
    qs = Boundary.objects.select_related("unit")
    if not scope.everything:
        qs = qs.filter(unit__path__startswith=scope.unit_path)
    return [{"name": b.unit.name, "geojson": b.geojson} for b in qs.order_by("unit__path")[:limit]]


def units_named(ids: list[int]) -> dict[int, Unit]:
    return {u.pk: u for u in Unit.objects.filter(pk__in=ids)}


def ticket_total(scope: DataScope, start: datetime, end: datetime) -> int:
    return scoped_tickets(scope).filter(created_at__gte=start, created_at__lt=end).count()


__all__ = ["RATES", "Ticket", "daily_volume", "hotspots", "mix", "overdue_by_unit", "rank", "unit_rates"]
