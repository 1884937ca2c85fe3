"""Writing on talk pages and moderating it: the only code that creates, accepts, rejects,
hides or locks. The rules are the edit's: the same refusals (signed in, confirmed, not
blocked), spam checks (link limit, URL blocklist), rate limits and trust ladder (a new
user's post waits for a moderator). Whoever should hear of a post hears of it once it is
visible, through a task queued after commit.
"""

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower
from django.tasks import task
from django.utils import timezone

from accounts.background import enqueue_after_commit
from accounts.models import NoticeKind
from accounts.notices import tell
from accounts.ratelimit import hit
from wiki import permissions, spam
from wiki.errors import EditRefused
from wiki.models import Article, RevisionStatus, Watch
from wiki.moderation import notify, require_moderator
from wiki.rendering import render

from .models import Post, PostReport, Thread

# "@name" where a username can start (not inside an address or another word); Django's
# usernames hold letters, digits and @ . + - _; a trailing full stop ends a sentence.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]{1,150})")
MENTIONS_TOLD = 10  # at most this many people are told of one post's mentions


def post_refusal(user, thread: Thread | None = None) -> permissions.Refusal | None:
    """Why `user` may not post (in `thread`, or start one); None if they may."""
    refusal = permissions.edit_refusal(user)  # talk stays open on protected articles
    if refusal is not None:
        return refusal
    if thread is not None and thread.is_locked and not user.is_moderator:
        reason = f" {thread.locked_reason}" if thread.locked_reason else ""
        return permissions.Refusal(f"This thread is locked by a moderator.{reason}", "locked")
    return None


def start_thread(*, author, article: Article, subject: str, body: str) -> Post:
    with transaction.atomic():
        thread = Thread.objects.create(article=article, subject=subject, created_by=author)
        return _new_post(author, thread, body)


def reply(*, author, thread: Thread, body: str) -> Post:
    with transaction.atomic():
        thread = Thread.objects.select_for_update().get(pk=thread.pk)
        return _new_post(author, thread, body)


def _new_post(author, thread: Thread, body: str) -> Post:
    refusal = post_refusal(author, thread)
    if refusal is not None:
        raise EditRefused(refusal.message, refusal.code)
    trusted = author.is_trusted
    limit = settings.KOTOBA_TALK_RATE_AUTOCONFIRMED if trusted else settings.KOTOBA_TALK_RATE_NEW
    if not hit("talk", str(author.pk), limit=limit, window=60):
        raise EditRefused(
            "You are posting faster than this wiki allows. Wait a minute, then post again: "
            "your text is still in the form.",
            "rate_limited",
        )
    rendered = render(body)
    if rendered.problem is not None:
        raise EditRefused(rendered.problem.message, rendered.problem.code, field="body")
    spam.check(author, links=rendered.external_links, clickable=rendered.clickable_links)
    at_once = author.is_trusted
    post = Post.objects.create(
        thread=thread,
        author=author,
        body=body,
        body_html=rendered.html,
        external_links=rendered.external_links,
        status=RevisionStatus.ACCEPTED if at_once else RevisionStatus.PENDING,
        reviewed_by=author if at_once else None,
        reviewed_at=timezone.now() if at_once else None,
    )
    if at_once:
        _shown(post)
    return post


def _shown(post: Post) -> None:
    """`post` has just become visible (if its thread is)."""
    thread = post.thread
    opening = not thread.posts.exclude(pk=post.pk).filter(created_at__lte=post.created_at).exists()
    if opening:
        thread.is_visible = True
    thread.last_activity_at = timezone.now()
    thread.save(update_fields=["is_visible", "last_activity_at"])
    enqueue_after_commit(tell_about_post, f"the notices for talk post {post.pk}", post_id=post.pk)


# --- moderation ----------------------------------------------------------------------------


def accept(post: Post, *, moderator) -> None:
    _decide(post, moderator, RevisionStatus.ACCEPTED, "")


def reject(post: Post, *, moderator, reason: str) -> None:
    _decide(post, moderator, RevisionStatus.REJECTED, reason)


