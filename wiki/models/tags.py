"""Tags: topics, media, genres and content warnings."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from .. import names
from ..rendering import render_markdown


class TagCategory(models.TextChoices):
    TOPIC = "topic", "Topics"
    MEDIUM = "medium", "Media"
    GENRE = "genre", "Genres"
    WARNING = "warning", "Content warnings"


# The tags that lists show as badges beside an article's title: content warnings and adult
# tags.
BADGE = models.Q(category=TagCategory.WARNING) | models.Q(is_adult=True)


class Tag(models.Model):
    name = models.CharField(max_length=80)
    name_key = models.CharField(max_length=80, unique=True, editable=False)
    slug = models.CharField(max_length=100, unique=True)
    category = models.CharField(
        max_length=10, choices=TagCategory.choices, default=TagCategory.TOPIC
    )
    is_adult = models.BooleanField(
        "adult", default=False, help_text="Articles with this tag open behind a short notice."
    )
    description = models.TextField(blank=True, help_text="Markdown.")
    description_html = models.TextField(blank=True, editable=False)
    needs_review = models.BooleanField(
        default=False, help_text="Created by an editor while saving an article; not yet checked."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Published, undeleted articles with this tag: kept by wiki.tagcounts wherever that
    # changes (publish, delete and restore, merge, import), never written by `save`.
    article_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = names.clean_name(self.name)
        self.name_key = names.name_key(self.name)
        if not self.slug:
            self.slug = self.free_slug(slugify(self.name, allow_unicode=True) or "tag")
        self.description_html = render_markdown(self.description)
        if not self._state.adding and kwargs.get("update_fields") is None:
            # The count this instance holds may be stale (a publish since it was loaded
            # changed it): saving it back would undo that change.
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "article_count"
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("tag", args=[self.slug])

    def free_slug(self, base: str) -> str:
        """`base`, or `base-2`, `base-3`… if another tag (or an old tag address) has it."""
        others = Tag.objects.exclude(pk=self.pk)
        candidate, n = base, 2
        while (
            others.filter(slug=candidate).exists()
            or TagSlugRedirect.objects.filter(old_slug=candidate).exclude(tag_id=self.pk).exists()
        ):
            candidate = f"{base}-{n}"
            n += 1
        return candidate

    @property
    def is_warning(self) -> bool:
        return self.category == TagCategory.WARNING

    @property
    def category_name(self) -> str:
        """The category of one tag ("Genre", "Content warning"; the choices' labels are the
        tag index's plural headings)."""
        return "Content warning" if self.is_warning else self.category.capitalize()


class TagAlias(models.Model):
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=80)
    name_key = models.CharField(max_length=80, unique=True, editable=False)

    class Meta:
        verbose_name_plural = "tag aliases"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = names.clean_name(self.name)
        self.name_key = names.name_key(self.name)
        super().save(*args, **kwargs)


class TagSlugRedirect(models.Model):
    old_slug = models.CharField(max_length=100, unique=True)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="old_slugs")

    def __str__(self):
        return self.old_slug
