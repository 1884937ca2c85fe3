"""Each tag keeps the number of published, undeleted articles that carry it (wiki.tagcounts
keeps it from here on); existing rows are counted once."""

from django.db import migrations, models
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_existing(apps, schema_editor):
    Tag = apps.get_model("wiki", "Tag")
    Through = Tag.revisions.through
    shown = Through.objects.filter(
        tag_id=OuterRef("pk"),
        revision__article__published_revision=F("revision_id"),
        revision__article__is_deleted=False,
    )
    count = shown.order_by().values("tag_id").annotate(n=Count("pk")).values("n")
    Tag.objects.update(article_count=Coalesce(Subquery(count), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("wiki", "0012_search_document_storage"),
    ]

    operations = [
        migrations.AddField(
            model_name="tag",
            name="article_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(count_existing, migrations.RunPython.noop, elidable=True),
    ]
