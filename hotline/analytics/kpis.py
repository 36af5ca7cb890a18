"""The KPIs of the 12345 platform: every definition in one module.

Each ticket contributes a set of **counters** (``TicketFacts``) to one (day, unit):
the day it was accepted (受理日期, Beijing time) and its **responsible unit** — the
ticket's current lead unit (主办单位), or the centre (unit 0) while it has none. A KPI
over a period is a ratio of two counters summed over the days of the period; the
counters are kept as daily rollups, so a month for every unit is one small GROUP BY.

The rules (docs/kpis.md explains them for people):
- *on time* means at or before the deadline **as it stands on the ticket**: a deadline
  starts at dispatch (not sign-on), an approved extension (延期) moves the resolution
  deadline, a suspension (挂起) freezes the clock and resuming moves every open deadline
  by the frozen working time — so neither an approved extension nor a suspension makes
  a ticket late. A re-dispatch or sub-dispatch (下派) gives the new unit a new sign-on
  deadline; re-handling (重办) after a dissatisfied callback gives a new resolution limit.
- a ticket without a deadline of that kind (no policy) is on time once the step is done.
- the cohort is the acceptance day: a ticket accepted in March counts in March's figures
  even when it is resolved in April (the figures of March keep improving until then).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from hotline.analytics.models import COUNTER_NAMES
from hotline.tickets.events import is_dispatch, review_passed
from hotline.tickets.models import Satisfaction, State

CLOSED_BY_UNIT = (State.REPORTED, State.AWAITING_CALLBACK, State.ARCHIVED)
NOT_VALID = (State.REJECTED, State.TRANSFERRED, State.MERGED)
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY)

# Counter → (中文名, what is counted). The unit of every counter is one ticket, except
# ``reviewed``/``review_passed`` (review events) and ``handling_seconds`` (seconds).
COUNTERS: dict[str, tuple[str, str]] = {
    "received": ("受理量", "受理的工单(含不予受理、转110、合并)"),
    "valid": ("有效工单量", "受理后未被不予受理、转110或合并的工单"),
    "dispatched": ("派单量", "派过单的工单"),
    "signed": ("已签收", "当前主办单位已签收的派单工单"),
    "signed_on_time": ("按时签收", "当前主办单位在签收时限内签收"),
    "feedback_on_time": ("按时反馈", "首次反馈(阶段反馈或办结反馈)在首次反馈时限内"),
    "responded_on_time": ("按时响应", "按时签收且按时首次反馈"),
    "resolved": ("办结量", "派单后已办结反馈(待审核、待回访或已归档)"),
    "resolved_on_time": ("按期办结", "办结时间不晚于办结时限(含已批准的延期、挂起顺延)"),
    "resolved_late": ("超期办结", "办结时间晚于办结时限"),
    "handling_seconds": ("办理总时长(秒)", "已办结派单工单从受理到办结的秒数之和"),
    "callback_due": ("应回访", "进入过待回访状态的工单"),
    "callback_done": ("已回访", "有过回访记录(含未接通)或因联系不上/拒访归档的工单"),
    "callback_reached": ("回访接通", "回访接通并记录了满意度的工单(以最后一次回访为准)"),
    "satisfied": ("满意", "最后一次回访为满意或基本满意"),
    "solved": ("已解决", "最后一次回访市民认为已解决"),
    "reviewed": ("审核次数", "质检审核的次数"),
    "review_passed": ("审核通过次数", "质检审核通过的次数"),
    "first_time_right": ("一次派准", "只派过一次单、从未被退单或改派的工单"),
    "returned": ("被退单", "至少被退单一次的工单"),
    "repeat": ("重复诉求", "市民就同一诉求再次来电来信(追加或合并进来)的工单"),
    "rehandled": ("重办", "因回访不满意被退回重办过的工单"),
    "urged": ("被催办", "至少被催办一次的工单"),
    "supervised": ("被督办", "至少被督办一次的工单"),
}
assert tuple(COUNTERS) == COUNTER_NAMES


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    numerator: str
    denominator: str | None  # None: a plain count (or, for averages, see ``scale``)
    note: str
    # Multiply the ratio by this (100 for a percentage, 1/3600 for hours).
    scale: float = 100.0
    unit: str = "%"


KPIS: dict[str, Kpi] = {
    k.key: k
    for k in (
        # The study's five rates (the assessment of each unit).
        Kpi("sign_rate", "签收率", "signed_on_time", "dispatched", "按时签收 / 派单量"),
        Kpi("feedback_rate", "反馈率", "feedback_on_time", "dispatched", "按时首次反馈 / 派单量"),
        Kpi("resolution_rate", "办结率", "resolved", "dispatched", "办结量 / 派单量"),
        Kpi("callback_rate", "回访率", "callback_done", "callback_due", "已回访 / 应回访"),
        Kpi("quality_rate", "质量合格率", "review_passed", "reviewed", "审核通过次数 / 审核次数"),
        # Beijing's 三率.
        Kpi("response_rate", "响应率", "responded_on_time", "dispatched", "按时签收且按时反馈 / 派单量"),
        Kpi("solve_rate", "解决率", "solved", "callback_reached", "已解决 / 回访接通"),
        Kpi("satisfaction_rate", "满意率", "satisfied", "callback_reached", "满意+基本满意 / 回访接通"),
        # Others.
        Kpi("ontime_resolution_rate", "按期办结率", "resolved_on_time", "resolved", "按期办结 / 办结量"),
        Kpi("first_time_right_rate", "一次派单准确率", "first_time_right", "dispatched", "一次派准 / 派单量"),
        Kpi("repeat_rate", "重复诉求率", "repeat", "valid", "重复诉求 / 有效工单量"),
        Kpi("rehandle_rate", "重办率", "rehandled", "resolved", "重办 / 办结量"),
        Kpi("volume", "受理量", "received", None, "受理的工单数", scale=1, unit="件"),
        Kpi("dispatched", "派单量", "dispatched", None, "派过单的工单数", scale=1, unit="件"),
        Kpi("resolved_late", "超期办结", "resolved_late", None, "办结晚于时限的工单数", scale=1, unit="件"),
        Kpi(
            "avg_handling_hours",
            "平均办理时长",
            "handling_seconds",
            "resolved",
            "办理总时长 / 办结量(受理至办结,小时)",
            scale=1 / 3600,
            unit="小时",
        ),
    )
}
# The assessment score used to rank units: the mean of the study's five rates.
SCORE_KPIS = ("sign_rate", "feedback_rate", "resolution_rate", "callback_rate", "quality_rate")
# Counted live from the open tickets (they depend on "now", so they cannot be rolled up).
LIVE_KPIS = {"overdue_open": "当前超期未办结", "sign_overdue_open": "当前超时未签收"}


def value(kpi: Kpi, counters: Mapping[str, int]) -> float | None:
    """The KPI's value from summed counters; None when its denominator is zero."""
    num = counters.get(kpi.numerator, 0) or 0
    if kpi.denominator is None:
        return float(num) * kpi.scale
    den = counters.get(kpi.denominator, 0) or 0
    if not den:
        return None
    return round(num / den * kpi.scale, 2)


