"""Watchlists and what watchers are told.

A user watches an article (every change readers can see) or a tag (every new article with it).
Watchers are told by a notice, never before a change is visible: `publish` (the one place a
revision becomes what readers see) calls `announce`, which hands the revision to a task after
the transaction commits, so a decision that rolls back tells no one and a slow fan-out never
holds a request.
"""

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.tasks import task
from django.urls import reverse

from accounts.background import enqueue_after_commit
from accounts.models import NoticeKind
from accounts.notices import tell

from .models import Article, Revision, RevisionStatus, Tag, Watch

# --- watching ------------------------------------------------------------------------------


def _target(article: Article | None, tag: Tag | None) -> dict:
    if (article is None) == (tag is None):
        raise ValueError("watch an article or a tag")
    return {"article": article} if article is not None else {"tag": tag}


def is_watching(user, *, article: Article | None = None, tag: Tag | None = None) -> bool:
    if not user.is_authenticated:
        return False
    return Watch.objects.filter(user=user, **_target(article, tag)).exists()


def watch(user, *, article: Article | None = None, tag: Tag | None = None) -> None:
    try:
        with transaction.atomic():
            Watch.objects.get_or_create(user=user, **_target(article, tag))
    except IntegrityError:  # the same click twice at once: watched either way
        pass


def unwatch(user, *, article: Article | None = None, tag: Tag | None = None) -> None:
    Watch.objects.filter(user=user, **_target(article, tag)).delete()


def watch_after_edit(user, article: Article) -> None:
    """An article its author created or edited joins their watchlist, unless they said no."""
    if user.watch_own_edits:
        watch(user, article=article)


# --- the watchlist page --------------------------------------------------------------------


def watched_changes(user):
    """Visible changes to the articles `user` watches and to the articles carrying a tag they
    watch, newest first (for the watchlist page, filtered and paged like recent changes)."""
    watches = Watch.objects.filter(user=user)
    return (
        Revision.objects.accepted()
        .filter(article__published_revision__isnull=False, article__is_deleted=False)
        .filter(
            Q(Exists(watches.filter(article=OuterRef("article"))))
            | Q(Exists(watches.filter(tag__revisions=OuterRef("article__published_revision"))))
        )
        .select_related("article", "author", "reviewed_by")
        .for_lists()
        .order_by("-created_at", "-pk")
    )


def watched_things(user) -> tuple[list[Article], list[Tag]]:
    watches = Watch.objects.filter(user=user).select_related("article", "tag")
    articles = sorted(
        (w.article for w in watches if w.article_id and w.article.is_published),
        key=lambda a: a.title.casefold(),
    )
    tags = sorted((w.tag for w in watches if w.tag_id), key=lambda t: t.name.casefold())
    return articles, tags


# --- telling watchers ----------------------------------------------------------------------


def announce(revision: Revision, *, previous: int | None) -> None:
    """Tell the watchers of `revision`'s article (and, for a new article, of its tags) once
    the current transaction commits; `previous` is the number of the revision readers saw
    before (None: the article is new to them). Called by `publishing.publish` only."""
    what = f"the watchers' notices for revision {revision.pk}"
    enqueue_after_commit(tell_watchers, what, revision_id=revision.pk, previous=previous)


@task
def tell_watchers(*, revision_id: int, previous: int | None) -> None:
    revision = (
        Revision.objects.select_related("article", "author")
        .filter(pk=revision_id, status=RevisionStatus.ACCEPTED)
        .first()
    )
    if revision is None:
        return
    article = revision.article
    if article.published_revision_id != revision.pk or article.is_deleted:
        return  # something newer is visible already (and tells its own watchers)
    for user, message, url in notices_for(revision, previous=previous):
        tell(user, message, url, kind=NoticeKind.WATCHED)


def notices_for(revision: Revision, *, previous: int | None):
    """(user, message, url) for everyone to tell about this newly visible revision: the
    article's watchers, and for a new article its tags' watchers; never its author or the
    moderator who accepted it, and each person once."""
    article = revision.article
    skip = [pk for pk in (revision.author_id, revision.reviewed_by_id) if pk]
    by = revision.author.username if revision.author else "someone"
    if previous is None:
        message, url = f"New article “{article.title}” by {by}.", article.get_absolute_url()
    else:
        summary = f": {revision.edit_summary}" if revision.edit_summary else "."
        message = f"“{article.title}” was changed by {by}{summary}"
        url = reverse("diff", args=[article.slug, previous, revision.number])
    told = set(skip)
    for watch in (
        Watch.objects.filter(article=article).exclude(user__in=skip).select_related("user")
    ):
        told.add(watch.user_id)
        yield watch.user, message, url
    if previous is None:
        by_user: dict[int, list] = {}
        for watch in (
            Watch.objects.filter(tag__revisions=revision)
            .exclude(user__in=told)
            .select_related("user", "tag")
            .order_by("tag__name")
        ):
            by_user.setdefault(watch.user_id, []).append(watch)
        for watches in by_user.values():
            names = ", ".join(w.tag.name for w in watches)
            yield watches[0].user, f"New article “{article.title}” tagged {names}.", url
