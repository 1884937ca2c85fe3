"""Articles: protection and the featured flag."""

from django.contrib import admin

from .. import moderation
from ..models import (
    Article,
)


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "kind",
        "is_published_display",
        "protection",
        "is_featured",
        "updated_at",
    )
    list_filter = ("kind", "protection", "is_featured", "is_deleted")
    search_fields = ("title", "slug", "alias_set__name")
    fields = (
        "title",
        "slug",
        "kind",
        "summary",
        "protection",
        "is_featured",
        "is_deleted",
        "created_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("title", "slug", "kind", "summary", "created_by", "created_at", "updated_at")
    actions = ("protect_none", "protect_autoconfirmed", "protect_moderators")

    def has_add_permission(self, request):
        return False

    @admin.display(boolean=True, description="published")
    def is_published_display(self, obj):
        return obj.is_published

    def save_model(self, request, obj, form, change):
        if "protection" in form.changed_data:
            level = obj.protection
            obj.protection = form.initial["protection"]
            super().save_model(request, obj, form, change)
            moderation.set_protection(article=obj, level=level, moderator=request.user)
            obj.refresh_from_db()
        else:
            super().save_model(request, obj, form, change)

    def _protect(self, request, queryset, level):
        for article in queryset:
            moderation.set_protection(article=article, level=level, moderator=request.user)
        self.message_user(request, f"Protection set on {queryset.count()} article(s).")

    @admin.action(description="Remove protection", permissions=["change"])
    def protect_none(self, request, queryset):
        self._protect(request, queryset, "none")

    @admin.action(description="Protect: autoconfirmed editors only", permissions=["change"])
    def protect_autoconfirmed(self, request, queryset):
        self._protect(request, queryset, "autoconfirmed")

    @admin.action(description="Protect: moderators only", permissions=["change"])
    def protect_moderators(self, request, queryset):
        self._protect(request, queryset, "moderators")
