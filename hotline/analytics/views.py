"""Pages and exports: the printable monthly report and Excel downloads.

Mounted at /analytics/ (``hotline.analytics.urls``). Every view reads through the
signed-in user's data scope.
"""

from __future__ import annotations

import io
from datetime import datetime, time
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.styles import Font

from hotline.analytics import queries
from hotline.analytics.hotspots import Window, find_hotspots
from hotline.analytics.kpis import COUNTERS, KPIS, LIVE_KPIS
from hotline.errors import ActionError
from hotline.org.models import Level
from hotline.org.scope import DataScope
from hotline.tickets.models import State, Ticket

LEVEL_LABELS = dict(Level.choices)
STATE_LABELS = dict(State.choices)
REPORT_KPIS = (
    "sign_rate",
    "feedback_rate",
    "resolution_rate",
    "callback_rate",
    "quality_rate",
    "response_rate",
    "solve_rate",
    "satisfaction_rate",
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _error(request: HttpRequest, exc: ActionError) -> HttpResponse:
    # These are pages and downloads a person opens: a bad period is a page saying so.
    return render(
        request,
        "web/error.html",
        {
            "status": exc.status,
            "title": "无权访问" if exc.status == 403 else "查询条件有误",
            "message": exc.message,
        },
        status=exc.status,
    )


def _period(request: HttpRequest) -> queries.Period:
    g = request.GET
    return queries.parse_period(g.get("period", ""), g.get("start", ""), g.get("end", ""))


def _aware(day: Any, end: bool = False) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """月度报告: volumes, the rates, rankings per level, hotspots and typical cases."""
    try:
        period = _period(request)
        scope = DataScope.of(request.user)  # type: ignore[arg-type]
        rows = queries.kpi_rows(scope, period)
        total = queries.total_row(rows)
        rankings = {
            LEVEL_LABELS[lv]: [r for r in queries.ranking(scope, lv, period) if r.rank is not None][:15]
            for lv in (Level.COUNTY, Level.TOWNSHIP)
        }
    except ActionError as exc:
        return _error(request, exc)
    # The report's own dates: its hotspots are of the period, and say so.
    window = Window.of(as_of=_aware(period.end, end=True), start=_aware(period.start))
    spots = find_hotspots(scope, as_of=window.end, start=window.start, top=10)
    typical_numbers = [h.tickets[-1] for h in spots[:5]]
    typical = list(
        Ticket.objects.filter(number__in=typical_numbers).select_related("lead_unit").order_by("-created_at")
    )
    series = queries.daily_series(scope, period)
    context = {
        "period": period,
        "total": total,
        "kpis": [(KPIS[k].label, total.kpis[k], KPIS[k].note) for k in REPORT_KPIS],
        "score": total.score,
        "rankings": rankings,
        "hotspots": spots,
        "hotspot_window": window,
        "typical": typical,
        "state_labels": STATE_LABELS,
        "chart": (
            {
                "days": [s["day"][5:] for s in series],
                "received": [s["received"] for s in series],
                "resolved": [s["resolved"] for s in series],
                "ranking": {
                    name: {"units": [r.name for r in rs], "scores": [r.score for r in rs]}
                    for name, rs in rankings.items()
                },
                "rates": {
                    "labels": [KPIS[k].label for k in REPORT_KPIS],
                    "values": [total.kpis[k] for k in REPORT_KPIS],
                },
            }
        ),
        "live": [(label, total.live.get(k, 0)) for k, label in LIVE_KPIS.items()],
    }
    return render(request, "analytics/report.html", context)


def _workbook(title: str, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    """The rows as an .xlsx download named ``title`` (Chinese: RFC 5987 ``filename*``)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title[:31]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for i, name in enumerate(header, 1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(10, len(name) * 2 + 2)
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(buf.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"{title}.xlsx")
    return response


@login_required
def export_kpis(request: HttpRequest) -> HttpResponse:
    """考核指标表 → .xlsx (中文表头): one row per unit, every KPI, then every counter."""
    try:
        period = _period(request)
        scope = DataScope.of(request.user)  # type: ignore[arg-type]
        level = request.GET.get("level", "")
        subtree = request.GET.get("subtree", "") in ("1", "true", "on")
        if request.GET.get("ranking") and level:
            rows = queries.ranking(scope, level, period, request.GET.get("kpi", "score"), subtree=subtree)
        else:
            rows = queries.kpi_rows(
                scope, period, level=level, unit=request.GET.get("unit", ""), subtree=subtree
            )
    except ActionError as exc:
        return _error(request, exc)
    header = ["排名", "单位编码", "单位名称", "层级", "综合得分"]
    header += [f"{k.label}({k.unit})" for k in KPIS.values()]
    header += list(LIVE_KPIS.values()) + [label for label, _ in COUNTERS.values()]
    body = [
        [r.rank, r.code, r.name, LEVEL_LABELS.get(r.level, r.level), r.score]
        + [r.kpis.get(k) for k in KPIS]
        + [r.live.get(k, 0) for k in LIVE_KPIS]
        + [r.counters[k] for k in COUNTERS]
        for r in [*rows, queries.total_row(rows)]
    ]
    return _workbook(f"考核指标_{period.start:%Y%m%d}-{period.end:%Y%m%d}", header, body)


@login_required
def export_drill(request: HttpRequest) -> HttpResponse:
    """指标穿透工单清单 → .xlsx (all pages)."""
    try:
        period = _period(request)
        scope = DataScope.of(request.user)  # type: ignore[arg-type]
        kpi, unit, part = (
            request.GET.get("kpi", ""),
            request.GET.get("unit", ""),
            request.GET.get("part", "numerator"),
        )
        numbers: list[str] = []
        page = 1
        while True:
            d = queries.drill(
                scope,
                kpi,
                period,
                unit=unit,
                part=part,
                page=page,
                subtree=request.GET.get("subtree") in ("1", "true"),
            )
            numbers += d.numbers
            if len(numbers) >= d.total or not d.numbers or len(numbers) >= 100_000:
                break
            page += 1
    except ActionError as exc:
        return _error(request, exc)
    tickets = {t.number: t for t in Ticket.objects.filter(number__in=numbers).select_related("lead_unit")}
    body = []
    for n in numbers:
        t = tickets[n]
        body.append(
            [
                t.number,
                t.title,
                timezone.localtime(t.created_at).strftime("%Y-%m-%d %H:%M"),
                t.type,
                t.topic,
                STATE_LABELS.get(t.state, t.state),
                t.lead_unit.name if t.lead_unit else "",
                timezone.localtime(t.closed_at).strftime("%Y-%m-%d %H:%M") if t.closed_at else "",
            ]
        )
    header = ["工单编号", "标题", "受理时间", "诉求类型", "诉求分类", "状态", "主办单位", "办结时间"]
    return _workbook(
        f"工单清单_{_drill_name(kpi, part)}_{period.start:%Y%m%d}-{period.end:%Y%m%d}", header, body
    )


def _drill_name(kpi: str, part: str) -> str:
    """What a drill list holds, as its file name says it: 签收率_按时签收, 签收率_派单量."""
    metric = KPIS.get(kpi)
    key = ((metric.denominator if part == "denominator" else metric.numerator) if metric else kpi) or kpi
    counted = COUNTERS[key][0] if key in COUNTERS else key
    return f"{metric.label}_{counted}" if metric else counted
