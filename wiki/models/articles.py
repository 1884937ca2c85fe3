"""Articles and their immutable revisions."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from .. import names
from .tags import BADGE, Tag


class ArticleKind(models.TextChoices):
    TERM = "term", "Term"
    GENRE = "genre", "Genre explainer"
    GUIDE = "guide", "Guideline"  # the wiki's own rules (wiki/guidelines.py), not a fandom word


class Protection(models.TextChoices):
    NONE = "none", "Not protected"
    AUTOCONFIRMED = "autoconfirmed", "Autoconfirmed editors only"
    MODERATORS = "moderators", "Moderators only"


class RevisionStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


def normalize_title(title: str) -> str:
    """The key under which titles and aliases are unique (see wiki.names.name_key)."""
    return names.name_key(title)


# Live: not deleted, and published or with a revision still pending. Titles are unique among these.
LIVE = models.Q(is_deleted=False) & (
    models.Q(published_revision__isnull=False) | models.Q(latest_revision__isnull=False)
)


class ArticleQuerySet(models.QuerySet):
    def live(self):
        return self.filter(LIVE)

    def lock(self, pk):
        """The article row, locked until the transaction ends: every service that changes an
        article takes this first. FOR NO KEY UPDATE rather than FOR UPDATE: on PostgreSQL a
        transaction that references this row (a revision contrasting with it, a link to it)
        takes FOR KEY SHARE on it when its foreign keys are checked at commit; FOR UPDATE
        blocks that, and two saves referring to each other's articles would deadlock."""
        return self.select_for_update(no_key=True).get(pk=pk)

    def published(self):
        return self.filter(published_revision__isnull=False, is_deleted=False)

    def with_badges(self):
        """Prefetch the warning and adult tags that lists show as badges (one query)."""
        return self.select_related("published_revision").prefetch_related(
            models.Prefetch(
                "published_revision__tags",
                # a badge, not a description
                queryset=Tag.objects.filter(BADGE).only("name", "slug", "category", "is_adult"),
                to_attr="badge_tag_list",
            )
        )

    def visible_to(self, user):
        """Published articles, plus a signed-in author's own never-published ones
        (moderators see every article that is not deleted)."""
        if user is None or not user.is_authenticated:
            return self.published()
        if user.is_moderator:
            return self.filter(is_deleted=False)
        return self.filter(is_deleted=False).filter(
            models.Q(published_revision__isnull=False) | models.Q(created_by=user)
        )


