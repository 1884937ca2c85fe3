"""Rollback: a moderator takes back the latest run of edits by one user at once.

An edit (the editing module's `save_edit`, building on the current head) and moderation
decisions (rejecting the run's pending revisions, the log) together; kept apart from both so
that neither of those modules needs the other's functions.
"""

from django.db import transaction

from .editing import head_revision, revision_values, save_edit
from .errors import EditRefused
from .models import Article, ModerationLog, Revision, RevisionStatus
from .moderation import ModerationError, reject, require_moderator

Action = ModerationLog.Action


def rollback(*, article: Article, user, moderator, reason: str = ""):
    """Revert all the latest consecutive revisions by `user`, as one new revision."""
    require_moderator(moderator)
    with transaction.atomic():
        article = Article.objects.lock(article.pk)
        revisions = list(
            article.revisions.exclude(status=RevisionStatus.REJECTED).order_by("-number")
        )
        run = []
        for rev in revisions:
            if rev.author_id != user.pk:
                break
            run.append(rev)
        if not run:
            raise ModerationError(f"The latest revision is not by {user.username}.")
        if len(run) == len(revisions):
            raise ModerationError(
                f"Every revision is by {user.username}: there is nothing to roll back to."
            )
        target = revisions[len(run)]
        pending = [rev for rev in run if rev.status == RevisionStatus.PENDING]
        if pending:  # rejects these and tells their author why
            reject(
                pending[-1],
                moderator=moderator,
                reason="Rolled back" + (f": {reason}" if reason else ""),
            )
        if len(pending) == len(run):
            # Nothing of theirs was published: rejecting is the whole rollback. No new
            # revision, so nobody else's pending edit gets accepted along the way.
            ModerationLog.objects.create(
                actor=moderator,
                action=Action.ROLLBACK,
                article=article,
                revision=run[0],
                target_user=user,
                reason=reason or f"{len(run)} pending revision(s) by {user.username}",
            )
            return None
        target = Revision.objects.prefetch_related("contrasts_with", "tags").get(pk=target.pk)
        # Build on the current head (the run's accepted revisions are still there): starting
        # from `target` would make save_edit merge the run's changes back in.
        head = head_revision(article)
        try:
            outcome = save_edit(
                author=moderator,
                article=article,
                values=revision_values(target),
                base_number=head.number,
                edit_summary=(
                    f"Rolled back edits by {user.username} to revision {target.number}"
                    + (f": {reason}" if reason else "")
                )[:300],
                check_rate=False,
            )
        except EditRefused as exc:
            raise ModerationError(exc.message) from exc
        ModerationLog.objects.create(
            actor=moderator,
            action=Action.ROLLBACK,
            article=article,
            revision=outcome.revision,
            target_user=user,
            reason=reason or f"{len(run)} revision(s) by {user.username}",
        )
    return outcome.revision
