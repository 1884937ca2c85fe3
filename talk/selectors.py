"""What each person may read on talk pages, written once: views and feeds call these."""

from django.db.models import Count, Exists, OuterRef, Q

from wiki.models import RevisionStatus

from .models import Post, Thread

ACCEPTED = RevisionStatus.ACCEPTED


def _moderates(user) -> bool:
    return user.is_authenticated and user.is_moderator


def threads_for(article, user):
    """The article's threads this person may see, newest activity first, with `post_count`
    (the posts everyone sees): the visible ones, plus their own waiting for review (all of
    them for a moderator)."""
    threads = Thread.objects.filter(article=article)
    if not _moderates(user):
        threads = threads.filter(Q(is_visible=True) | _waiting_for(user))
    shown = Q(posts__status=ACCEPTED, posts__is_hidden=False)
    return (
        threads.select_related("created_by")
        .annotate(post_count=Count("posts", filter=shown))
        .order_by("-last_activity_at", "-pk")
    )


def _waiting_for(user) -> Q:
    """A thread whose opening post by `user` waits for review (a declined one is gone)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    waiting = Post.objects.filter(thread=OuterRef("pk"), author=user, status=RevisionStatus.PENDING)
    return Q(Exists(waiting), created_by=user)


def thread_for(article, pk, user) -> Thread | None:
    return threads_for(article, user).filter(pk=pk).first()


def posts_for(thread, user):
    """The thread's posts this person may see, oldest first: accepted ones (hidden ones too,
    shown as a line), their own waiting for review, every pending one for a moderator."""
    posts = thread.posts.select_related("author")
    if _moderates(user):
        return posts.exclude(status=RevisionStatus.REJECTED)
    mine = Q(author=user, status=RevisionStatus.PENDING) if user.is_authenticated else Q(pk__in=[])
    return posts.filter(Q(status=ACCEPTED) | mine)


def visible_posts(article):
    """What the talk feed shows: posts anyone can see, newest first."""
    return (
        Post.objects.filter(
            thread__article=article, thread__is_visible=True, status=ACCEPTED, is_hidden=False
        )
        .select_related("author", "thread")
        .order_by("-created_at", "-pk")
    )
