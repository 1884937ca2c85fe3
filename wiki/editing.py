"""Saving edits: one transaction, the article row locked, stale bases merged or refused.

`save_edit` is the only way a revision comes into being (reverts and rollbacks call it too),
so every rule about who may save what is enforced here, whatever view or command calls it.
"""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.ratelimit import hit

from . import diffing, permissions, spam, watching
from .errors import EditRefused
from .models import Article, ArticleKind, ModerationLog, Revision, RevisionStatus, Tag
from .moderation import accept_chain
from .publishing import publish, slug_for
from .rendering import Rendered, render
from .selectors import find_article_by_name

# Every versioned field. Lists hold ids (contrasts_with: articles; tags: tags).
TEXT_FIELDS = (
    "title",
    "summary",
    "body",
    "aliases",
    "original_script",
    "reading",
    "origin_language",
    "tone",
)
LIST_FIELDS = ("contrasts_with", "tags")
VERSIONED_FIELDS = TEXT_FIELDS + LIST_FIELDS


@dataclass
class EditConflict(Exception):
    """The base was stale and the changes overlap: nothing was saved."""

    theirs: Revision
    body_merge: diffing.MergeResult
    field_conflicts: list[str] = field(default_factory=list)
    # The fields the other person changed and the user did not (values as in revision_values):
    # the conflict form takes these over, so a plain re-save keeps their change.
    theirs_only: dict = field(default_factory=dict)


@dataclass
class SaveOutcome:
    revision: Revision
    merged_with: Revision | None = None

    @property
    def published(self) -> bool:
        return self.revision.status == RevisionStatus.ACCEPTED


def revision_values(revision: Revision) -> dict:
    """A revision's versioned fields as plain values (lists as sorted ids)."""
    values = {name: getattr(revision, name) for name in TEXT_FIELDS}
    values["contrasts_with"] = sorted(a.pk for a in revision.contrasts_with.all())
    values["tags"] = sorted(t.pk for t in revision.tags.all())
    return values


def normalize_values(values: dict) -> dict:
    clean = {name: values.get(name) or "" for name in TEXT_FIELDS}
    clean["body"] = clean["body"].replace("\r\n", "\n")
    clean["aliases"] = "\n".join(
        line.strip() for line in clean["aliases"].replace("\r\n", "\n").split("\n") if line.strip()
    )
    for name in LIST_FIELDS:
        clean[name] = sorted({getattr(x, "pk", x) for x in values.get(name) or []})
    return clean


def head_revision(article: Article) -> Revision | None:
    """The revision new edits build on: the newest one that is not rejected."""
    return (
        article.revisions.exclude(status=RevisionStatus.REJECTED)
        .prefetch_related("contrasts_with", "tags")
        .order_by("-number")
        .first()
    )


def save_edit(
    *,
    author,
    values: dict,
    article: Article | None = None,
    kind: str = ArticleKind.TERM,
    base_number: int | None = None,
    edit_summary: str = "",
    is_minor: bool = False,
    check_rate: bool = True,
    new_tag_names: tuple[str, ...] | list[str] = (),
) -> SaveOutcome:
    """Save a new revision of `article` (or create the article when it is None).

    Raises EditRefused when the author may not save this, EditConflict when the base is
    stale and the changes overlap. Otherwise the revision is saved: published at once or
    pending review, according to the author's trust and the article's protection.
    """
    refusal = permissions.edit_refusal(author, article)
    if refusal:
        raise EditRefused(refusal.message, refusal.code)
    if new_tag_names and not author.is_trusted:
        raise EditRefused(
            "Only autoconfirmed editors can create tags: " + ", ".join(new_tag_names),
            "unknown_tag",
            "tags",
        )
    if new_tag_names and not publishes_now(author, article)[0]:
        raise EditRefused(
            "New tags are created only with edits that are published at once, and this edit "
            "will wait for review. Choose existing tags, or ask a moderator to create: "
            + ", ".join(new_tag_names),
            "unknown_tag",
            "tags",
        )
    if check_rate and not hit(
        "edit", str(author.pk), limit=permissions.edit_rate_limit(author), window=60
    ):
        raise EditRefused(
            "You are saving edits faster than this wiki allows. Wait a minute, then save again: "
            "your text is still in the form.",
            "rate_limited",
        )
    try:
        with transaction.atomic():
            values = {
                **values,
                "tags": [*values.get("tags", []), *_create_tags(new_tag_names, author)],
            }
            mine = normalize_values(values)
            if article is None:
                outcome = _create(author, mine, kind, edit_summary, is_minor)
            else:
                outcome = _edit(author, mine, article, base_number, edit_summary, is_minor)
            watching.watch_after_edit(author, outcome.revision.article)
            return outcome
    except IntegrityError as exc:
        raise _integrity_refusal(values, article) from exc


