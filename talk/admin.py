"""The moderators' side of talk pages: pending posts beside pending revisions, with the same
accept and reject (with a reason, sent to the author), hiding posts and locking threads."""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.html import format_html

from wiki.admin.revisions import GuidelineChoice
from wiki.models import RevisionStatus

from . import services
from .models import Post, PostReport, Thread


class ReasonForm(GuidelineChoice):
    """A reason, which may name the guideline broken (as when declining an edit)."""

    # With a guideline's name and address in front, it still fits the 1,000 characters
    # kept for a hidden post's or a lock's reason.
    reason = forms.CharField(
        required=False, max_length=600, widget=forms.Textarea(attrs={"rows": 3}), label="Reason"
    )

    def clean(self):
        data = super().clean()
        if not (data.get("reason") or "").strip() and not data.get("guideline"):
            self.add_error("reason", "Give a reason or a guideline.")
        return data


def _with_reason(modeladmin, request, queryset, action, verb, apply):
    """An action that asks for one reason first (an intermediate page), then applies it."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        reason = form.cited_reason()
        count = sum(1 for item in queryset if apply(item, reason))
        modeladmin.message_user(request, f"{verb} {count}.")
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": f"{verb}: give a reason",
        "queryset": queryset,
        "form": form,
        "action": action,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "opts": modeladmin.model._meta,
    }
    return TemplateResponse(request, "admin/talk/with_reason.html", context)


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("pending", "Pending"), ("all", "All")]

    def queryset(self, request, queryset):
        if self.value() in (None, "pending"):
            return queryset.filter(status=RevisionStatus.PENDING)
        return queryset

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": (self.value() or "pending") == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ("excerpt", "thread_link", "author", "created_at", "status", "is_hidden")
    list_display_links = None
    list_filter = (StatusFilter, "is_hidden")
    search_fields = ("body", "thread__subject", "author__username")
    list_select_related = ("thread__article", "author")
    ordering = ("created_at", "pk")
    actions = ("accept_selected", "reject_selected", "hide_selected", "unhide_selected")
    readonly_fields = [f.name for f in Post._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="post")
    def excerpt(self, obj):
        text = " ".join(obj.body.split())
        return text[:140] + ("…" if len(text) > 140 else "")

    @admin.display(description="thread", ordering="thread__subject")
    def thread_link(self, obj):
        return format_html(
            '<a href="{}">{}</a> <span class="quiet">(talk: {})</span>',
            obj.get_absolute_url(),
            obj.thread.subject,
            obj.thread.article.title,
        )

    @admin.action(description="Accept selected pending posts", permissions=["change"])
    def accept_selected(self, request, queryset):
        posts = list(queryset.filter(status=RevisionStatus.PENDING))
        for post in posts:
            services.accept(post, moderator=request.user)
        self.message_user(request, f"Accepted {len(posts)} post(s).")

    @admin.action(
        description="Reject selected pending posts (with a reason)", permissions=["change"]
    )
    def reject_selected(self, request, queryset):
        def apply(post, reason):
            if post.status != RevisionStatus.PENDING:
                return False
            services.reject(post, moderator=request.user, reason=reason)
            return True

        return _with_reason(self, request, queryset, "reject_selected", "Rejected", apply)

    @admin.action(description="Hide selected posts (with a reason)", permissions=["change"])
    def hide_selected(self, request, queryset):
        def apply(post, reason):
            services.hide(post, moderator=request.user, reason=reason)
            return True

        return _with_reason(self, request, queryset, "hide_selected", "Hidden", apply)

    @admin.action(description="Show selected hidden posts again", permissions=["change"])
    def unhide_selected(self, request, queryset):
        for post in queryset:
            services.unhide(post, moderator=request.user)
        self.message_user(request, "Shown again.", messages.SUCCESS)


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = (
        "subject",
        "article",
        "created_by",
        "last_activity_at",
        "is_visible",
        "is_locked",
    )
    list_filter = ("is_locked", "is_visible")
    search_fields = ("subject", "article__title")
    list_select_related = ("article", "created_by")
    actions = ("lock_selected", "unlock_selected")
    readonly_fields = [f.name for f in Thread._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Lock selected threads (with a reason)", permissions=["change"])
    def lock_selected(self, request, queryset):
        def apply(thread, reason):
            services.lock(thread, moderator=request.user, reason=reason)
            return True

        return _with_reason(self, request, queryset, "lock_selected", "Locked", apply)

    @admin.action(description="Unlock selected threads", permissions=["change"])
    def unlock_selected(self, request, queryset):
        for thread in queryset:
            services.unlock(thread, moderator=request.user)
        self.message_user(request, "Unlocked.", messages.SUCCESS)


@admin.register(PostReport)
class PostReportAdmin(admin.ModelAdmin):
    list_display = ("post", "reporter", "text", "created_at", "is_open")
    list_filter = ("is_open",)
    list_select_related = ("post__thread", "reporter")
    list_editable = ("is_open",)
    readonly_fields = ("post", "reporter", "text", "created_at")

    def has_add_permission(self, request):
        return False
