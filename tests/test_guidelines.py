"""The Guidelines page: a protected wiki page of kind "guide", linked from the editor and the
footer, whose sections a moderator can name when declining an edit."""

import pytest
from django.urls import reverse

from tests.factories import edit, make_article
from wiki import guidelines, moderation
from wiki.models import Protection, RevisionStatus

pytestmark = pytest.mark.django_db

GUIDELINES = (
    "Rules.\n\n## Neutral definitions\n\nNo judging.\n\n### An example\n\nText.\n\n"
    "## No promotion\n\nNo shops.\n"
)


@pytest.fixture
def page(moderator):
    article = make_article("Guidelines", author=moderator, kind="guide", body=GUIDELINES)
    moderation.set_protection(article=article, level=Protection.MODERATORS, moderator=moderator)
    return article


def test_the_guidelines_page_is_a_guide_at_its_own_address(client, page):
    html = client.get(guidelines.url()).content.decode()

    assert page.slug == guidelines.SLUG
    assert '<p class="kind-label">Guideline</p>' in html
    assert 'id="neutral-definitions"' in html


def test_only_moderators_change_it(client, page, autoconfirmed):
    client.force_login(autoconfirmed)

    client.post(
        reverse("article_edit", args=[page.slug]),
        {
            "title": "Guidelines",
            "summary": page.summary,
            "body": "Anything goes.",
            "base_revision": 1,
        },
    )

    page.refresh_from_db()
    assert page.published_revision.body == GUIDELINES
    assert page.revisions.filter(status=RevisionStatus.PENDING).count() == 1  # waits for one


def test_the_editor_and_every_page_link_to_the_guidelines(client, page, autoconfirmed):
    client.force_login(autoconfirmed)

    editor = client.get(reverse("article_create")).content.decode()
    home = client.get(reverse("home")).content.decode()

    assert f'href="{guidelines.url()}"' in editor and f'href="{guidelines.url()}"' in home


def test_a_guide_is_not_offered_when_creating_an_article(client, autoconfirmed):
    client.force_login(autoconfirmed)

    html = client.get(reverse("article_create")).content.decode()

    assert 'value="guide"' not in html


def test_editing_a_guide_shows_neither_term_nor_genre_fields(client, page, moderator):
    client.force_login(moderator)

    form = client.get(reverse("article_edit", args=[page.slug])).context["form"]

    assert {"original_script", "aliases", "contrasts_with", "tone"}.isdisjoint(form.fields)


def test_the_guideline_choices_are_the_pages_top_sections(page):
    assert guidelines.section_choices() == [
        ("neutral-definitions", "Neutral definitions"),
        ("no-promotion", "No promotion"),
    ]


def test_no_guidelines_page_means_no_choices(db):
    assert guidelines.section_choices() == []
    assert guidelines.reason_citing("no-promotion", "Shop link.") == "Shop link."


def test_a_rejection_can_name_the_guideline_it_breaks(client, page, moderator, newbie):
    article = make_article("Moe", author=moderator)
    pending = edit(article, newbie, body="Buy it at my shop.").revision
    client.force_login(moderator)
    url = reverse("admin:wiki_revision_review", args=[pending.pk])

    form_html = client.get(url).content.decode()
    client.post(url, {"decision": "reject", "guideline": "no-promotion", "reason": ""})

    assert '<option value="no-promotion">No promotion</option>' in form_html
    pending.refresh_from_db()
    assert pending.status == RevisionStatus.REJECTED
    assert pending.review_reason == (
        "Against the guideline “No promotion” (/wiki/guidelines/#no-promotion)."
    )
    assert "No promotion" in newbie.notices.get().message


def test_a_bulk_rejection_can_name_a_guideline_with_a_reason(client, page, moderator, newbie):
    article = make_article("Moe", author=moderator)
    pending = edit(article, newbie, body="Opinion.").revision
    client.force_login(moderator)

    client.post(
        reverse("admin:wiki_revision_changelist"),
        {
            "action": "reject_selected",
            "_selected_action": [pending.pk],
            "apply": "1",
            "guideline": "neutral-definitions",
            "reason": "Judges the fans.",
        },
    )

    pending.refresh_from_db()
    assert pending.review_reason == (
        "Against the guideline “Neutral definitions” (/wiki/guidelines/#neutral-definitions)."
        " Judges the fans."
    )


def test_a_rejection_needs_a_reason_or_a_guideline(client, page, moderator, newbie):
    article = make_article("Moe", author=moderator)
    pending = edit(article, newbie, body="Opinion.").revision
    client.force_login(moderator)

    response = client.post(
        reverse("admin:wiki_revision_review", args=[pending.pk]), {"decision": "reject"}
    )

    assert "Give a reason for rejecting" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == RevisionStatus.PENDING
