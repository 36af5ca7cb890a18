"""Analytics tables: per-ticket KPI facts and the rollups built from them.

``TicketFacts`` holds, for every ticket, the counters it contributes to the KPIs (see
``hotline.analytics.kpis``) and the (day, unit) it is counted under. ``DailyRollup`` is
the sum of the facts per (day, unit): the table the KPI queries read; ``MonthlyRollup``
the same per (month, unit), for whole months. All three are kept in the action's
transaction by the rollups follower (``rollups.count_change``, see
``tickets.followers``), and ``hotline analytics check`` proves them equal to a
recomputation from the tickets and their events.
"""

from __future__ import annotations

from django.db import models

# The counters, in the order of the KPI definitions (kpis.COUNTERS documents each one).
COUNTER_NAMES = (
    "received",
    "valid",
    "dispatched",
    "signed",
    "signed_on_time",
    "feedback_on_time",
    "responded_on_time",
    "resolved",
    "resolved_on_time",
    "resolved_late",
    "handling_seconds",
    "callback_due",
    "callback_done",
    "callback_reached",
    "satisfied",
    "solved",
    "reviewed",
    "review_passed",
    "first_time_right",
    "returned",
    "repeat",
    "rehandled",
    "urged",
    "supervised",
)


def _counters() -> dict[str, models.Field]:
    return {name: models.BigIntegerField(default=0) for name in COUNTER_NAMES}


class _Counters(models.Model):
    class Meta:
        abstract = True


for _name, _field in _counters().items():
    _Counters.add_to_class(_name, _field)


class TicketFacts(_Counters):
    """One ticket's contribution to the rollups (0/1 flags, and seconds for durations)."""

    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="kpi_facts"
    )
    day = models.DateField("受理日期")
    # The responsible unit (the ticket's current lead unit); 0 = the centre itself.
    unit_id = models.BigIntegerField("责任单位", default=0)

    class Meta:
        verbose_name = "工单考核要素"
        verbose_name_plural = "工单考核要素"
        indexes = [models.Index(fields=["unit_id", "day"])]


class MonthlyRollup(_Counters):
    """Sum of ``TicketFacts`` per (month, unit), kept beside the daily rows: a month's
    KPIs read one row per unit instead of one per unit and day."""

    month = models.DateField("月份")  # the first day of the month
    unit_id = models.BigIntegerField("单位", default=0)

    class Meta:
        verbose_name = "考核月汇总"
        verbose_name_plural = "考核月汇总"
        constraints = [
            models.UniqueConstraint(fields=["month", "unit_id"], name="analytics_rollup_month_unit")
        ]


class DailyRollup(_Counters):
    """Sum of ``TicketFacts`` per (day, unit): what every KPI query reads."""

    day = models.DateField("日期")
    unit_id = models.BigIntegerField("单位", default=0)

    class Meta:
        verbose_name = "考核日汇总"
        verbose_name_plural = "考核日汇总"
        constraints = [models.UniqueConstraint(fields=["day", "unit_id"], name="analytics_rollup_day_unit")]
        indexes = [models.Index(fields=["unit_id", "day"])]
