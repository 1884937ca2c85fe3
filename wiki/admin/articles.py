"""Articles: protection, the featured flag, and deleting or restoring (logged services)."""

from django import forms
from django.contrib import admin, messages

from .. import deletion, moderation
from ..models import Article
from .base import VisibleChangeAdmin


class ArticleAdminForm(forms.ModelForm):
    """Ticking or unticking "is deleted" needs a reason, and restoring is refused here, with
    the form kept, while another article holds the title."""

    deletion_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Reason for deleting or restoring",
        help_text="Required when you tick or untick “is deleted”; it goes in the log.",
    )

    class Meta:
        model = Article
        fields = ("protection", "is_featured", "is_deleted")

    def clean(self):
        data = super().clean()
        if "is_deleted" not in self.changed_data:
            return data
        if not (data.get("deletion_reason") or "").strip():
            self.add_error("deletion_reason", "Say why: the reason goes in the log.")
        if not data.get("is_deleted") and self.instance.pk:
            other = deletion.title_clash(self.instance)
            if other is not None:
                self.add_error(
                    "is_deleted",
                    f"Cannot restore: the title “{self.instance.title}” is now used by the "
                    f"article “{other.title}”. Rename or delete that article first.",
                )
        return data


@admin.register(Article)
class ArticleAdmin(VisibleChangeAdmin):
    form = ArticleAdminForm
    list_display = (
        "title",
        "kind",
        "is_published_display",
        "protection",
        "is_featured",
        "is_deleted",
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
        "deletion_reason",
        "created_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("title", "slug", "kind", "summary", "created_by", "created_at", "updated_at")
    actions = ("protect_none", "protect_autoconfirmed", "protect_moderators")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # deleting is soft and logged: the "is deleted" box, never a row removal

    @admin.display(boolean=True, description="published")
    def is_published_display(self, obj):
        return obj.is_published

    def save_model(self, request, obj, form, change):
        initial = form.initial
        level, deleted = obj.protection, obj.is_deleted
        # Fields owned by services are saved by them (each writes the log); the rest here.
        obj.protection, obj.is_deleted = initial["protection"], initial["is_deleted"]
        super().save_model(request, obj, form, change)
        if "protection" in form.changed_data:
            moderation.set_protection(article=obj, level=level, moderator=request.user)
        if "is_deleted" in form.changed_data:
            self._set_deleted(request, obj, deleted, form.cleaned_data["deletion_reason"])
        obj.refresh_from_db()

    def _set_deleted(self, request, article, deleted: bool, reason: str) -> None:
        try:
            if deleted:
                deletion.delete_article(article, moderator=request.user, reason=reason)
                return
            lost = deletion.undelete_article(article, moderator=request.user, reason=reason)
        except moderation.ModerationError as exc:  # a clash that appeared after the form check
            self.message_user(request, exc.message, messages.ERROR)
            return
        if lost:
            self.message_user(
                request,
                "Restored. These aliases are now used by other articles and were not restored: "
                + ", ".join(lost),
                messages.WARNING,
            )

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
