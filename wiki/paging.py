"""Pages of a long list walked by key instead of by offset.

A page number becomes `OFFSET n`, which the database pays for by reading and skipping every
row before the page: the last page of a 10,000-revision history read all 10,000. Here a page
starts after a key the previous page ended on (`?older=<number>` or `?newer=<number>`), so
every page, the oldest included, reads one index range of `size` rows, and no COUNT is needed.
MediaWiki pages its histories the same way ("newer 50 · older 50").
"""

from dataclasses import dataclass, field


@dataclass
class KeysetPage:
    """Rows newest first, and the keys to put in the links to the pages around them."""

    object_list: list = field(default_factory=list)
    newer: int | None = None  # `?newer=` for the page of newer rows, None on the newest page
    older: int | None = None  # `?older=` for the page of older rows, None on the oldest page

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def is_newest(self) -> bool:
        return self.newer is None

    @property
    def has_other_pages(self) -> bool:
        return self.newer is not None or self.older is not None


def _key(value) -> int | None:
    try:
        key = int(value)
    except (TypeError, ValueError):
        return None
    return key if 0 <= key <= 2**31 - 1 else None


def by_number(queryset, params, *, size: int = 50, key: str = "number") -> KeysetPage:
    """The page of `queryset` (any order; it is reordered on `key`) that the request's
    `params` ask for: `older=K` rows with key below K, `newer=K` rows above K (`newer=0`:
    the oldest page), neither the newest page. A key that is not a number is ignored."""
    older, newer = _key(params.get("older")), _key(params.get("newer"))
    if newer is not None and older is None:  # walking back up: nearest rows above, flipped
        rows = list(queryset.filter(**{f"{key}__gt": newer}).order_by(key)[: size + 1])
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        if not rows:  # past the newest row: offer the way back
            return KeysetPage([], older=newer + 1 if queryset.exists() else None)
        page = KeysetPage(rows, newer=getattr(rows[0], key) if more_newer else None)
        if queryset.filter(**{f"{key}__lt": getattr(rows[-1], key)}).exists():
            page.older = getattr(rows[-1], key)
        return page
    ordered = queryset.order_by(f"-{key}")
    if older is not None:
        ordered = ordered.filter(**{f"{key}__lt": older})
    rows = list(ordered[: size + 1])
    page = KeysetPage(rows[:size])
    if len(rows) > size:
        page.older = getattr(rows[size - 1], key)
    if older is not None and page.object_list:
        if queryset.filter(**{f"{key}__gt": getattr(page.object_list[0], key)}).exists():
            page.newer = getattr(page.object_list[0], key)
    elif older is not None:  # past the oldest row: offer the way back
        page.newer = 0 if queryset.exists() else None
    return page


MAX_PAGE_NUMBER = 100_000  # far past any list here; keeps OFFSET within what a database takes


class UncountedPage:
    """A numbered page of a long list that never counts the whole list: it reads one row more
    than it shows to know whether a next page exists. Counting every recent change or every
    article of a big tag cost more than the page itself (a COUNT over 100,000 revisions on
    each request); readers of such lists go forward a page at a time, so "Page 3" is enough.
    Quacks like Django's Page for templates and views (has_next, start_index, ...)."""

    paginator = None  # no page count to show

    def __init__(self, queryset, number, per_page: int):
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = 1
        self.number = min(max(number, 1), MAX_PAGE_NUMBER)
        self.per_page = per_page
        offset = (self.number - 1) * per_page
        rows = list(queryset[offset : offset + per_page + 1])
        self.object_list = rows[:per_page]
        self._more = len(rows) > per_page

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._more

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.object_list)
