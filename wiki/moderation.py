"""Moderation services: accept, reject, rollback, protect, block, reports.

Each runs in one transaction, writes the moderation log and tells the people concerned.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import NoticeKind
from accounts.notices import tell
from accounts.ratelimit import hit

from . import permissions
from .errors import EditRefused
from .models import Article, Block, ModerationLog, Report, Revision, RevisionStatus
from .publishing import publish
from .selectors import find_article_by_name

Action = ModerationLog.Action
logger = logging.getLogger(__name__)


class ModerationError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def notify(user, message: str, url: str = "") -> None:
    """Tell the people concerned of a decision (a notice, and a mail as they chose)."""
    tell(user, message, url, kind=NoticeKind.DECISIONS)


def _numbers(revisions) -> str:
    """ "revision 4" or "revisions 3–5" (the first and last of a run)."""
    numbers = sorted(rev.number for rev in revisions)
    if len(numbers) == 1:
        return f"revision {numbers[0]}"
    return f"revisions {numbers[0]}–{numbers[-1]}"


def _by_author(revisions) -> dict:
    """{author: [their revisions]}, authors in the order of their first revision."""
    grouped = {}
    for rev in revisions:
        if rev.author_id:
            grouped.setdefault(rev.author_id, (rev.author, []))[1].append(rev)
    return grouped


def require_moderator(user):
    if not permissions.can_moderate(user):
        raise ModerationError("Only moderators can do this.")


def accept_chain(revision: Revision, *, moderator, reason: str = "", implicit=False) -> list:
    """Accept `revision` and every pending revision of its article numbered below it,
    then publish it. Returns the revisions accepted."""
    require_moderator(moderator)
    with transaction.atomic():
        article = Article.objects.lock(revision.article_id)
        revision.refresh_from_db()
        if revision.status == RevisionStatus.REJECTED:
            raise ModerationError(
                f"Revision {revision.number} was rejected; it cannot be accepted."
            )
        chain = list(
            article.revisions.filter(status=RevisionStatus.PENDING, number__lte=revision.number)
            .select_related("author")
            .order_by("number")
        )
        if not implicit and revision.status == RevisionStatus.ACCEPTED and not chain:
            raise ModerationError(f"Revision {revision.number} is accepted already.")
        now = timezone.now()
        for rev in chain:
            rev.status = RevisionStatus.ACCEPTED
            rev.reviewed_by = moderator
            rev.reviewed_at = now
            rev.review_reason = reason
            rev.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason"])
        accepted = [rev for rev in chain if rev.pk != revision.pk or not implicit]
        # get_user_model(), never type(user): a view's request.user is a lazy wrapper.
        users = get_user_model().objects
        if implicit:  # the moderator's own edit counts as one accepted edit
            users.filter(pk=moderator.pk).update(accepted_edit_count=F("accepted_edit_count") + 1)
        for rev in accepted:
            if rev.author_id:
                users.filter(pk=rev.author_id).update(
                    accepted_edit_count=F("accepted_edit_count") + 1
                )
        revision.article = article
        _check_names_free(article, revision)
        publish(revision)
        for rev in accepted:
            ModerationLog.objects.create(
                actor=moderator,
                action=Action.ACCEPT,
                article=article,
                revision=rev,
                target_user=rev.author,
                reason=reason,
            )
        # One notice (and mail) per author for the whole decision, however many of their
        # revisions it accepted.
        for author_id, (author, revs) in _by_author(accepted).items():
            if author_id == moderator.pk:
                continue
            if any(rev.number == 1 for rev in revs):
                message = f"Your new article “{article.title}” is published."
                url = article.get_absolute_url()
            else:
                edits, were = ("edit", "was") if len(revs) == 1 else ("edits", "were")
                message = f"Your {edits} to “{article.title}” ({_numbers(revs)}) {were} accepted."
                url = revs[-1].get_absolute_url()
            notify(author, message, url)
    return accepted


def _check_names_free(article: Article, revision: Revision) -> None:
    """A pending title or alias may have been taken by another article since it was saved."""
    for name in [revision.title, *revision.alias_list]:
        other = find_article_by_name(name, exclude=article)
        if other is not None:
            raise ModerationError(
                f"“{name}” is now used by the article “{other.title}”. Reject this revision "
                "with that reason, or edit the article to choose another name first."
            )


def reject(revision: Revision, *, moderator, reason: str) -> list:
    """Reject `revision` and the pending revisions built after it. A reason is required."""
    require_moderator(moderator)
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError("Give a reason: it is sent to the author.")
    with transaction.atomic():
        article = Article.objects.lock(revision.article_id)
        revision.refresh_from_db()
        if revision.status != RevisionStatus.PENDING:
            raise ModerationError(f"Revision {revision.number} is not pending.")
        chain = list(
            article.revisions.filter(status=RevisionStatus.PENDING, number__gte=revision.number)
            .select_related("author")
            .order_by("number")
        )
        now = timezone.now()
        for rev in chain:
            rev.status = RevisionStatus.REJECTED
            rev.reviewed_by = moderator
            rev.reviewed_at = now
            rev.review_reason = reason
            rev.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_reason"])
            ModerationLog.objects.create(
                actor=moderator,
                action=Action.REJECT,
                article=article,
                revision=rev,
                target_user=rev.author,
                reason=reason,
            )
        for _author_id, (author, revs) in _by_author(chain).items():
            if any(rev.number == 1 for rev in revs):
                what = f"Your new article “{revs[0].title}” was"
            elif len(revs) == 1:
                what = f"Your edit to “{article.title}” ({_numbers(revs)}) was"
            else:
                what = f"Your edits to “{article.title}” ({_numbers(revs)}) were"
            notify(author, f"{what} not accepted. Reason: {reason}")
        article.latest_revision = (
            article.revisions.exclude(status=RevisionStatus.REJECTED).order_by("-number").first()
        )
        article.save(update_fields=["latest_revision"])
    return chain


def set_protection(*, article: Article, level: str, moderator, reason: str = "") -> None:
    require_moderator(moderator)
    with transaction.atomic():
        article = Article.objects.lock(article.pk)
        article.protection = level
        article.save(update_fields=["protection"])
        ModerationLog.objects.create(
            actor=moderator,
            action=Action.PROTECT,
            article=article,
            reason=f"{article.get_protection_display()}" + (f": {reason}" if reason else ""),
        )


def block_user(*, user, moderator, reason: str, expires_at=None) -> Block:
    require_moderator(moderator)
    reason = (reason or "").strip()
    if not reason:
        raise ModerationError("Give a reason: the user is told it.")
    if user.pk == moderator.pk:
        raise ModerationError("You cannot block yourself.")
    if user.is_superuser:
        raise ModerationError("Administrators cannot be blocked; ask another administrator.")
    block = Block.objects.create(
        user=user, reason=reason, expires_at=expires_at, created_by=moderator
    )
    ModerationLog.objects.create(
        actor=moderator, action=Action.BLOCK, target_user=user, reason=reason
    )
    notify(user, permissions.block_message(block))
    return block


def lift_block(block: Block, *, moderator, reason: str = "") -> None:
    require_moderator(moderator)
    block.lifted_at = timezone.now()
    block.save(update_fields=["lifted_at"])
    ModerationLog.objects.create(
        actor=moderator, action=Action.UNBLOCK, target_user=block.user, reason=reason
    )


def grant_autoconfirmed(*, user, moderator) -> None:
    require_moderator(moderator)
    user.is_autoconfirmed = True
    user.save(update_fields=["is_autoconfirmed"])
    ModerationLog.objects.create(actor=moderator, action=Action.GRANT, target_user=user)


def file_report(*, reporter, article: Article, reason: str, text: str = "", revision=None):
    refusal = permissions.report_refusal(reporter)
    if refusal:
        raise EditRefused(refusal.message, refusal.code)
    if reason == Report.Reason.OTHER and not text.strip():
        raise EditRefused("Say what is wrong when you choose “Other”.", "text_required", "text")
    if not hit("report", str(reporter.pk), limit=settings.KOTOBA_REPORT_RATE, window=3600):
        raise EditRefused(
            "You have sent many reports in the last hour. Try again later; "
            "your text is still in the form.",
            "rate_limited",
        )
    return Report.objects.create(
        reporter=reporter, article=article, revision=revision, reason=reason, text=text.strip()
    )


def close_report(report: Report, *, moderator, status: str, note: str = "") -> None:
    require_moderator(moderator)
    report.status = status
    report.note = note
    report.handled_by = moderator
    report.handled_at = timezone.now()
    report.save(update_fields=["status", "note", "handled_by", "handled_at"])
    ModerationLog.objects.create(
        actor=moderator,
        action=Action.REPORT,
        article=report.article,
        revision=report.revision,
        target_user=report.reporter,
        reason=f"{report.get_status_display()}: {note}".strip(": "),
    )
