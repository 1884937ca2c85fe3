"""The moderation desk is the Django admin; one module per concern."""

from django.contrib import admin

from . import articles, desk, revisions, tags  # noqa: F401  (registers the model admins)

admin.site.site_header = "Kotoba moderation"
admin.site.site_title = "Kotoba moderation"
admin.site.index_title = "Moderation desk"
