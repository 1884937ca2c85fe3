"""The moderators' side of talk pages: pending posts beside pending revisions, with the same
accept and reject (with a reason, sent to the author), hiding posts and locking threads."""

from django.contrib import admin, messages
from django.utils.html import format_html

from wiki.admin.reasons import with_reason
from wiki.models import RevisionStatus

from . import services
from .models import Post, PostReport, Thread

TOLD = "The authors of rejected posts receive the reason; a hidden post shows it to moderators."


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

        return with_reason(
            self,
            request,
            queryset,
            action="reject_selected",
            verb="Rejected",
            apply=apply,
            explanation=TOLD,
        )

    @admin.action(description="Hide selected posts (with a reason)", permissions=["change"])
    def hide_selected(self, request, queryset):
        def apply(post, reason):
            services.hide(post, moderator=request.user, reason=reason)
            return True

        return with_reason(
            self,
            request,
            queryset,
            action="hide_selected",
            verb="Hidden",
            apply=apply,
            explanation=TOLD,
        )

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

        return with_reason(
            self,
            request,
            queryset,
            action="lock_selected",
            verb="Locked",
            apply=apply,
            explanation=TOLD,
        )

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
