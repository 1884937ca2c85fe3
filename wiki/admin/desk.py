"""Reports, blocks, the URL blocklist and the append-only moderation log."""

from django import forms
from django.contrib import admin

from .. import moderation
from ..models import (
    Block,
    BlockedURL,
    ModerationLog,
    Report,
)


class ReportAdminForm(forms.ModelForm):
    class Meta:
        model = Report
        fields = ("status", "note")

    def clean(self):
        data = super().clean()
        if data.get("status") != Report.Status.OPEN and not (data.get("note") or "").strip():
            self.add_error("note", "Add a note saying how the report was handled.")
        return data


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    form = ReportAdminForm
    list_display = ("article", "reason", "reporter", "created_at", "status")
    list_filter = ("status", "reason")
    search_fields = ("article__title", "reporter__username", "text")
    list_select_related = ("article", "reporter")
    readonly_fields = (
        "article",
        "revision",
        "reporter",
        "reason",
        "text",
        "created_at",
        "handled_by",
        "handled_at",
    )
    fields = readonly_fields[:6] + ("status", "note", "handled_by", "handled_at")

    def get_changeform_initial_data(self, request):
        return {"status": Report.Status.OPEN}

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data or "note" in form.changed_data:
            moderation.close_report(obj, moderator=request.user, status=obj.status, note=obj.note)
        else:
            super().save_model(request, obj, form, change)


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ("user", "reason", "expires_at", "created_by", "created_at", "active")
    list_filter = ("lifted_at",)
    search_fields = ("user__username", "reason")
    raw_id_fields = ("user",)
    fields = ("user", "reason", "expires_at")
    actions = ("lift",)

    @admin.display(boolean=True)
    def active(self, obj):
        return obj.is_active

    def get_readonly_fields(self, request, obj=None):
        return ("user",) if obj else ()

    def get_form(self, request, obj=None, **kwargs):
        base = super().get_form(request, obj, **kwargs)
        moderator = request.user

        class BlockForm(base):
            def clean_user(self):
                user = self.cleaned_data["user"]
                if user.pk == moderator.pk:  # block_user refuses it: say so in the form
                    raise forms.ValidationError("You cannot block yourself.", code="self_block")
                if user.is_superuser:
                    raise forms.ValidationError(
                        "Administrators cannot be blocked.", code="superuser_block"
                    )
                return user

        return BlockForm

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        block = moderation.block_user(
            user=obj.user, moderator=request.user, reason=obj.reason, expires_at=obj.expires_at
        )
        obj.pk = block.pk

    @admin.action(description="Lift the selected blocks", permissions=["change"])
    def lift(self, request, queryset):
        for block in queryset.filter(lifted_at__isnull=True):
            moderation.lift_block(block, moderator=request.user)
        self.message_user(request, "Blocks lifted.")


@admin.register(BlockedURL)
class BlockedURLAdmin(admin.ModelAdmin):
    list_display = ("pattern", "note", "created_at")
    search_fields = ("pattern", "note")
    fields = ("pattern", "note")  # created_at is set on save, not typed in


@admin.register(ModerationLog)
class ModerationLogAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "actor",
        "action",
        "article",
        "revision_number",
        "target_user",
        "reason",
    )
    list_filter = ("action",)
    search_fields = ("actor__username", "target_user__username", "article__title", "reason")
    list_select_related = ("actor", "article", "revision", "target_user")
    date_hierarchy = "created_at"

    @admin.display(description="revision")
    def revision_number(self, obj):
        return obj.revision.number if obj.revision else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
