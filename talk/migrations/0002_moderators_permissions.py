from django.db import migrations

from accounts.groups import ensure_moderators_group


def give_moderators_talk(apps, schema_editor):
    ensure_moderators_group(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("talk", "0001_initial"),
        ("accounts", "0004_watchlists"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(give_moderators_talk, migrations.RunPython.noop)]
