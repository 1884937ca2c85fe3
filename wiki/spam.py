"""Spam checks on the text an edit adds: the new-user link limit and the URL blocklist."""

from django.conf import settings

from .errors import EditRefused
from .models import BlockedURL
from .rendering import external_links


def added_links(new_text: str, old_text: str = "") -> list[str]:
    """External links in `new_text` that `old_text` did not have."""
    before = set(external_links(old_text)) if old_text else set()
    return [url for url in dict.fromkeys(external_links(new_text)) if url not in before]


def check(author, *, added_text: str, previous_text: str = "") -> None:
    links = added_links(added_text, previous_text)
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
