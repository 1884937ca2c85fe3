"""The Moderators group and the permissions the moderation desk needs."""

from django.db import migrations

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
}


def create_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally made after migrate; make them now so the group can hold them.
    for app_label in MODERATOR_PERMISSIONS:
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    for app_label, codenames in MODERATOR_PERMISSIONS.items():
        perms = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        group.permissions.add(*perms)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Moderators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("wiki", "0001_initial"),
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
