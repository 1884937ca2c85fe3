"""Each tag keeps the number of published, undeleted articles that carry it (wiki.tagcounts):
the tag index, the home page's cloud, search's tag filter and the related terms read it from
the tag's row instead of counting every article on each page.

Every test of the suite also checks, as it ends, that no stored count differs from a fresh
count (tests/conftest.py); these tests name the paths and the edge cases."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import delete, edit, make_article, make_tag, make_user
from tests.test_tags import admin_change_data
from wiki import moderation, tagcounts
from wiki.deletion import undelete_article
from wiki.models import Article, Tag
from wiki.tags import merge_tags
from wiki.transfer.importer import import_articles

pytestmark = pytest.mark.django_db


def counts(*tags) -> dict[str, int]:
    return {tag.name: Tag.objects.get(pk=tag.pk).article_count for tag in tags}


def test_a_count_follows_the_tags_readers_see(client, moderator, newbie):
    romance, comedy, drama = make_tag("Romance"), make_tag("Comedy"), make_tag("Drama")
    article = make_article("Moe", author=moderator, tags=[romance, comedy])
    assert counts(romance, comedy, drama) == {"Romance": 1, "Comedy": 1, "Drama": 0}

    waiting = edit(article, newbie, tags=[comedy, drama]).revision
    assert counts(romance, comedy, drama) == {"Romance": 1, "Comedy": 1, "Drama": 0}

    client.force_login(moderator)
    review = reverse("admin:wiki_revision_review", args=[waiting.pk])
    assert client.post(review, {"decision": "accept", "reason": ""}).status_code == 302
    assert counts(romance, comedy, drama) == {"Romance": 0, "Comedy": 1, "Drama": 1}

    refused = edit(article, newbie, tags=[romance]).revision
    moderation.reject(refused, moderator=moderator, reason="Not this tag")
    assert counts(romance, comedy, drama) == {"Romance": 0, "Comedy": 1, "Drama": 1}


def test_an_article_waiting_for_its_first_review_is_not_counted(moderator, newbie):
    romance = make_tag("Romance")
    waiting = make_article("Waiting", author=newbie, tags=[romance])
    assert counts(romance) == {"Romance": 0}

    moderation.accept_chain(waiting.latest_revision, moderator=moderator)
    assert counts(romance) == {"Romance": 1}


def test_deleting_and_restoring_in_the_admin_takes_the_count_away_and_gives_it_back(
    client, moderator
):
    romance = make_tag("Romance")
    make_article("Kept", author=moderator, tags=[romance])
    article = make_article("Gone", author=moderator, tags=[romance])
    client.force_login(moderator)
    url = reverse("admin:wiki_article_change", args=[article.pk])
    form = {"protection": article.protection, "is_featured": ""}

    response = client.post(url, {**form, "is_deleted": "on", "deletion_reason": "Duplicate"})
    assert response.status_code == 302
    assert counts(romance) == {"Romance": 1}

    response = client.post(url, {**form, "deletion_reason": "Not a duplicate after all"})
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).is_deleted is False
    assert counts(romance) == {"Romance": 2}


def test_an_edit_to_a_deleted_article_published_later_is_not_counted(moderator):
    romance, drama = make_tag("Romance"), make_tag("Drama")
    article = delete(make_article("Gone", author=moderator, tags=[romance]))
    edit(article, moderator, tags=[drama])  # a moderator may still fix a deleted article
    assert counts(romance, drama) == {"Romance": 0, "Drama": 0}

    undelete_article(article, moderator=moderator, reason="Restored")
    assert counts(romance, drama) == {"Romance": 0, "Drama": 1}


def test_merging_counts_an_article_with_both_tags_once(moderator):
    cuckolding, netorare = make_tag("Cuckolding"), make_tag("Netorare")
    make_article("Both", author=moderator, tags=[cuckolding, netorare])
    make_article("Only the source", author=moderator, tags=[cuckolding])
    make_article("Only the target", author=moderator, tags=[netorare])

    merged = merge_tags(cuckolding, into=netorare)

    assert merged.article_count == 3
    assert counts(netorare) == {"Netorare": 3}


def test_saving_a_tag_loaded_before_a_publish_keeps_the_newer_count(client, moderator):
    romance = make_tag("Romance")
    loaded = Tag.objects.get(pk=romance.pk)  # as the admin's form loads it
    make_article("Moe", author=moderator, tags=[romance])

    loaded.description = "Stories about love."
    loaded.save()
    assert counts(romance) == {"Romance": 1}

    client.force_login(moderator)
    url = reverse("admin:wiki_tag_change", args=[romance.pk])
    form = admin_change_data(romance, description="Love.")
    response = client.post(url, form)
    assert response.status_code == 302
    assert counts(romance) == {"Romance": 1}
    assert Tag.objects.get(pk=romance.pk).description == "Love."


def test_an_import_counts_the_published_live_articles_of_the_file(tmp_path, moderator):
    romance = make_tag("Romance", category="genre")
    make_article("Already here", author=moderator, tags=[romance])

    def record(title, *, deleted=False, status="accepted"):
        revision = {
            "title": title,
            "summary": f"About {title}.",
            "body": f"Text about {title}.",
            "author": "writer",
            "status": status,
            "tags": ["Romance", "Spoilers"],
        }
        return {"kind": "term", "deleted": deleted, "revisions": [revision]}

    header = {
        "format": "kotoba-articles",
        "version": 1,
        "tags": [
            {"name": "Romance", "category": "genre"},
            {"name": "Spoilers", "category": "warning"},
        ],
        "users": [{"username": "writer", "email": "writer@example.com"}],
    }
    records = [header, record("Shown"), record("Deleted", deleted=True)]
    records.append(record("Waiting", status="pending"))
    path = tmp_path / "articles.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")

    import_articles(path, workers=1)

    spoilers = Tag.objects.get(name="Spoilers")
    assert counts(romance, spoilers) == {"Romance": 2, "Spoilers": 1}


def test_recount_tags_reports_a_wrong_count_and_corrects_it(moderator):
    romance = make_tag("Romance")
    make_article("Moe", author=moderator, tags=[romance])
    Tag.objects.filter(pk=romance.pk).update(article_count=7)  # changed by hand

    out = io.StringIO()
    with pytest.raises(CommandError, match="1 tag count"):
        call_command("recount_tags", "--check", stdout=out)
    assert "Romance: stored 7, counted 1" in out.getvalue()
    assert counts(romance) == {"Romance": 7}

    call_command("recount_tags", stdout=out)
    assert counts(romance) == {"Romance": 1}
    assert "Corrected 1 tag count(s)." in out.getvalue()
    out = io.StringIO()
    call_command("recount_tags", "--check", stdout=out)
    assert "Every tag's article count is right." in out.getvalue()


def test_the_article_page_reads_its_tags_counts_from_their_rows(client, moderator):
    """No query of the article page counts the wiki's articles tag by tag: the related terms
    know how common each of the article's tags is from the tags themselves."""
    common, rare = make_tag("Common"), make_tag("Rare")
    article = make_article("Moe", author=moderator, tags=[common, rare])
    make_article("Kawaii", author=moderator, tags=[common, rare])
    make_article("Yandere", author=moderator, tags=[common])

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert [item.title for item in response.context["related"]] == ["Kawaii", "Yandere"]
    tag_tables = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(tag_tables) == 1  # the related terms' own "shared tags" count, nothing else
    assert '"wiki_tag"."article_count"' in " ".join(q["sql"] for q in ctx.captured_queries)