def _integrity_refusal(values: dict, article: Article | None) -> EditRefused:
    """Why a save broke a unique constraint, read again after the rollback: a title or alias
    that another article took in the meantime (a real clash, named), or else a concurrent
    save of the same article (save again)."""
    typed = [values.get("title") or "", *normalize_values(values)["aliases"].split("\n")]
    for name in filter(None, typed):
        other = find_article_by_name(name, exclude=article)
        if other is not None:
            field = "title" if name == values.get("title") else "aliases"
            return EditRefused(
                f"“{name}” was just taken by another article (“{other.title}”). Choose another "
                "name and save again: your text is still in the form.",
                "name_taken",
                field,
            )
    return EditRefused(
        "Someone else saved at the same moment. Save again: your text is still in the form.",
        "race",
    )


def publishes_now(author, article: Article | None) -> tuple[bool, bool]:
    """(whether an edit by `author` is accepted at once, whether pending revisions exist).
    Trusted edits on top of someone's pending revisions wait too, unless by a moderator."""
    pending_below = article is not None and (
        article.revisions.filter(status=RevisionStatus.PENDING).exists()
    )
    return _accepted_at_once(author, article, pending_below=pending_below), pending_below


def _accepted_at_once(author, article: Article | None, *, pending_below: bool) -> bool:
    """The one rule: the author's trust (and the article's protection), and no pending
    revisions underneath unless the author is a moderator, whose edit accepts them."""
    published = article if article is not None and article.is_published else None
    at_once = permissions.publishes_at_once(author, published)
    return at_once and (not pending_below or author.is_moderator)


def pending_chain_context(author, article: Article) -> dict:
    """What saving on `article` does, for the edit and revert pages, said before saving: the
    numbers of the revisions waiting for review, and whether this author's save publishes
    (accepting those it builds on) or waits for review (`publishes_now`, as `publishes_now()`
    decides, from the same query)."""
    waiting = list(
        article.revisions.filter(status=RevisionStatus.PENDING)
        .order_by("number")
        .values_list("number", flat=True)
    )
    if not author.is_authenticated:
        return {"waiting_numbers": waiting, "publishes_now": False}
    return {
        "waiting_numbers": waiting,
        "publishes_now": _accepted_at_once(author, article, pending_below=bool(waiting)),
    }


def _create_tags(names, author) -> list:
    return [Tag.objects.create(name=name, needs_review=True, created_by=author) for name in names]


def _adult_tags(values: dict):
    """Whether the text's tags include an adult one (asked only when it embeds a file)."""
    ids = [getattr(tag, "pk", tag) for tag in values.get("tags", [])]
    return lambda: Tag.objects.filter(pk__in=ids, is_adult=True).exists()


def _create(author, mine, kind, edit_summary, is_minor) -> SaveOutcome:
    rendered = render(mine["body"], adult=_adult_tags(mine))
    spam.check(author, links=rendered.external_links, clickable=rendered.clickable_links)
    article = Article.objects.create(
        kind=kind,
        title=mine["title"],
        slug=slug_for(mine["title"]),
        summary=mine["summary"],
        created_by=author,
    )
    revision = _new_revision(article, None, author, mine, rendered, edit_summary, is_minor)
    return SaveOutcome(revision)


def _edit(author, mine, article, base_number, edit_summary, is_minor) -> SaveOutcome:
    article = Article.objects.lock(article.pk)
    refusal = permissions.edit_refusal(author, article)  # protection may have changed
    if refusal:
        raise EditRefused(refusal.message, refusal.code)
    head = head_revision(article)
    merged_with = None
    if base_number is not None and head is not None and base_number != head.number:
        # The form may only start from a revision the editor could have been shown: never
        # someone else's rejected text, never a number above the head.
        base = (
            article.revisions.prefetch_related("contrasts_with", "tags")
            .filter(number=base_number, number__lte=head.number)
            .exclude(Q(status=RevisionStatus.REJECTED) & ~Q(author=author))
            .first()
        )
        if base is None:
            raise EditRefused(
                "The revision you started from is not available. Reload the edit page and "
                "apply your changes again: your text is still in the form.",
                "bad_base",
            )
        mine, merged_with = _merge(base, mine, head)
    # The one parse of this save (the form's check kept it).
    rendered = render(mine["body"], adult=_adult_tags(mine))
    previous = head.external_links if head else []
    spam.check(
        author,
        links=rendered.external_links,
        previous_links=previous,
        clickable=rendered.clickable_links,
    )
    revision = _new_revision(article, head, author, mine, rendered, edit_summary, is_minor)
    return SaveOutcome(revision, merged_with)


