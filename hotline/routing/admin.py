from __future__ import annotations

from django import forms
from django.contrib import admin

from hotline.routing.locate import parse_geojson
from hotline.routing.models import Boundary, DutyRule, RoutingFeedback, SuggestionRecord


@admin.register(DutyRule)
class DutyRuleAdmin(admin.ModelAdmin):
    list_display = (
        "topic",
        "ticket_type",
        "keywords",
        "level",
        "unit_keywords",
        "unit",
        "territory",
        "role",
        "priority",
        "source",
        "active",
    )
    list_filter = ("active", "level", "territory", "role", "source")
    list_editable = ("priority", "active")
    search_fields = ("topic", "keywords", "unit_keywords", "note", "unit__name")
    raw_id_fields = ("unit",)
    list_per_page = 50


class BoundaryForm(forms.ModelForm):
    class Meta:
        model = Boundary
        fields = ("unit", "geojson")

    def clean_geojson(self) -> str:
        text = self.cleaned_data["geojson"]
        try:
            parse_geojson(text)
        except Exception as exc:
            raise forms.ValidationError(f"不是有效的 GeoJSON 多边形:{exc}") from exc
        return text


@admin.register(Boundary)
class BoundaryAdmin(admin.ModelAdmin):
    form = BoundaryForm
    list_display = ("unit", "updated_at")
    search_fields = ("unit__name", "unit__code")
    raw_id_fields = ("unit",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(RoutingFeedback)
class RoutingFeedbackAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "ticket", "kind", "topic", "unit", "weight")
    list_filter = ("kind",)
    search_fields = ("topic", "ticket__number", "unit__name")


@admin.register(SuggestionRecord)
class SuggestionRecordAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "topic", "lead_unit_id_suggested", "confidence", "created_at")
    search_fields = ("ticket__number", "topic")
