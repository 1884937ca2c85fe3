"""Spam checks on the text an edit adds: the new-user link limit and the URL blocklist."""

from django.conf import settings

from .errors import EditRefused
from .models import BlockedURL


def added_links(links, previous_links=()) -> list[str]:
    """The distinct links of a new text that the previous text did not have (both lists as
    `wiki.rendering.render` gives them; the previous one is stored on its revision)."""
    before = set(previous_links)
    return [url for url in dict.fromkeys(links) if url not in before]


def check(author, *, links, previous_links=(), clickable=None) -> None:
    """`links`: every URL of the new text (links, autolinks, bare URLs), all held against the
    blocklist; `clickable`: those shown as links, the only ones the new-user limit counts
    (a bare URL is plain text on the page). Without `clickable`, all of them count."""
    links = added_links(links, previous_links)
    if not links:
        return
    patterns = list(BlockedURL.objects.all())
    for url in links:
        for pattern in patterns:
            if pattern.matches(url):
                raise EditRefused(
                    f"This edit adds a link that this wiki does not accept ({url}). "
                    "Remove it and save again; the rest of your text is kept.",
                    "blocked_url",
                    field="body",
                )
    if clickable is not None:
        shown_as_links = set(clickable)
        links = [url for url in links if url in shown_as_links]
    limit = settings.KOTOBA_NEW_USER_MAX_LINKS
    if not author.is_trusted and len(links) > limit:
        raise EditRefused(
            f"New accounts may add at most {limit} external links in one edit; this edit adds "
            f"{len(links)}. Remove some and save again; your text is kept.",
            "too_many_links",
            field="body",
        )
