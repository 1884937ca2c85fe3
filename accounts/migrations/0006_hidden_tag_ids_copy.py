from django.db import migrations, models


def copy_hidden_tags(apps, schema_editor):
    """Fill the new copy from the relation (accounts.models.refresh_hidden_tag_ids, frozen)."""
    User = apps.get_model("accounts", "User")
    hidden = {}
    for user_id, tag_id in User.hidden_tags.through.objects.order_by("tag_id").values_list(
        "user_id", "tag_id"
    ):
        hidden.setdefault(user_id, []).append(tag_id)
    users = [User(pk=pk, hidden_tag_ids=ids) for pk, ids in hidden.items()]
    User.objects.bulk_update(users, ["hidden_tag_ids"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_mail_settings"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="hidden_tag_ids",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        migrations.RunPython(copy_hidden_tags, migrations.RunPython.noop),
    ]
