"""The Moderators group and its permissions: made by a data migration, and again by anything
that needs it after a database flush (transactional tests, demo loading)."""

from django.apps import apps as global_apps

MODERATORS_GROUP = "Moderators"
MODERATOR_PERMISSIONS = {
    "wiki": [
        "view_revision",
        "change_revision",
        "view_article",
        "change_article",
        "view_report",
        "change_report",
        "view_block",
        "add_block",
        "change_block",
        "view_blockedurl",
        "add_blockedurl",
        "change_blockedurl",
        "delete_blockedurl",
        "view_moderationlog",
        "view_tag",
        "add_tag",
        "change_tag",
        "view_tagalias",
        "add_tagalias",
        "change_tagalias",
        "delete_tagalias",
    ],
    "accounts": ["view_user", "change_user"],
    "talk": [
        "view_thread",
        "change_thread",
        "view_post",
        "change_post",
        "view_postreport",
        "change_postreport",
    ],
    "files": ["view_file", "change_file", "view_fileversion", "change_fileversion", "view_filelog"],
}


def ensure_moderators_group(apps=global_apps):
    """Create the group (if missing) and give it its permissions; return it."""
    from django.contrib.auth.management import create_permissions

    for app_label in MODERATOR_PERMISSIONS:
        try:
            app_config = apps.get_app_config(app_label)
        except LookupError:  # an app whose first migration runs later adds its own again
            continue
        stub = getattr(app_config, "models_module", None) is None
        if stub:  # historical apps in a migration: permissions are normally made after migrate
            app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        if stub:
            app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    for app_label, codenames in MODERATOR_PERMISSIONS.items():
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )
    return group
