"""Admin pages (zh-CN) for the taxonomy, the places and the corrections."""

from __future__ import annotations

from django.contrib import admin

from hotline.triage.models import Correction, Place, Topic


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("level1", "level2", "level3", "keywords", "active", "updated_at")
    list_filter = ("active", "level1")
    search_fields = ("level1", "level2", "level3", "keywords")
    list_editable = ("active",)


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ("name", "aliases", "kind", "unit", "lat", "lng", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "aliases")
    raw_id_fields = ("unit",)


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "ticket_number", "field", "suggested", "chosen", "user_id")
    list_filter = ("field",)
    search_fields = ("ticket_number", "title", "chosen")
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Corrections are a record of what people decided: read-only.
        return False
