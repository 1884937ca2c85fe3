"""How many published, undeleted articles carry each tag (`Tag.article_count`).

The tag index, the home page's tag cloud, search's tag filter and an article's related terms
read the count on the tag's row instead of counting every article (an aggregate that grew with
the wiki: ~5 ms at 1,000 articles, ~190 ms at 100,000). It changes only where the tags readers
see change, and each of those places calls this module in its own transaction:

- `publish` moves an article from one revision's tags to another's: `shift`;
- deleting and restoring an article takes its tags away and gives them back: `shift`;
- merging tags: `recount` the tag merged into;
- the importer adds each batch's published articles: `add`.

A shift is an increment (`article_count + 1`) rather than a recount, so two publishes at once
cannot each count without the other: PostgreSQL applies the second increment to the row the
first one committed (`add` locks the rows in id order first, so crossed changes wait rather
than deadlock). `recount` locks the rows before it counts, for the same reason.
`stale_counts` compares every stored count with a fresh aggregate (`manage.py recount_tags
--check` and the test suite call it); `recount()` with no argument repairs them all.
"""

from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from .models import Tag

Through = Tag.revisions.through


def shift(*, removed: int | None = None, added: int | None = None) -> None:
    """Readers stop seeing revision `removed`'s tags on an article and see revision `added`'s
    (either may be None: the article was not, or is no longer, shown). One query to read the
    tags, two to change the counts (`add`); none when the tags are the same."""
    revision_ids = [pk for pk in (removed, added) if pk is not None]
    if not revision_ids or removed == added:
        return
    old, new = set(), set()
    for revision_id, tag_id in Through.objects.filter(revision_id__in=revision_ids).values_list(
        "revision_id", "tag_id"
    ):
        (old if revision_id == removed else new).add(tag_id)
    add({**dict.fromkeys(new - old, 1), **dict.fromkeys(old - new, -1)})


def add(deltas: dict[int, int]) -> None:
    """Add `deltas[tag_id]` (positive or negative) to each tag's count. The rows are locked
    in order of id first, so two writers changing overlapping tags wait for each other
    instead of deadlocking; then one UPDATE changes them all."""
    deltas = {pk: delta for pk, delta in deltas.items() if delta}
    if not deltas:
        return
    tags = Tag.objects.filter(pk__in=sorted(deltas))
    list(tags.select_for_update().order_by("pk").values_list("pk", flat=True))
    change = Case(*(When(pk=pk, then=Value(delta)) for pk, delta in deltas.items()), default=0)
    tags.update(article_count=F("article_count") + change)


def counted() -> Subquery:
    """The number of published, undeleted articles with the tag `OuterRef("pk")`, counted."""
    shown = Through.objects.filter(
        tag_id=OuterRef("pk"),
        revision__article__published_revision=F("revision_id"),
        revision__article__is_deleted=False,
    )
    return Coalesce(
        Subquery(shown.order_by().values("tag_id").annotate(n=Count("pk")).values("n")), 0
    )


def recount(tag_ids=None) -> None:
    """Count these tags (all when None) again. The rows are locked first, then counted in a
    statement of its own, which on PostgreSQL sees every change committed before the lock was
    granted; a publish still under way adds its own increment after this commits."""
    tags = Tag.objects.all() if tag_ids is None else Tag.objects.filter(pk__in=list(tag_ids))
    list(tags.select_for_update().order_by("pk").values_list("pk", flat=True))
    tags.update(article_count=counted())


def stale_counts() -> list[tuple[str, int, int]]:
    """(tag name, stored count, true count) of every tag whose stored count is wrong."""
    return list(
        Tag.objects.annotate(true_count=counted())
        .filter(~Q(article_count=F("true_count")))
        .order_by("name")
        .values_list("name", "article_count", "true_count")
    )
