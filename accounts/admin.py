from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied

from wiki.admin.base import VisibleChangeAdmin
from wiki.moderation import grant_autoconfirmed

from .models import Notice, User

# What a moderator (staff with the Moderators group's change_user, not a superuser) may change
# on an account. Everything else (staff and superuser flags, groups, permissions, email,
# password) is for administrators: otherwise change_user lets a moderator make themselves a
# superuser, or take over an account by changing its address or password.
MODERATOR_EDITABLE_FIELDS = ("is_autoconfirmed",)


@admin.register(User)
class KotobaUserAdmin(VisibleChangeAdmin, UserAdmin):
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

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        # The password row links to the set-password form and shows the hash's summary.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.readonly_fields
        fields = {f for _, options in self.get_fieldsets(request, obj) for f in options["fields"]}
        return sorted(fields - set(MODERATOR_EDITABLE_FIELDS))

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        granted = change and "is_autoconfirmed" in form.changed_data and obj.is_autoconfirmed
        super().save_model(request, obj, form, change)
        if granted:  # through the service, so the grant is in the moderation log
            grant_autoconfirmed(user=obj, moderator=request.user)

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    @admin.display(boolean=True, description="email confirmed")
    def email_confirmed(self, obj):
        return obj.email_confirmed_at is not None

    @admin.display(description="groups")
    def group_names(self, obj):
        return ", ".join(group.name for group in obj.groups.all()) or "—"


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    """A record of what users were told, read-only: notices are posted by the services
    (accounts.notices), which keep each user's unread count in step."""

    list_display = ("user", "message", "created_at", "read_at")
    search_fields = ("user__username", "message")
    raw_id_fields = ("user",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
