from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from hotline.errors import ActionError
from hotline.knowledge.articles import approve_article, save_article
from hotline.knowledge.models import Article, StockPhrase


class ApprovalFilter(admin.SimpleListFilter):
    title = "审核"
    parameter_name = "approval"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("pending", "待审核"), ("approved", "已审核")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> QuerySet[Article]:
        if self.value() == "pending":
            return queryset.filter(approved_at__isnull=True)
        if self.value() == "approved":
            return queryset.filter(approved_at__isnull=False)
        return queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "title",
        "category",
        "owner_unit",
        "published",
        "is_approved",
        "valid_from",
        "valid_to",
        "updated_at",
    )
    list_filter = ("published", ApprovalFilter, "category")
    search_fields = ("title", "keywords", "body")
    raw_id_fields = ("owner_unit",)
    readonly_fields = ("created_at", "updated_at", "updated_by", "approved_at", "approved_by")
    fieldsets = (
        (None, {"fields": ("category", "title", "keywords", "body")}),
        ("发布", {"fields": ("published", "valid_from", "valid_to", "owner_unit")}),
        ("审核", {"fields": ("approved_at", "approved_by")}),
        ("记录", {"fields": ("created_at", "updated_at", "updated_by")}),
    )
    actions = ["approve"]

    @admin.display(description="已审核", boolean=True)
    def is_approved(self, obj: Article) -> bool:
        return obj.approved

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        save_article(obj, by=request.user)  # type: ignore[arg-type]

    @admin.action(description="审核通过所选知识条目")
    def approve(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        pending = list(queryset.filter(approved_at__isnull=True))
        try:
            for article in pending:
                approve_article(article, request.user)  # type: ignore[arg-type]
        except ActionError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, f"已审核通过 {len(pending)} 条知识条目", messages.SUCCESS)


@admin.register(StockPhrase)
class StockPhraseAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("label", "topic", "position", "active")
    list_editable = ("position", "active")
    list_filter = ("active",)
    search_fields = ("label", "text", "topic")
