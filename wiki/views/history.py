"""History, old revisions, diffs, revert and rollback."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import F, OuterRef, Subquery, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import confirmed_email_required

from .. import diffing, listing, paging, permissions, statements
from ..access import with_article
from ..editing import EditConflict, pending_chain_context, revert
from ..errors import EditRefused
from ..japanese import mark_html
from ..models import ModerationLog, Revision, RevisionStatus
from ..models.articles import reader_visibility
from ..moderation import ModerationError
from ..pagecache import public_page
from ..preferences import gate_for
from ..rollback import rollback
from .watchlist import watch_button

HISTORY_PAGE_SIZE = 50
MAX_REVISION_NUMBER = 2**31 - 1  # PositiveIntegerField's range on every database
# Moderators' decisions. A revert is an edit like any other: its own row in the history,
# whose summary names what it undid, not a line of the moderation log.
HISTORY_LOG_ACTIONS = [
    ModerationLog.Action.ACCEPT,
    ModerationLog.Action.REJECT,
    ModerationLog.Action.ROLLBACK,
    ModerationLog.Action.PROTECT,
]
FIELD_LABELS = {
    "title": "Title",
    "summary": "Summary",
    "aliases": "Aliases",
    "original_script": "Original script",
    "reading": "Reading",
    "origin_language": "Language of origin",
    "tone": "Tone",
    "contrasts_with": "Contrasts with",
    "tags": "Tags",
}


def _visible_revision(request, article, number) -> Revision:
    revision = (
        article.revisions.visible_to(request.user)
        .select_related("author", "reviewed_by")
        .annotate(parent_number=F("parent__number"))
        .filter(number=number)
        .first()
    )
    if revision is None:
        raise Http404("No such revision.")
    return revision


@public_page
@with_article(watching=True)
def history(request, article):
    revisions = (
        article.revisions.visible_to(request.user)
        .select_related("author", "reviewed_by")
        .for_lists()
    )
    page = paging.by_number(revisions, request.GET, size=HISTORY_PAGE_SIZE)
    log = (
        ModerationLog.objects.filter(article=article, action__in=HISTORY_LOG_ACTIONS)
        .select_related("actor", "revision")
        .only(
            "created_at",
            "action",
            "reason",
            "actor__username",
            "revision__number",
            "revision__status",
        )
        .order_by("-created_at")[:20]
    )
    if not (request.user.is_authenticated and request.user.is_moderator):
        log = [entry for entry in log if entry.revision is None or not entry.revision.is_pending]
    return render(
        request,
        "wiki/history.html",
        {
            "article": article,
            "page": page,
            "rows": listing.history_rows(article, page.object_list),
            "page_size": HISTORY_PAGE_SIZE,
            "log": log,
            "can_moderate": permissions.can_moderate(request.user),
            "watch_slot": watch_button(request, article=article),
        },
    )


@public_page
@with_article()
def revision_detail(request, article, number):
    revision = _visible_revision(request, article, number)
    tags = list(revision.tags.all())
    return render(
        request,
        "wiki/revision.html",
        {
            "article": article,
            "revision": revision,
            "tags": tags,
            "body_html": mark_html(revision.body_html),
            "warnings": [tag for tag in tags if tag.is_warning],
            "gate": gate_for(request, tags),
            "contrasts": list(
                revision.contrasts_with.published().select_related("published_revision")
            ),
            "is_current": revision.pk == article.published_revision_id,
        },
    )


def _display_values(revision) -> dict:
    values = {
        name: getattr(revision, name)
        for name in FIELD_LABELS
        if name not in ("tags", "contrasts_with", "aliases")
    }
    values["aliases"] = revision.alias_list
    values["contrasts_with"] = [a.title for a in revision.contrasts_with.all()]
    values["tags"] = [t.name for t in revision.tags.all()]
    return values


def build_diff(old: Revision | None, new: Revision, *, view: str = "inline") -> dict:
    """Everything a diff page shows; the moderators' review page reuses it.
    `old` may be None (a new article): everything in `new` shows as added."""
    if old is None:
        old = Revision(article=new.article, number=0, title="", summary="", body="")
        old_values = {
            name: [] if name in ("aliases", "contrasts_with", "tags") else ""
            for name in FIELD_LABELS
        }
    else:
        old_values = _display_values(old)
    return {
        "old": old,
        "new": new,
        "view": view,
        "inline": diffing.inline_diff(old.body, new.body) if view == "inline" else "",
        "rows": diffing.side_by_side(old.body, new.body) if view == "side" else [],
        "fields": diffing.field_changes(old_values, _display_values(new), FIELD_LABELS),
        "same_body": old.body == new.body,
    }


@public_page
@with_article()
def diff(request, article, a, b):
    if max(a, b) > MAX_REVISION_NUMBER:  # no such revision, and too big for an `IN (...)`
        raise Http404("No such revision.")
    shape = (reader_visibility(request.user),)
    revisions = statements.fetch(_diff_sides, shape, [article.pk, a, b])
    found = {revision.number: revision for revision in revisions}
    if a not in found or b not in found:
        raise Http404("No such revision.")
    old, new = found[a], found[b]
    prefetch_related_objects(revisions, "tags", "contrasts_with")
    view = "side" if request.GET.get("view") == "side" else "inline"
    tags = {tag.pk: tag for revision in (old, new) for tag in revision.tags.all()}
    gate = gate_for(request, list(tags.values()))
    # MediaWiki's "← Older edit · Newer edit →": the edit that made the older side, and the
    # one after the newer side, each against the revision this reader saw before it.
    context = {
        "article": article,
        "older_edit": (old.previous_number, old.number) if old.previous_number else None,
        "newer_edit": (new.number, new.next_number) if new.next_number else None,
    }
    if gate is not None:  # the text of either side opens behind the same notice as the article
        context |= {"old": old, "new": new, "view": view, "gate": gate}
        return render(request, "wiki/diff.html", context)
    return render(request, "wiki/diff.html", context | build_diff(old, new, view=view))


def _diff_sides(visibility):
    """The two revisions of a diff (stand-ins: 0 the article, 1 and 2 the numbers) that a
    reader of this visibility may see, with their neighbours' numbers and their authors (in
    the same query); not the stored HTML and lists a diff never shows."""
    visible = Revision.objects.filter(article_id=statements.stand_in(0)).visible_as(visibility)
    return (
        with_neighbours(visible)
        .filter(number__in=(statements.stand_in(1), statements.stand_in(2)))
        .select_related("author")
        .defer("body_html", "faq", "external_links", "link_targets")
        .defer(*(f"author__{field}" for field in AUTHOR_UNSHOWN))
    )


# What a diff never shows of its authors: not loaded.
AUTHOR_UNSHOWN = ("password", "hidden_tag_ids", "email")


def with_neighbours(visible):
    """`visible` (one article's revisions that a reader may see), each with the numbers of the
    visible revisions just before and after it (`previous_number`, `next_number`; None at
    either end), in the same query."""
    before = visible.filter(number__lt=OuterRef("number")).order_by("-number")
    after = visible.filter(number__gt=OuterRef("number")).order_by("number")
    return visible.annotate(
        previous_number=Subquery(before.values("number")[:1]),
        next_number=Subquery(after.values("number")[:1]),
    )


@with_article()
def compare(request, article):
    """The history page's "compare" form: two numbers to the canonical diff URL."""
    try:
        numbers = sorted({int(request.GET["a"]), int(request.GET["b"])})
    except (KeyError, ValueError):
        messages.error(request, "Pick two revisions to compare.")
        return redirect("history", article.slug)
    if len(numbers) == 1:
        messages.error(request, "Pick two different revisions to compare.")
        return redirect("history", article.slug)
    return redirect("diff", article.slug, numbers[0], numbers[1])


@confirmed_email_required
@require_http_methods(["GET", "POST"])
@with_article()
def revert_view(request, article, number):
    revision = _visible_revision(request, article, number)
    if revision.status != RevisionStatus.ACCEPTED:
        raise Http404("Only accepted revisions can be reverted to.")
    refusal = permissions.edit_refusal(request.user, article)
    if request.method == "POST" and refusal is None:
        try:
            outcome = revert(article=article, number=revision.number, author=request.user)
        except (EditRefused, EditConflict) as exc:
            messages.error(request, getattr(exc, "message", "The revert could not be saved."))
        else:
            if outcome.published:
                messages.success(request, f"Reverted to revision {number}.")
            else:
                messages.info(request, f"Revert to revision {number} saved, waiting for review.")
            return redirect("history", article.slug)
    return render(
        request,
        "wiki/revert.html",
        {
            "article": article,
            "revision": revision,
            "refusal": refusal,
            **pending_chain_context(request.user, article),
        },
        status=403 if refusal else 200,
    )


@require_POST
@with_article()
def rollback_view(request, article, username):
    if not permissions.can_moderate(request.user):
        raise PermissionDenied("Only moderators can roll back.")
    user = get_object_or_404(get_user_model(), username=username)
    try:
        revision = rollback(
            article=article,
            user=user,
            moderator=request.user,
            reason=request.POST.get("reason", ""),
        )
    except ModerationError as exc:
        messages.error(request, exc.message)
    else:
        done = f"revision {revision.number}" if revision else "their pending edits were rejected"
        messages.success(request, f"Rolled back the edits by {user.username} ({done}).")
    return redirect(reverse("history", args=[article.slug]))