# --- any sequence of changes ------------------------------------------------------------------

TAG_NAMES = ["Romance", "Comedy", "Drama"]
steps = st.lists(
    st.tuples(
        st.sampled_from(["edit", "pending", "review", "delete or restore", "merge"]),
        st.integers(0, 1),  # which article
        st.sets(st.integers(0, 2)),  # which tags an edit gives it
        st.booleans(),  # a review accepts (or rejects)
    ),
    max_size=12,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_counts_stay_true_through_any_sequence_of_changes(moderator, steps):
    with transaction.atomic():
        writer = make_user(trust="new")
        tags = [make_tag(name) for name in TAG_NAMES]
        articles = [make_article(f"Term {n}", author=moderator, tags=tags[:n]) for n in range(2)]
        for action, which, chosen, accept in steps:
            article = Article.objects.get(pk=articles[which].pk)
            live_tags = [tag for tag in tags if Tag.objects.filter(pk=tag.pk).exists()]
            given_tags = [live_tags[n] for n in chosen if n < len(live_tags)]
            if action == "edit":
                edit(article, moderator, tags=given_tags)
            elif action == "pending" and not article.is_deleted:
                edit(article, writer, tags=given_tags)
            elif action == "review" and article.latest_revision.status == "pending":
                decide = moderation.accept_chain if accept else moderation.reject
                decide(article.latest_revision, moderator=moderator, reason="Checked")
            elif action == "delete or restore" and article.is_deleted:
                undelete_article(article, moderator=moderator, reason="Back")
            elif action == "delete or restore":
                delete(article)
            elif action == "merge" and len(live_tags) > 1:
                merge_tags(live_tags[0], into=live_tags[-1])
            assert tagcounts.stale_counts() == [], (action, which, chosen, accept)
        transaction.set_rollback(True)
