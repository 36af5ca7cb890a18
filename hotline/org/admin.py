from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

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
