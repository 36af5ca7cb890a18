from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from hotline.knowledge.articles import save_article
from hotline.knowledge.models import Article


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "category", "owner_unit", "published", "valid_from", "valid_to", "updated_at")
    list_filter = ("published", "category")
    search_fields = ("title", "keywords", "body")
    raw_id_fields = ("owner_unit",)
    readonly_fields = ("created_at", "updated_at", "updated_by")
    fieldsets = (
        (None, {"fields": ("category", "title", "keywords", "body")}),
        ("发布", {"fields": ("published", "valid_from", "valid_to", "owner_unit")}),
        ("记录", {"fields": ("created_at", "updated_at", "updated_by")}),
    )

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        save_article(obj, by=request.user)  # type: ignore[arg-type]
