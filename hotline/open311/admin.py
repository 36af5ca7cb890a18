from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from hotline import clock
from hotline.open311.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "created_at", "revoked_at")
    readonly_fields = ("created_at",)
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a key is shown once, by ``hotline open311 key create``

    @admin.action(description="吊销所选密钥")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        queryset.filter(revoked_at__isnull=True).update(revoked_at=clock.now())
