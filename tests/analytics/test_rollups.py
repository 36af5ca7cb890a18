"""The incremental rollups equal a full recomputation after any sequence of actions."""

from __future__ import annotations

import contextlib
import random
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.analytics import queries, rollups
from hotline.analytics.models import COUNTER_NAMES, DailyRollup, MonthlyRollup
from hotline.errors import ActionError
from hotline.org.models import Unit
from hotline.tickets import actions as a
from hotline.tickets.models import Assignment, Ticket
from tests.analytics.conftest import act, as_unit, bj, new

pytestmark = pytest.mark.django_db
LEADS = ["A-ZJ", "B-ZJ", "A", "B-LT"]


def _lead_actor(number: str) -> Any:
    share = Assignment.objects.filter(ticket__number=number, active=True, role="lead").order_by("-id").first()
    return as_unit(share.unit) if share else None


def _step(rng: random.Random, org: Any, numbers: list[str], when: Any) -> None:
    number = rng.choice(numbers)
    state = Ticket.objects.get(number=number).state
    lead = _lead_actor(number)
    d = org.dispatcher
    options: list[tuple[Any, Any, dict[str, Any]]] = {
        "accepted": [
            (a.dispatch, d, {"lead_unit": rng.choice(LEADS), "urgency": rng.choice(["紧急", "一般"])}),
            (a.answer, org.operator, {"answer": "已答复"}),
            (a.reject, org.operator, {"reason": "无效"}),
            (a.merge, org.operator, {"into": rng.choice(numbers)}),
        ],
        "dispatched": [(a.sign, lead, {}), (a.return_ticket, lead, {"reason": "非本单位"})]
        + ([(a.subdispatch, lead, {"unit": "A-CG"})] if lead and lead.unit.code == "A" else []),
        "returned": [
            (a.rule_return, d, {"decision": "redispatch", "lead_unit": rng.choice(LEADS)}),
            (a.rule_return, d, {"decision": "overrule", "reason": "属于你单位"}),
        ],
        "handling": [
            (a.progress, lead, {"note": "处理中"}),
            (a.report, lead, {"result": "已办结"}),
            (a.request_extension, lead, {"days": 2, "reason": "需协调"}),
            (a.decide_extension, d, {"approve": rng.random() < 0.5}),
            (a.suspend, d, {"reason": "等待鉴定"}),
            (a.urge, org.supervisor, {"note": "请加快"}),
        ],
        "suspended": [(a.resume, d, {})],
        "reported": [(a.review, org.reviewer, {"passed": rng.random() < 0.7, "comment": "材料不全"})],
        "awaiting_callback": [
            (
                a.callback,
                org.callback,
                {
                    "satisfaction": rng.choice(["satisfied", "basically_satisfied", "dissatisfied"]),
                    "resolved": rng.random() < 0.6,
                    "reached": rng.random() < 0.9,
                },
            ),
            (a.archive, org.callback, {"reason": "unreachable"}),
        ],
    }.get(state, [])
    if not options:
        return
    fn, who, kw = rng.choice(options)
    if who is None:
        return
    # A refused action leaves nothing behind, which is part of what is checked.
    with contextlib.suppress(ActionError):
        act(fn, who, number, when, **kw)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_histories_roll_up_exactly(org: Any, seed: int) -> None:
    rng = random.Random(seed)
    when = bj(2025, 3, 2, 8, 0)
    numbers: list[str] = []
    for _ in range(160):
        when += timedelta(minutes=rng.choice([5, 30, 90, 600, 1500]))
        if not numbers or rng.random() < 0.15:
            numbers.append(new(org, when, urgency=rng.choice(["紧急", "一般", "特急"])))
        else:
            _step(rng, org, numbers, when)
    checked, diffs = rollups.check()
    assert checked == len(numbers)
    assert diffs == []
    assert DailyRollup.objects.exists() and MonthlyRollup.objects.exists()
    # Any period — whole months from the month rows, the edges from the day rows — sums
    # what the day rows alone sum.
    for start, end in [
        ("2025-03-01", "2025-03-31"),
        ("2025-03-02", "2025-04-03"),
        ("2025-02-20", "2025-05-31"),
    ]:
        period = queries.parse_period(start=start, end=end)
        by_day: dict[int, dict[str, int]] = {}
        for row in DailyRollup.objects.filter(day__gte=period.start, day__lte=period.end).values():
            acc = by_day.setdefault(row["unit_id"], dict.fromkeys(COUNTER_NAMES, 0))
            for k in COUNTER_NAMES:
                acc[k] += row[k]
        assert queries.period_sums(period) == by_day, (start, end)
    # A ticket moved across a day boundary and across units still sums right.
    assert Unit.objects.filter(code__in=LEADS).count() == len(LEADS)


def test_check_command_fails_on_a_difference_and_rebuild_repairs(org: Any) -> None:
    number = new(org, bj(2025, 3, 3, 9, 0))
    act(a.dispatch, org.dispatcher, number, bj(2025, 3, 3, 9, 5), lead_unit="A-ZJ")
    call_command("analytics", "check")
    DailyRollup.objects.update(dispatched=7)
    with pytest.raises(CommandError):
        call_command("analytics", "check")
    call_command("analytics", "rebuild")
    call_command("analytics", "check")
    MonthlyRollup.objects.update(received=9)
    with pytest.raises(CommandError):
        call_command("analytics", "check")
    call_command("analytics", "rebuild")
    call_command("analytics", "check")