def score(counters: Mapping[str, int]) -> float | None:
    values = [v for k in SCORE_KPIS if (v := value(KPIS[k], counters)) is not None]
    return round(sum(values) / len(values), 2) if values else None


# ---------------------------------------------------------------------------------------
# The facts of one ticket


@dataclass(frozen=True)
class EventRow:
    action: str
    to_state: str
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class LeadShare:
    signed_at: datetime | None


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _iso(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def facts_of(
    ticket: Any, events: Iterable[EventRow], lead: LeadShare | None, merged_in: int
) -> tuple[date, int, dict[str, int]]:
    """(day, unit id, counters) of one ticket, from its row, its events, its current
    active lead assignment and the number of tickets merged into it.

    A pure function: the rollups follower (``rollups.count_change``) and the full
    recomputation both call it, which is why the rollups equal a recomputation.
    """
    ev = list(events)
    c = dict.fromkeys(COUNTER_NAMES, 0)
    c["received"] = 1
    c["valid"] = int(ticket.state not in NOT_VALID)
    dispatched = ticket.dispatched_at is not None
    c["dispatched"] = int(dispatched)
    if dispatched:
        signed_at = lead.signed_at if lead is not None and ticket.state != State.RETURNED else None
        c["signed"] = int(signed_at is not None)
        c["signed_on_time"] = int(
            signed_at is not None and (ticket.sign_deadline is None or signed_at <= ticket.sign_deadline)
        )
        feedback_at = _iso((ticket.sla or {}).get("feedback_at"))
        c["feedback_on_time"] = int(
            feedback_at is not None
            and (ticket.feedback_deadline is None or feedback_at <= ticket.feedback_deadline)
        )
        c["responded_on_time"] = c["signed_on_time"] & c["feedback_on_time"]
        if ticket.closed_at is not None and ticket.state in CLOSED_BY_UNIT:
            c["resolved"] = 1
            on_time = ticket.resolve_deadline is None or ticket.closed_at <= ticket.resolve_deadline
            c["resolved_on_time"] = int(on_time)
            c["resolved_late"] = int(not on_time)
            c["handling_seconds"] = max(0, int((ticket.closed_at - ticket.created_at).total_seconds()))
        sends = sum(1 for e in ev if is_dispatch(e.action, e.payload))
        returns = sum(1 for e in ev if e.action == "return")
        c["returned"] = int(returns > 0)
        c["first_time_right"] = int(sends == 1 and returns == 0)
    c["callback_due"] = int(any(e.to_state == State.AWAITING_CALLBACK for e in ev))
    c["callback_done"] = int(any(e.action in ("callback", "archive") for e in ev))
    reached = bool(ticket.satisfaction)
    c["callback_reached"] = int(reached)
    c["satisfied"] = int(reached and ticket.satisfaction in SATISFIED)
    c["solved"] = int(reached and ticket.resolved is True)
    reviews = [e for e in ev if e.action == "review"]
    c["reviewed"] = len(reviews)
    c["review_passed"] = sum(1 for e in reviews if review_passed(e.action, e.payload))
    # A repeat is a ticket the citizen came back about: a repeat ticket merged into it, or
    # a later contact added to it directly.
    c["repeat"] = int(merged_in > 0 or any(e.action == "add_contact" for e in ev))
    c["rehandled"] = int((ticket.rehandle_count or 0) > 0)
    c["urged"] = int((ticket.urge_count or 0) > 0)
    c["supervised"] = int((ticket.supervise_count or 0) > 0)
    return local_day(ticket.created_at), int(ticket.lead_unit_id or 0), c
