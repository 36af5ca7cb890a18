from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from hotline.org.models import Unit, User


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "kind", "parent", "active")
    list_filter = ("level", "kind", "active")
    search_fields = ("code", "name", "area")
    raw_id_fields = ("parent",)
    list_per_page = 50


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "unit", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "display_name")
    raw_id_fields = ("unit",)
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("热线", {"fields": ("display_name", "role", "unit", "phone")}),
    )
    list_per_page = 50
