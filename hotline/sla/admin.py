from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from hotline.sla import calendar
from hotline.sla.checks import uncovered_years
from hotline.sla.deadlines import invalidate_policies
from hotline.sla.editing import CalendarEditError, check_feasible, check_policy, record_config, set_day
from hotline.sla.models import CalendarDay, CalendarYear, Notification, Policy


class _CheckedForm(forms.ModelForm):
    """An admin form whose edit the calendar rules check: a refusal shows on the form."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            self.check_rules(data)
        except CalendarEditError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return data

    def check_rules(self, data: dict[str, Any]) -> None:
        """Raise ``CalendarEditError`` when the cleaned ``data`` would break a rule."""
        raise NotImplementedError


class CalendarDayForm(_CheckedForm):
    class Meta:
        model = CalendarDay
        fields = ("date", "is_workday", "name")

    def check_rules(self, data: dict[str, Any]) -> None:
        day, is_workday = data.get("date"), data.get("is_workday")
        if day is not None and is_workday is not None:
            exceptions = dict(
                CalendarDay.objects.exclude(pk=self.instance.pk).values_list("date", "is_workday")
            )
            exceptions[day] = bool(is_workday)
            check_feasible(exceptions)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    form = CalendarDayForm
    list_display = ("date", "is_workday", "name", "source")
    list_filter = ("is_workday", "source")
    date_hierarchy = "date"
    search_fields = ("name",)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        for year in uncovered_years():
            messages.warning(request, f"尚未维护 {year} 年的法定节假日与调休,该年暂按双休日计算时限。")
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        set_day(obj.date, is_workday=obj.is_workday, name=obj.name, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        set_day(obj.date, is_workday=obj.date.weekday() < 5, actor=request.user)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "source", "note")

    def save_model(self, request: HttpRequest, obj: CalendarYear, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        calendar.bump_revision()


class PolicyForm(_CheckedForm):
    class Meta:
        model = Policy
        fields = "__all__"

    def check_rules(self, data: dict[str, Any]) -> None:
        trial = Policy(**{k: v for k, v in data.items() if k in {f.name for f in Policy._meta.fields}})
        trial.pk = self.instance.pk
        check_policy(trial)


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    form = PolicyForm
    list_display = (
        "name",
        "type",
        "urgency",
        "sign_limit",
        "sign_unit",
        "resolve_limit",
        "resolve_unit",
        "active",
    )
    list_filter = ("active", "urgency")

    def save_model(self, request: HttpRequest, obj: Policy, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        invalidate_policies()
        record_config(request.user, "policy_edit", {"policy": obj.pk, "name": obj.name})


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "title", "read_at", "sent_at")
    list_filter = ("kind",)
    raw_id_fields = ("user", "ticket")