def _same(a, b) -> bool:
    return sorted(a) == sorted(b) if isinstance(a, list) else a == b


def _merge(base: Revision, mine: dict, head: Revision) -> tuple[dict, Revision]:
    base_values, theirs = revision_values(base), revision_values(head)
    body = diffing.merge_text(base_values["body"], mine["body"], theirs["body"])
    others = {k: v for k, v in mine.items() if k != "body"}
    merged, field_conflicts = diffing.merge_fields(
        {k: v for k, v in base_values.items() if k != "body"},
        others,
        {k: v for k, v in theirs.items() if k != "body"},
    )
    if not body.clean or field_conflicts:
        theirs_only = {
            name: theirs[name]
            for name in others
            if _same(mine[name], base_values[name]) and not _same(theirs[name], base_values[name])
        }
        raise EditConflict(
            theirs=head, body_merge=body, field_conflicts=field_conflicts, theirs_only=theirs_only
        )
    merged["body"] = body.text
    return merged, head


def _new_revision(
    article, parent, author, values, rendered: Rendered, edit_summary, is_minor
) -> Revision:
    number = (parent.number if parent else 0) + 1
    latest_number = article.revisions.order_by("-number").values_list("number", flat=True).first()
    number = max(number, (latest_number or 0) + 1)
    size = len(values["body"].encode("utf-8"))
    accept, pending_below = publishes_now(author, article)
    revision = Revision.objects.create(
        article=article,
        number=number,
        parent=parent,
        author=author,
        edit_summary=edit_summary[:300],
        is_minor=is_minor,
        status=RevisionStatus.ACCEPTED if accept else RevisionStatus.PENDING,
        reviewed_by=author if accept else None,
        reviewed_at=timezone.now() if accept else None,
        body_html=rendered.html,
        faq=[list(pair) for pair in rendered.faq],
        external_links=rendered.external_links,
        link_targets=sorted(rendered.wikilink_targets),
        size=size,
        size_delta=size - (parent.size if parent else 0),
        **{name: values[name] for name in TEXT_FIELDS},
    )
    revision.contrasts_with.set(values["contrasts_with"])
    revision.tags.set(values["tags"])
    article.latest_revision = revision
    article.save(update_fields=["latest_revision"])
    if accept:
        if pending_below:  # a moderator's edit accepts the chain it was built on
            accept_chain(revision, moderator=author, implicit=True)
        else:
            author.accepted_edit_count += 1
            author.save(update_fields=["accepted_edit_count"])
            publish(revision)
    return revision


def revert(*, article: Article, number: int, author) -> SaveOutcome:
    """A new revision with revision `number`'s content. Only accepted revisions can be
    reverted to: rejected or pending text never comes back this way."""
    old = (
        article.revisions.prefetch_related("contrasts_with", "tags")
        .filter(number=number, status=RevisionStatus.ACCEPTED)
        .first()
    )
    if old is None:
        raise EditRefused(f"Revision {number} was never accepted: it cannot be reverted to.")
    head = head_revision(article)
    summary = f"Reverted to revision {number}{_undoing(article, number)}"
    outcome = save_edit(
        author=author,
        article=article,
        values=revision_values(old),
        base_number=head.number if head else None,
        edit_summary=summary,
    )
    if outcome.published:  # a pending revert is logged when a moderator accepts it
        ModerationLog.objects.create(
            actor=author,
            action=ModerationLog.Action.REVERT,
            article=article,
            revision=outcome.revision,
            reason=summary,
        )
    return outcome


def _undoing(article: Article, number: int) -> str:
    """ ", undoing revision 4" (or "revisions 3–5"): the accepted revisions after `number` up
    to the published one, which a revert to `number` takes back."""
    if article.published_revision_id is None:
        return ""
    undone = list(
        article.revisions.filter(
            status=RevisionStatus.ACCEPTED,
            number__gt=number,
            number__lte=article.published_revision.number,
        ).values_list("number", flat=True)
    )
    if not undone:
        return ""
    if len(undone) == 1:
        return f", undoing revision {undone[0]}"
    return f", undoing revisions {min(undone)}–{max(undone)}"
