"""The moderators' side: pending uploads with their picture and licence, accept and reject,
delete and restore. Every action calls files.services."""

from django.contrib import admin, messages
from django.utils.html import format_html

from wiki.admin.reasons import with_reason
from wiki.moderation import ModerationError

from . import services
from .embedding import picture_urls
from .models import File, FileLog, FileVersion, VersionStatus


def _preview(version) -> str:
    if version is None:
        return "—"
    return format_html(
        '<img src="{}" alt="{}" width="160">',  # no style attribute: the CSP refuses those
        picture_urls(version)["srcset"].split(" ")[0],
        version.file.alt_text,
    )


@admin.register(FileVersion)
class FileVersionAdmin(admin.ModelAdmin):
    """The review desk for uploads: a pending version shows its picture, licence and source."""

    list_display = [
        "picture",
        "file_link",
        "number",
        "status",
        "uploaded_by",
        "licence",
        "source",
        "created_at",
    ]
    list_display_links = None
    list_filter = ["status"]
    list_select_related = ["file", "uploaded_by"]
    actions = ["accept_selected", "reject_selected"]
    search_fields = ["file__name"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("file", "uploaded_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("files.change_fileversion") and obj is None

    @admin.display(description="Picture")
    def picture(self, version):
        return _preview(version)

    @admin.display(description="File")
    def file_link(self, version):
        return format_html(
            '<a href="{}">{}</a>', version.file.get_absolute_url(), version.file.name
        )

    @admin.display(description="Licence")
    def licence(self, version):
        return version.file.get_licence_display() + (" (own work)" if version.file.own_work else "")

    @admin.display(description="Source / rationale")
    def source(self, version):
        return version.file.source or version.file.rationale or "—"

    @admin.action(description="Accept selected uploads", permissions=["change"])
    def accept_selected(self, request, queryset):
        count = 0
        for version in queryset.filter(status=VersionStatus.PENDING).order_by("number"):
            try:
                services.accept(version, moderator=request.user)
                count += 1
            except ModerationError as exc:
                self.message_user(request, f"{version}: {exc.message}", messages.WARNING)
        self.message_user(request, f"Accepted {count} upload(s).")

    @admin.action(description="Reject selected uploads (with one reason)", permissions=["change"])
    def reject_selected(self, request, queryset):
        def apply(version, reason):
            if version.status != VersionStatus.PENDING:
                return False
            services.reject(version, moderator=request.user, reason=reason)
            return True

        return with_reason(
            self,
            request,
            queryset,
            action="reject_selected",
            verb="Rejected",
            apply=apply,
            explanation="The uploaders receive the reason.",
        )


@admin.register(File)
class FileAdmin(admin.ModelAdmin):
    list_display = [
        "picture",
        "name",
        "licence",
        "uploaded_by",
        "is_adult",
        "is_deleted",
        "created_at",
    ]
    list_filter = ["is_deleted", "licence", "is_adult"]
    search_fields = ["name"]
    readonly_fields = ["name", "uploaded_by", "created_at", "current", "is_deleted"]
    fields = [
        "name",
        "uploaded_by",
        "created_at",
        "current",
        "is_deleted",
        "own_work",
        "licence",
        "source",
        "rationale",
        "alt_text",
        "description",
        "is_adult",
    ]
    actions = ["delete_files", "restore_files"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("current", "uploaded_by")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # files are deleted for readers (kept for moderators), never erased

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.refresh_users(obj)  # alt text or the adult mark shows in the articles

    @admin.display(description="Picture")
    def picture(self, file):
        if file.current is not None:
            file.current.file = file
        return _preview(file.current)

    @admin.action(
        description="Delete selected files for readers (with one reason)", permissions=["change"]
    )
    def delete_files(self, request, queryset):
        def apply(file, reason):
            if file.is_deleted:
                return False
            services.delete(file, moderator=request.user, reason=reason)
            return True

        return with_reason(
            self,
            request,
            queryset,
            action="delete_files",
            verb="Deleted",
            apply=apply,
            explanation="Readers no longer see them; moderators still do, and can restore them.",
        )

    @admin.action(description="Restore selected files", permissions=["change"])
    def restore_files(self, request, queryset):
        for file in queryset.filter(is_deleted=True):
            services.restore(file, moderator=request.user)
        self.message_user(request, "Restored.")


@admin.register(FileLog)
class FileLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "action", "file", "version", "reason"]
    list_filter = ["action"]
    list_select_related = ["actor", "file", "version"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