class Article(models.Model):
    """An article. Title, slug and summary mirror the published revision (or, until one is
    published, the first revision) so that lists need no join to revisions."""

    kind = models.CharField(max_length=10, choices=ArticleKind.choices, default=ArticleKind.TERM)
    title = models.CharField(max_length=200)
    title_key = models.CharField(max_length=200, db_index=True, editable=False)
    # A hash of the title's confusable skeleton: look-alike titles share it (wiki.names).
    title_skeleton = models.CharField(max_length=64, db_index=True, editable=False, default="")
    slug = models.CharField(max_length=255, db_index=True)
    summary = models.CharField(max_length=200, blank=True)
    published_revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    latest_revision = models.ForeignKey(
        "Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    protection = models.CharField(
        max_length=20, choices=Protection.choices, default=Protection.NONE
    )
    is_featured = models.BooleanField(
        default=False, help_text="Shown as the featured article on the home page."
    )
    is_deleted = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(
        default=timezone.now, help_text="When the published text last changed."
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["title_key"]  # casefolded: the same order as Lower("title"), cheaper
        indexes = [models.Index(fields=["-updated_at"]), models.Index(fields=["-created_at"])]
        constraints = [
            # Titles and slugs are unique among live articles: a deleted article, or a new one
            # whose every revision was rejected, frees them for someone else.
            models.UniqueConstraint(fields=["title_key"], condition=LIVE, name="unique_live_title"),
            models.UniqueConstraint(fields=["slug"], condition=LIVE, name="unique_live_slug"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.title_key = normalize_title(self.title)
        self.title_skeleton = names.skeleton(self.title)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "title" in update_fields:
            kwargs["update_fields"] = {*update_fields, "title_key", "title_skeleton"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("article", args=[self.slug])

    @property
    def badge_tags(self) -> list:
        return (
            getattr(self.published_revision, "badge_tag_list", [])
            if self.published_revision_id
            else []
        )

    @property
    def is_published(self) -> bool:
        return self.published_revision_id is not None


# The columns of a revision that lists of revisions never show: loading 50 texts (and their
# rendered HTML) for one history page cost more than everything else on it.
REVISION_TEXT_COLUMNS = ("body", "body_html", "faq", "aliases", "external_links", "link_targets")
# What a row of a list of revisions shows (history, recent changes, contributions, feeds).
REVISION_LIST_COLUMNS = (
    "article",
    "number",
    "parent",
    "author",
    "created_at",
    "edit_summary",
    "is_minor",
    "status",
    "reviewed_by",
    "title",
    "summary",
    "size",
    "size_delta",
)


class RevisionQuerySet(models.QuerySet):
    def for_lists(self):
        """Revisions for a list (history, recent changes, contributions, feeds): the columns a
        row shows, the author's and reviewer's names (not their whole accounts), and the
        parent's number as `parent_number` for the diff link. Reading a dozen columns instead
        of every one halves what the ORM spends on a list. A related row a caller adds with
        select_related (the article) comes whole."""
        return (
            self.only(*REVISION_LIST_COLUMNS, "author__username", "reviewed_by__username")
            .select_related("author", "reviewed_by")
            .annotate(parent_number=models.F("parent__number"))
        )

    def accepted(self):
        return self.filter(status=RevisionStatus.ACCEPTED)

    def pending(self):
        return self.filter(status=RevisionStatus.PENDING)

    def by_author(self, user):
        return self.filter(author=user)

    def visible_to(self, user):
        """Accepted revisions; pending and rejected ones only to their author and moderators."""
        return self.visible_as(reader_visibility(user))

    def visible_as(self, visibility):
        """The revisions a reader of this `reader_visibility` may see."""
        if visibility == ACCEPTED_ONLY:
            return self.accepted()
        if visibility == EVERY_REVISION:
            return self
        return self.filter(models.Q(status=RevisionStatus.ACCEPTED) | models.Q(author=visibility))


ACCEPTED_ONLY, EVERY_REVISION = "accepted", "every"


def reader_visibility(user) -> str | int:
    """Which revisions `user` may see, as a value that can key a query's shape:
    `ACCEPTED_ONLY` (readers not signed in), `EVERY_REVISION` (moderators), or the user's
    id (accepted ones and their own)."""
    if user is None or not user.is_authenticated:
        return ACCEPTED_ONLY
    if user.is_moderator:
        return EVERY_REVISION
    return user.pk


class Revision(models.Model):
    """One immutable state of an article: every versioned field, plus its HTML rendered once."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="revisions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    edit_summary = models.CharField(max_length=300, blank=True)
    is_minor = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=RevisionStatus.choices, default=RevisionStatus.PENDING
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True)

    # Versioned fields.
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    aliases = models.TextField(blank=True, help_text="One per line.")
    original_script = models.CharField(max_length=200, blank=True)
    reading = models.CharField(max_length=200, blank=True)
    origin_language = models.CharField(max_length=100, blank=True)
    tone = models.CharField(max_length=200, blank=True)
    contrasts_with = models.ManyToManyField(Article, blank=True, related_name="+")
    tags = models.ManyToManyField("wiki.Tag", blank=True, related_name="revisions")

    # Derived once, at save time.
    body_html = models.TextField(blank=True, editable=False)
    faq = models.JSONField(default=list, blank=True, editable=False)
    # From the same parse: the http(s) links of the body (the next edit's spam check compares
    # against them) and the titles it links with [[...]] (publishing fills the link table).
    external_links = models.JSONField(default=list, blank=True, editable=False)
    link_targets = models.JSONField(default=list, blank=True, editable=False)
    size = models.PositiveIntegerField(default=0)
    size_delta = models.IntegerField(default=0)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="unique_revision_number"),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["author", "-created_at"]),
        ]

    # After creation only the review decision may change, and body_html may be refreshed from
    # the same body (red links turning blue); the versioned fields never change.
    MUTABLE_FIELDS = frozenset(
        {"status", "reviewed_by", "reviewed_at", "review_reason", "body_html"}
    )

    def __str__(self):
        return f"{self.article.title} · revision {self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= self.MUTABLE_FIELDS:
                raise ValueError(
                    "Revisions are immutable: save a new revision instead "
                    f"(only {', '.join(sorted(self.MUTABLE_FIELDS))} may be updated)."
                )
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("revision", args=[self.article.slug, self.number])

    @property
    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]

    @property
    def is_pending(self) -> bool:
        return self.status == RevisionStatus.PENDING


class Alias(models.Model):
    """A published alias of an article: unique across titles and aliases; redirects (301)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="alias_set")
    name = models.CharField(max_length=200)
    key = models.CharField(max_length=200, unique=True)
    skeleton = models.CharField(max_length=64, db_index=True, editable=False, default="")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "aliases"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.key = normalize_title(self.name)
        self.skeleton = names.skeleton(self.name)
        super().save(*args, **kwargs)


class SlugRedirect(models.Model):
    """A former slug of an article; requests for it redirect (301)."""

    old_slug = models.CharField(max_length=255, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_slugs")

    def __str__(self):
        return self.old_slug


class Link(models.Model):
    """A wikilink in an article's published revision, for "what links here"."""

    source = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="outgoing_links")
    target_key = models.CharField(max_length=200, db_index=True)
    target = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="incoming_links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target_key"], name="unique_link"),
        ]

    def __str__(self):
        return f"{self.source_id} → {self.target_key}"
