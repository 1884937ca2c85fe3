"""Small factories: users at each trust level, and articles saved through the real service."""

import itertools

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.groups import ensure_moderators_group
from wiki.editing import head_revision, revision_values, save_edit
from wiki.models import Article, Tag

_counter = itertools.count(1)
PASSWORD = "a-Long-test-passw0rd"


def make_user(username=None, *, trust="new", email=None, **extra):
    """trust: unconfirmed, new, autoconfirmed or moderator."""
    username = username or f"user{next(_counter)}"
    user = get_user_model().objects.create_user(
        username=username,
        email=email or f"{username}@example.com",
        password=PASSWORD,
        email_confirmed_at=None if trust == "unconfirmed" else timezone.now(),
        is_autoconfirmed=trust in ("autoconfirmed", "moderator"),
        **extra,
    )
    if trust == "moderator":
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(ensure_moderators_group())
    return user


def make_tag(name, *, category="topic", adult=False, description=""):
    return Tag.objects.create(name=name, category=category, is_adult=adult, description=description)


def make_article(
    title=None, *, author=None, kind="term", body="Some text.", summary=None, **values
):
    """Create an article through save_edit (published when the author is trusted)."""
    if author is None:
        author = get_user_model().objects.filter(username="factory-mod").first() or make_user(
            "factory-mod", trust="moderator"
        )
    title = title or f"Article {next(_counter)}"
    outcome = save_edit(
        author=author,
        kind=kind,
        values={"title": title, "summary": summary or f"About {title}.", "body": body, **values},
        edit_summary="New article",
        check_rate=False,
    )
    article = outcome.revision.article
    article.refresh_from_db()
    return article


def delete(article, *, reason="Test"):
    """Delete `article` through the service moderators use (the factory moderator's)."""
    from wiki.deletion import delete_article

    moderator = get_user_model().objects.filter(username="factory-mod").first() or make_user(
        "factory-mod", trust="moderator"
    )
    delete_article(article, moderator=moderator, reason=reason)
    article.refresh_from_db()
    return article


def edit(article, author, *, base=None, edit_summary="", is_minor=False, **changes):
    """Save a change to `article` starting from `base` (a revision number; default: head)."""
    article.refresh_from_db()
    head = head_revision(article)
    start = article.revisions.get(number=base) if base else head
    values = {**revision_values(start), **changes}
    outcome = save_edit(
        author=author,
        article=article,
        values=values,
        base_number=start.number,
        edit_summary=edit_summary,
        is_minor=is_minor,
        check_rate=False,
    )
    article.refresh_from_db()
    return outcome


def get_article(title) -> Article:
    return Article.objects.get(title=title)


def edit_form_data(article, *, base: int | None = None, **changes) -> dict:
    """What the edit form posts: revision `base` (default: the newest) as the form shows it,
    with `changes` applied."""
    revisions = article.revisions.all()
    start = revisions.get(number=base) if base else revisions.order_by("-number").first()
    data = {
        "title": start.title,
        "summary": start.summary,
        "body": start.body,
        "aliases": start.aliases,
        "original_script": start.original_script,
        "reading": start.reading,
        "origin_language": start.origin_language,
        "contrasts_with": "\n".join(a.title for a in start.contrasts_with.all()),
        "tone": start.tone,
        "tags": ", ".join(t.name for t in start.tags.all()),
        "edit_summary": "",
        "base_revision": start.number,
    }
    return {**data, **changes}
