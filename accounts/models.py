from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.db.models.signals import m2m_changed, post_delete, pre_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from .groups import MODERATORS_GROUP  # noqa: F401  (re-exported)


class TrustLevel(models.TextChoices):
    UNCONFIRMED = "unconfirmed", "Unconfirmed"
    NEW = "new", "New"
    AUTOCONFIRMED = "autoconfirmed", "Autoconfirmed"
    MODERATOR = "moderator", "Moderator"


class KotobaUserManager(UserManager):
    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # An administrator made on the command line gave their address to the operator:
        # they can edit on the site at once instead of waiting for a confirmation mail.
        extra_fields.setdefault("email_confirmed_at", timezone.now())
        return super().create_superuser(username, email, password, **extra_fields)


class MailWhen(models.TextChoices):
    OFF = "off", "Never (notices only)"
    NOW = "now", "At once"
    DAILY = "daily", "In a daily digest"


class NoticeKind(models.TextChoices):
    """What a notice is about; each kind has its user's mail setting (`User.mail_<kind>`)."""

    DECISIONS = "decisions", "Decisions on my edits and posts"
    MENTIONS = "mentions", "Someone mentions me"
    TALK = "talk", "Replies in threads I take part in or watch"
    WATCHED = "watched", "Changes to what I watch"


class User(AbstractUser):
    email = models.EmailField("email address")
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    is_autoconfirmed = models.BooleanField(
        "autoconfirmed",
        default=False,
        help_text="Set automatically at the thresholds, or granted by a moderator.",
    )
    accepted_edit_count = models.PositiveIntegerField(default=0, editable=False)
    # Notices not seen yet, kept on the row every signed-in request loads anyway, so the
    # header's count costs no query (accounts/notices.py keeps it in step).
    unread_notice_count = models.PositiveIntegerField(default=0, editable=False)
    # How each kind of notice also reaches the user by mail (accounts/notices.py).
    mail_decisions = models.CharField(
        "decisions on my edits and posts", max_length=5, choices=MailWhen.choices, default="now"
    )
    mail_mentions = models.CharField(
        "someone mentions me", max_length=5, choices=MailWhen.choices, default="now"
    )
    mail_talk = models.CharField(
        "replies in threads I take part in or watch",
        max_length=5,
        choices=MailWhen.choices,
        default="daily",
    )
    mail_watched = models.CharField(
        "changes to what I watch", max_length=5, choices=MailWhen.choices, default="daily"
    )
    last_digest_at = models.DateTimeField(null=True, blank=True, editable=False)
    watch_own_edits = models.BooleanField(
        "watch the articles I edit",
        default=True,
        help_text="Add every article you create or edit to your watchlist.",
    )
    show_adult = models.BooleanField(
        "show adult articles without a notice",
        default=False,
    )
    hidden_tags = models.ManyToManyField("wiki.Tag", blank=True, related_name="+")
    # A copy of hidden_tags' ids that comes with the user row, which every signed-in request
    # loads anyway: reading preferences cost no query of their own. hidden_tags stays the
    # truth; the copy follows it (`refresh_hidden_tag_ids`, called on every change through
    # the relation, when a tag is deleted, and by a tag merge).
    hidden_tag_ids = models.JSONField(default=list, blank=True, editable=False)

    objects = KotobaUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="unique_username_ci"),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="unique_email_ci",
            ),
        ]

    def get_absolute_url(self):
        return reverse("profile", args=[self.username])

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def is_moderator(self) -> bool:
        if self.is_superuser:
            return True
        cache = getattr(self, "_is_moderator_cache", None)
        if cache is None:
            if "groups" in getattr(self, "_prefetched_objects_cache", {}):
                # Lists prefetch the groups (prefetch_related("author__groups")): no query.
                cache = any(group.name == MODERATORS_GROUP for group in self.groups.all())
            else:
                cache = self.groups.filter(name=MODERATORS_GROUP).exists()
            self._is_moderator_cache = cache
        return cache

    def meets_autoconfirm_thresholds(self, now=None) -> bool:
        now = now or timezone.now()
        age = now - self.date_joined
        return (
            age.total_seconds() >= settings.KOTOBA_AUTOCONFIRM_DAYS * 86400
            and self.accepted_edit_count >= settings.KOTOBA_AUTOCONFIRM_EDITS
        )

    @property
    def trust_level(self) -> str:
        if self.is_moderator:
            return TrustLevel.MODERATOR
        if settings.KOTOBA_REQUIRE_CONFIRMED_EMAIL and not self.email_confirmed:
            return TrustLevel.UNCONFIRMED
        if self.is_autoconfirmed or self.meets_autoconfirm_thresholds():
            return TrustLevel.AUTOCONFIRMED
        return TrustLevel.NEW

    @property
    def is_trusted(self) -> bool:
        """Edits are published at once (autoconfirmed or moderator)."""
        return self.trust_level in (TrustLevel.AUTOCONFIRMED, TrustLevel.MODERATOR)


class Notice(models.Model):
    """A message to one user, shown on their profile (moderation decisions and the like)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    message = models.TextField()
    url = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=10, choices=NoticeKind.choices, default="decisions")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.message[:80]


def refresh_hidden_tag_ids(user_ids) -> dict[int, list[int]]:
    """Copy these users' hidden tags (the relation) into their `hidden_tag_ids`; returns the
    copies by user id."""
    user_ids = set(user_ids)
    if not user_ids:
        return {}
    hidden = {pk: [] for pk in user_ids}
    links = User.hidden_tags.through.objects.filter(user_id__in=user_ids).order_by("tag_id")
    for user_id, tag_id in links.values_list("user_id", "tag_id"):
        hidden[user_id].append(tag_id)
    users = [User(pk=pk, hidden_tag_ids=ids) for pk, ids in hidden.items()]
    User.objects.bulk_update(users, ["hidden_tag_ids"], batch_size=500)
    return hidden


@receiver(m2m_changed, sender=User.hidden_tags.through)
def _hidden_tags_changed(sender, instance, action, **kwargs):
    """`user.hidden_tags.add/remove/set/clear`: the copy follows (writes to the link table
    itself, as a tag merge makes, call `refresh_hidden_tag_ids`)."""
    if action in ("post_add", "post_remove", "post_clear") and isinstance(instance, User):
        instance.hidden_tag_ids = refresh_hidden_tag_ids([instance.pk])[instance.pk]


@receiver(pre_delete, sender="wiki.Tag")
def _note_hiders_of_a_deleted_tag(sender, instance, **kwargs):
    """A deleted tag's links go by cascade, which tells no m2m_changed receiver: note who
    hid it, and refresh their copies once it is gone."""
    links = User.hidden_tags.through.objects.filter(tag_id=instance.pk)
    instance._hidden_by = list(links.values_list("user_id", flat=True))


@receiver(post_delete, sender="wiki.Tag")
def _refresh_hiders_of_a_deleted_tag(sender, instance, **kwargs):
    refresh_hidden_tag_ids(getattr(instance, "_hidden_by", ()))
