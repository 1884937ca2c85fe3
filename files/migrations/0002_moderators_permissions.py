from django.db import migrations

from accounts.groups import ensure_moderators_group


def give_moderators_files(apps, schema_editor):
    ensure_moderators_group(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("files", "0001_initial"),
        ("talk", "0002_moderators_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(give_moderators_files, migrations.RunPython.noop)]
