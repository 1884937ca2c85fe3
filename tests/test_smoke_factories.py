"""The factories themselves: a trusted author publishes at once, a new one waits."""

import pytest

from tests.factories import edit, make_article

pytestmark = pytest.mark.django_db


def test_trusted_author_publishes_at_once(autoconfirmed):
    article = make_article("Moe", author=autoconfirmed)
    assert article.is_published
    assert article.published_revision.number == 1


def test_new_author_waits_for_review(newbie):
    article = make_article("Moe", author=newbie)
    assert not article.is_published
    assert article.latest_revision.status == "pending"


def test_edit_makes_revision_two(autoconfirmed):
    article = make_article("Moe", author=autoconfirmed)
    outcome = edit(article, autoconfirmed, body="Changed.")
    assert outcome.revision.number == 2
    assert article.published_revision.body == "Changed."
