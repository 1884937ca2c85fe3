"""Spam checks on the text an edit adds: the new-user link limit and the URL blocklist."""

from django.conf import settings

from .errors import EditRefused
from .models import BlockedURL


def added_links(links, previous_links=()) -> list[str]:
    """The distinct links of a new text that the previous text did not have (both lists as
    `wiki.rendering.render` gives them; the previous one is stored on its revision)."""
    before = set(previous_links)
    return [url for url in dict.fromkeys(links) if url not in before]


def check(author, *, links, previous_links=()) -> None:
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
    limit = settings.KOTOBA_NEW_USER_MAX_LINKS
    if not author.is_trusted and len(links) > limit:
        raise EditRefused(
            f"New accounts may add at most {limit} external links in one edit; this edit adds "
            f"{len(links)}. Remove some and save again; your text is kept.",
            "too_many_links",
            field="body",
        )
