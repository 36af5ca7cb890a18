from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from hotline.org.logins import ThrottledLoginForm
from hotline.org.models import Unit, User


class AdminLoginForm(ThrottledLoginForm, AdminAuthenticationForm):
    """The admin's login: limited and recorded like every sign-in; staff only."""

    via = "admin"

    def may_sign_in(self, user: User) -> bool:
        return user.is_active and user.is_staff


admin.site.login_form = AdminLoginForm


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
    SUPERUSER_FIELDS = ("is_superuser", "groups", "user_permissions")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        """An administrator who is not a superuser manages accounts, roles and units, not
        the superuser flag or Django's permissions: no one raises himself above the role."""
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in self.SUPERUSER_FIELDS]})
            for name, options in fieldsets
        ]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A superuser's account (and its password) is a superuser's to change.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)
