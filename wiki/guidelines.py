"""The Guidelines page: a wiki article (kind "guide", protected so that only moderators change
it) at a fixed address. The editor links to it, and a moderator declining an edit can name
the section it went against: the choices are read from the page's own headings, so they
follow the page as moderators revise it."""

from django.urls import reverse

from . import sections
from .models import Article

SLUG = "guidelines"


def url() -> str:
    return reverse("article", args=[SLUG])


def section_choices() -> list[tuple[str, str]]:
    """(anchor, title) of each top section of the published Guidelines page."""
    page = Article.objects.published().select_related("published_revision").filter(slug=SLUG)
    article = page.first()
    if article is None:
        return []
    body = article.published_revision.body
    return [(s.anchor, s.title) for s in sections.sections(body) if s.rank == 2]


def reason_citing(anchor: str, reason: str) -> str:
    """A decision's reason that names the guideline section `anchor` (with its address), then
    the moderator's own words."""
    titles = dict(section_choices())
    if anchor not in titles:
        return reason
    cited = f"Against the guideline “{titles[anchor]}” ({url()}#{anchor})."
    return f"{cited} {reason}".strip()
