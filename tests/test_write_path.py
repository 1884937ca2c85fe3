"""The write path parses Markdown once per save: the form's check, the spam check, the
stored HTML, the FAQ, the links and the link table all come from one parse; the previous
text's links are read from its revision; accepting a revision parses nothing."""

import pytest
from django.urls import reverse
from markdown_it import MarkdownIt

from tests.factories import edit, edit_form_data, make_article
from wiki import moderation
from wiki.rendering import markup

pytestmark = pytest.mark.django_db

BODY = (
    "See [[Moe]] and https://example.org/a. A note.[^1]\n\n## FAQ\n\n### Is it old?\n\nYes."
    "\n\n[^1]: A source."
)


@pytest.fixture
def parses(monkeypatch):
    """Counts Markdown parses from here on (the kept parses are forgotten first)."""
    calls = []
    real = MarkdownIt.parse

    def counting(self, src, env=None):
        calls.append(src)
        return real(self, src, env)

    markup.parse.cache_clear()
    monkeypatch.setattr(MarkdownIt, "parse", counting)
    return calls


def test_saving_an_edit_over_http_parses_the_new_text_once(client, autoconfirmed, parses):
    article = make_article(
        "Kawaii", author=autoconfirmed, body="Old text with https://old.example."
    )
    markup.parse.cache_clear()
    parses.clear()
    client.force_login(autoconfirmed)
    data = edit_form_data(article, body=BODY)
    response = client.post(reverse("article_edit", args=[article.slug]), data)
    assert response.status_code == 302
    assert parses == [BODY]
    revision = article.revisions.get(number=2)
    assert revision.external_links == ["https://example.org/a"]
    assert revision.link_targets == ["Moe"]
    assert revision.faq == [["Is it old?", "Yes."]]
    assert article.outgoing_links.get().target_key == "moe"


def test_creating_an_article_over_http_parses_its_text_once(client, autoconfirmed, parses):
    client.force_login(autoconfirmed)
    data = {"kind": "term", "title": "Moe", "summary": "A feeling.", "body": BODY, "tags": ""}
    response = client.post(reverse("article_create"), data)
    assert response.status_code == 302
    assert parses == [BODY]


def test_accepting_a_pending_edit_parses_nothing(moderator, newbie, parses):
    article = make_article("Kawaii", author=moderator, body="Cute.")
    pending = edit(article, newbie, body=BODY).revision
    parses.clear()
    moderation.accept_chain(pending, moderator=moderator)
    article.refresh_from_db()
    assert article.published_revision == pending
    assert parses == []
    assert article.outgoing_links.get().target_key == "moe"


def test_the_spam_check_compares_with_the_links_stored_on_the_previous_revision(newbie, moderator):
    links = "\n".join(f"https://site{n}.example/" for n in range(5))
    article = make_article("Links", author=moderator, body=links)
    assert len(article.published_revision.external_links) == 5
    # A new user may keep the five links already there and add up to the limit (3).
    outcome = edit(article, newbie, body=links + "\nhttps://new.example/")
    assert outcome.revision.external_links[-1] == "https://new.example/"
