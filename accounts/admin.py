from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Notice, User


@admin.register(User)
class KotobaUserAdmin(UserAdmin):
    list_display = (
        "username",
        "email",
        "email_confirmed",
        "group_names",
        "is_autoconfirmed",
        "accepted_edit_count",
        "date_joined",
        "is_staff",
    )
    list_filter = ("groups", "is_autoconfirmed", "is_staff", "is_superuser", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Kotoba", {"fields": ("email_confirmed_at", "is_autoconfirmed", "accepted_edit_count")}),
    )
    readonly_fields = ("accepted_edit_count",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(boolean=True, description="email confirmed")
    def email_confirmed(self, obj):
        return obj.email_confirmed_at is not None

    @admin.display(description="groups")
    def group_names(self, obj):
        return ", ".join(group.name for group in obj.groups.all()) or "—"


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("user", "message", "created_at")
    search_fields = ("user__username", "message")
    raw_id_fields = ("user",)
