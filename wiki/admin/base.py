"""What every admin page of ours shares."""

from django.contrib import admin

from .. import pagecache


class VisibleChangeAdmin(admin.ModelAdmin):
    """An admin whose changes readers can see (a featured flag, a tag's name or adult flag, a
    username on history pages): every change it logs bumps the page cache's generation."""

    def log_addition(self, request, obj, message):
        pagecache.bump()
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        pagecache.bump()
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        pagecache.bump()
        return super().log_deletions(request, queryset)
