"""Deleting and restoring articles: soft, logged, and never onto a name someone else holds.

A deleted article stays in the database with its history; readers get a 404, its title and
slug are free for a new article, and links to it turn red. Restoring it is refused while a
live article holds its title; a slug taken since is replaced by a free one.
"""

from django.db import transaction

from . import permissions, tagcounts
from .models import Article, ModerationLog
from .moderation import ModerationError
from .publishing import slug_for, turn_links_red, turn_red_links_blue
from .selectors import find_article_by_name


def title_clash(article: Article) -> Article | None:
    """The live article that holds `article`'s title now, if any (restoring it is refused)."""
    return find_article_by_name(article.title, exclude=article)


def _require_moderator(user) -> None:
    if not permissions.can_moderate(user):
        raise ModerationError("Only moderators can delete or restore articles.")


def delete_article(article: Article, *, moderator, reason: str) -> None:
    _require_moderator(moderator)
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError("Give a reason for deleting the article: it goes in the log.")
    with transaction.atomic():
        article = Article.objects.lock(article.pk)
        if article.is_deleted:
            raise ModerationError(f"“{article.title}” is deleted already.")
        article.is_deleted = True
        article.save(update_fields=["is_deleted"])
        tagcounts.shift(removed=article.published_revision_id)
        turn_links_red(article)
        ModerationLog.objects.create(
            actor=moderator, action=ModerationLog.Action.DELETE, article=article, reason=reason
        )


def undelete_article(article: Article, *, moderator, reason: str) -> list[str]:
    """Restore `article`. Returns the aliases it lost while deleted (another article claimed
    them); they are named in the log."""
    _require_moderator(moderator)
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError("Give a reason for restoring the article: it goes in the log.")
    with transaction.atomic():
        article = Article.objects.lock(article.pk)
        if not article.is_deleted:
            raise ModerationError(f"“{article.title}” is not deleted.")
        other = title_clash(article)
        if other is not None:
            raise ModerationError(
                f"The title “{article.title}” is now used by the article “{other.title}”. "
                "Rename or delete that article first, or leave this one deleted."
            )
        if Article.objects.live().filter(slug=article.slug).exclude(pk=article.pk).exists():
            article.slug = slug_for(article.title, article=article)
        article.is_deleted = False
        article.save(update_fields=["is_deleted", "slug"])
        tagcounts.shift(added=article.published_revision_id)
        lost = []
        if article.published_revision_id:
            kept = set(article.alias_set.values_list("name", flat=True))
            lost = [name for name in article.published_revision.alias_list if name not in kept]
            turn_red_links_blue(article)
        note = f" (aliases now used elsewhere: {', '.join(lost)})" if lost else ""
        ModerationLog.objects.create(
            actor=moderator,
            action=ModerationLog.Action.UNDELETE,
            article=article,
            reason=reason + note,
        )
    return lost