def _decide(post: Post, moderator, status: str, reason: str) -> None:
    """Accept or reject a waiting post (one already decided is left as it is); its author is
    told, with the reason."""
    require_moderator(moderator)
    with transaction.atomic():
        post = Post.objects.select_related("thread__article").select_for_update().get(pk=post.pk)
        if not post.is_pending:
            return
        post.status, post.review_reason = status, reason
        post.reviewed_by, post.reviewed_at = moderator, timezone.now()
        post.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason"])
        where = f"“{post.thread.subject}” on the talk page of “{post.thread.article.title}”"
        if status == RevisionStatus.ACCEPTED:
            _shown(post)
            notify(post.author, f"Your post in {where} was accepted.", post.get_absolute_url())
        else:
            message = f"Your post in {where} was declined. Reason: {reason}"
            notify(post.author, message, post.thread.article.get_absolute_url())


def hide(post: Post, *, moderator, reason: str) -> None:
    """The post stays, with the reason, for moderators; readers see a line saying so."""
    require_moderator(moderator)
    Post.objects.filter(pk=post.pk).update(
        is_hidden=True, hidden_reason=reason, hidden_by=moderator
    )


def unhide(post: Post, *, moderator) -> None:
    require_moderator(moderator)
    Post.objects.filter(pk=post.pk).update(is_hidden=False, hidden_reason="", hidden_by=None)


def lock(thread: Thread, *, moderator, reason: str = "") -> None:
    require_moderator(moderator)
    Thread.objects.filter(pk=thread.pk).update(is_locked=True, locked_reason=reason)


def unlock(thread: Thread, *, moderator) -> None:
    require_moderator(moderator)
    Thread.objects.filter(pk=thread.pk).update(is_locked=False, locked_reason="")


def report(*, reporter, post: Post, text: str) -> PostReport:
    refusal = permissions.report_refusal(reporter)
    if refusal is not None:
        raise EditRefused(refusal.message, refusal.code)
    if not hit("report", str(reporter.pk), limit=settings.KOTOBA_REPORT_RATE, window=3600):
        raise EditRefused("You have sent many reports in the last hour. Try again later.")
    return PostReport.objects.create(post=post, reporter=reporter, text=text)


# --- telling people ------------------------------------------------------------------------


@task
def tell_about_post(*, post_id: int) -> None:
    post = (
        Post.objects.select_related("thread__article", "author")
        .filter(pk=post_id, status=RevisionStatus.ACCEPTED, is_hidden=False)
        .first()
    )
    if post is None or not post.thread.is_visible:
        return
    for user, message, kind in notices_for(post):
        tell(user, message, post.get_absolute_url(), kind=kind)


def notices_for(post: Post):
    """(user, message) for the people a newly visible post concerns, each once: those it
    mentions, those who posted in its thread, and the article's watchers; never its author."""
    thread, article = post.thread, post.thread.article
    by = post.author.username if post.author else "someone"
    told = {post.author_id}
    users = get_user_model().objects
    names = [name.casefold() for name in mentioned(post.body)]
    for user in users.annotate(key=Lower("username")).filter(key__in=names).exclude(pk__in=told):
        told.add(user.pk)
        yield (
            user,
            f"{by} mentioned you in “{thread.subject}” (talk: {article.title}).",
            NoticeKind.MENTIONS,
        )
    participants = thread.posts.filter(status=RevisionStatus.ACCEPTED).values("author")
    watchers = Watch.objects.filter(article=article).values("user")
    for user in users.filter(pk__in=participants).union(users.filter(pk__in=watchers)):
        if user.pk not in told:
            told.add(user.pk)
            yield (
                user,
                f"{by} wrote in “{thread.subject}” (talk: {article.title}).",
                NoticeKind.TALK,
            )


def mentioned(text: str) -> list[str]:
    names = [name.rstrip(".") for name in MENTION.findall(text)]
    return list(dict.fromkeys(name for name in names if name))[:MENTIONS_TOLD]
