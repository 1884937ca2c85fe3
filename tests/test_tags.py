"""Tags: versioned with revisions, reviewed like text, listed by category, renamed and merged."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tests import factories
from tests.factories import delete, edit, make_article, make_tag
from wiki.models import (
    ModerationLog,
    RevisionStatus,
    SearchEntry,
    Tag,
    TagAlias,
    TagSlugRedirect,
)
from wiki.moderation import accept_chain
from wiki.tags import merge_tags, rename_tag

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def tag_names(revision):
    return sorted(t.name for t in revision.tags.all())


def edit_form_data(article, **changes):
    """The edit form of a term as the browser would post it, with `changes` applied."""
    return factories.edit_form_data(article, **{"edit_summary": "Tagging", **changes})


# --- versioning and review -----------------------------------------------------------------


def test_tag_change_makes_a_new_revision(autoconfirmed):
    romance = make_tag("Romance")
    drama = make_tag("Drama")
    article = make_article("Tsundere", author=autoconfirmed, tags=[romance])

    outcome = edit(article, autoconfirmed, tags=[romance, drama])

    assert outcome.revision.number == 2
    assert tag_names(article.revisions.get(number=1)) == ["Romance"]
    assert tag_names(article.revisions.get(number=2)) == ["Drama", "Romance"]
    assert tag_names(article.published_revision) == ["Drama", "Romance"]


def test_diff_page_lists_the_tag_change(client, autoconfirmed):
    romance = make_tag("Romance")
    drama = make_tag("Drama")
    article = make_article("Tsundere", author=autoconfirmed, tags=[romance])
    edit(article, autoconfirmed, tags=[drama])

    response = client.get(reverse("diff", args=[article.slug, 1, 2]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<dt>Tags</dt>" in html
    assert "<del>Romance</del>" in html
    assert "<ins>Drama</ins>" in html


def test_new_users_tag_change_waits_for_review(client, newbie, moderator):
    drama = make_tag("Drama")
    article = make_article("Tsundere", author=moderator)

    outcome = edit(article, newbie, tags=[drama])

    assert outcome.revision.status == RevisionStatus.PENDING
    assert tag_names(article.published_revision) == []
    page = client.get(reverse("tag", args=[drama.slug])).content.decode()
    assert "Tsundere" not in page

    accept_chain(outcome.revision, moderator=moderator)

    page = client.get(reverse("tag", args=[drama.slug])).content.decode()
    assert "Tsundere" in page


# --- the edit form ---------------------------------------------------------------------------


def test_edit_form_refuses_unknown_tag_for_new_user_and_keeps_the_text(client, newbie, moderator):
    article = make_article("Tsundere", author=moderator)
    client.force_login(newbie)

    response = client.post(
        reverse("article_edit", args=[article.slug]),
        edit_form_data(article, tags="Brand new tag", body="My careful new paragraph."),
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "Not a tag yet: Brand new tag" in html
    assert "autoconfirmed editors can create new ones" in html
    assert "My careful new paragraph." in html
    assert 'value="Brand new tag"' in html
    assert not Tag.objects.filter(name="Brand new tag").exists()
    assert article.revisions.count() == 1


def test_edit_form_creates_unknown_tag_for_autoconfirmed_user(client, autoconfirmed, moderator):
    article = make_article("Tsundere", author=moderator)
    client.force_login(autoconfirmed)

    response = client.post(
        reverse("article_edit", args=[article.slug]), edit_form_data(article, tags="Brand new tag")
    )

    assert response.status_code == 302
    tag = Tag.objects.get(name="Brand new tag")
    assert tag.needs_review is True
    assert tag.created_by == autoconfirmed
    article.refresh_from_db()
    assert tag_names(article.published_revision) == ["Brand new tag"]


def test_edit_form_creates_a_tag_whose_slug_is_taken(client, autoconfirmed, moderator):
    make_tag("Romance")
    article = make_article("Tsundere", author=moderator)
    client.force_login(autoconfirmed)

    response = client.post(
        reverse("article_edit", args=[article.slug]), edit_form_data(article, tags="Romance!")
    )

    assert response.status_code == 302
    assert Tag.objects.get(name="Romance!").slug == "romance-2"


def test_edit_form_resolves_tag_aliases(client, autoconfirmed, moderator):
    ntr = make_tag("Netorare", category="warning")
    TagAlias.objects.create(tag=ntr, name="NTR")
    article = make_article("Cuckoo", author=moderator)
    client.force_login(autoconfirmed)

    response = client.post(
        reverse("article_edit", args=[article.slug]), edit_form_data(article, tags="ntr")
    )

    assert response.status_code == 302
    article.refresh_from_db()
    assert list(article.published_revision.tags.all()) == [ntr]
    assert Tag.objects.count() == 1


# --- the editor's tag picker ----------------------------------------------------------------


def test_tag_suggestions_start_with_what_was_typed_by_name_or_alias(client, db):
    make_tag("Romance")
    make_tag("Romantic comedy", category="genre")
    ntr = make_tag("Netorare", category="warning")
    TagAlias.objects.create(tag=ntr, name="NTR")
    make_tag("Drama")

    romance = client.get(reverse("tag_suggest"), {"q": "ROM"}).json()["results"]
    by_alias = client.get(reverse("tag_suggest"), {"q": "nt"}).json()["results"]

    assert [tag["name"] for tag in romance] == ["Romance", "Romantic comedy"]
    assert romance[1]["category"] == "Genre"
    assert by_alias == [
        {"name": "Netorare", "aliases": ["NTR"], "category": "Content warning", "adult": False}
    ]


@pytest.mark.parametrize("typed", ["", "   ", "x" * 500])
def test_tag_suggestions_for_nothing_or_too_much_are_empty(client, db, typed):
    make_tag("Xenophile")

    response = client.get(reverse("tag_suggest"), {"q": typed})

    assert response.status_code == 200
    assert response.json() == {"results": []}


def test_tag_suggestions_take_two_queries_however_many_tags_and_aliases_match(
    client, db, django_assert_num_queries
):
    for i in range(12):
        tag = make_tag(f"Vintage {i:02d}")
        TagAlias.objects.create(tag=tag, name=f"Old style {i:02d}")

    with django_assert_num_queries(2):  # the tags, their aliases
        results = client.get(reverse("tag_suggest"), {"q": "vint"}).json()["results"]

    assert len(results) == 8
    assert results[0]["aliases"] == ["Old style 00"]


def test_the_tags_box_asks_the_tag_picker_address(client, autoconfirmed):
    client.force_login(autoconfirmed)

    page = client.get(reverse("article_create")).content.decode()

    assert f'data-tag-suggest="{reverse("tag_suggest")}"' in page


# --- /tags/ ----------------------------------------------------------------------------------


def test_tags_index_groups_by_category_with_published_counts(client, newbie, moderator):
    romance = make_tag("Romance")
    anime = make_tag("Anime", category="medium")
    infidelity = make_tag("Infidelity", category="warning")
    make_article("One", author=moderator, tags=[romance, anime])
    make_article("Two", author=moderator, tags=[romance])
    make_article("Waiting", author=newbie, tags=[romance, infidelity])  # pending: not counted
    three = make_article("Three", author=moderator)
    edit(three, newbie, tags=[romance])  # pending tag change: not counted

    response = client.get(reverse("tags"))

    assert response.status_code == 200
    categories = {
        label: {t.name: t.article_count for t in tags}
        for label, tags in response.context["categories"]
    }
    assert categories["Topics"] == {"Romance": 2}
    assert categories["Media"] == {"Anime": 1}
    assert categories["Content warnings"] == {"Infidelity": 0}
    assert "Genres" not in categories  # a category without tags is left out
    html = response.content.decode()
    assert html.index("Topics") < html.index("Romance") < html.index("Media")
    assert html.index("Media") < html.index("Anime") < html.index("Content warnings")


def test_tags_index_does_not_count_deleted_articles(client, moderator):
    romance = make_tag("Romance")
    make_article("One", author=moderator, tags=[romance])
    gone = make_article("Gone", author=moderator, tags=[romance])
    delete(gone)

    response = client.get(reverse("tags"))

    counts = {t.name: t.article_count for _, tags in response.context["categories"] for t in tags}
    assert counts == {"Romance": 1}


# --- /tags/<slug>/ ---------------------------------------------------------------------------


def test_tag_page_lists_published_articles_only(client, newbie, moderator):
    romance = make_tag("Romance", description="Love *stories*.")
    make_article("Published one", author=moderator, tags=[romance])
    make_article("Waiting one", author=newbie, tags=[romance])
    make_article("Untagged one", author=moderator)

    response = client.get(reverse("tag", args=[romance.slug]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Published one" in html
    assert "Waiting one" not in html
    assert "Untagged one" not in html
    assert "Love <em>stories</em>." in html


@pytest.mark.parametrize(
    ("category", "label"),
    [
        ("topic", "Topic tag"),
        ("medium", "Medium tag"),
        ("genre", "Genre tag"),
        ("warning", "Content warning tag"),
    ],
)
def test_tag_page_names_the_category(client, db, category, label):
    tag = make_tag("Something", category=category)

    html = client.get(tag.get_absolute_url()).content.decode()

    assert f'<p class="kind-label">{label}</p>' in html


def test_tag_page_filters_by_kind(client, moderator):
    romance = make_tag("Romance")
    make_article("Tsundere", author=moderator, tags=[romance])
    make_article("Romantic comedy", author=moderator, kind="genre", tags=[romance])

    genres = client.get(reverse("tag", args=[romance.slug]), {"kind": "genre"}).content.decode()
    terms = client.get(reverse("tag", args=[romance.slug]), {"kind": "term"}).content.decode()

    assert "Romantic comedy" in genres and "Tsundere" not in genres
    assert "Tsundere" in terms and "Romantic comedy" not in terms


def test_tag_page_paginates(client, moderator):
    romance = make_tag("Romance")
    for n in range(31):
        make_article(f"Term {n:02d}", author=moderator, tags=[romance])

    first = client.get(reverse("tag", args=[romance.slug]))
    second = client.get(reverse("tag", args=[romance.slug]), {"page": 2})

    assert len(first.context["page"].object_list) == 30
    html = first.content.decode()
    assert "<span>Page 1</span>" in html and 'href="?page=2" rel="next"' in html
    assert [a.title for a in second.context["page"].object_list] == ["Term 30"]
    assert 'rel="next"' not in second.content.decode()  # nothing after the last article


def test_tag_page_shows_tags_most_used_together(client, moderator):
    romance = make_tag("Romance")
    comedy = make_tag("Comedy")
    drama = make_tag("Drama")
    make_tag("Horror")
    make_article("A", author=moderator, tags=[romance, comedy])
    make_article("B", author=moderator, tags=[romance, comedy, drama])
    make_article("C", author=moderator, tags=[romance, drama, comedy])
    make_article("D", author=moderator, tags=[drama])

    response = client.get(reverse("tag", args=[romance.slug]))

    related = [(t.name, t.shared) for t in response.context["related"]]
    assert related == [("Comedy", 3), ("Drama", 2)]
    assert "Often used together" in response.content.decode()


def test_related_tags_ignore_old_and_pending_revisions(client, newbie, moderator):
    romance = make_tag("Romance")
    horror = make_tag("Horror")
    drama = make_tag("Drama")
    article = make_article("A", author=moderator, tags=[romance, horror])
    edit(article, moderator, tags=[romance])  # horror only in an old revision
    other = make_article("B", author=moderator, tags=[romance])
    edit(other, newbie, tags=[romance, drama])  # drama only in a pending revision

    response = client.get(reverse("tag", args=[romance.slug]))

    assert list(response.context["related"]) == []


def test_related_tags_ignore_deleted_articles_and_hidden_tags(client, moderator):
    romance = make_tag("Romance")
    comedy = make_tag("Comedy")
    horror = make_tag("Horror")
    drama = make_tag("Drama")
    make_article("A", author=moderator, tags=[romance, comedy, drama])
    gone = make_article("Gone", author=moderator, tags=[romance, horror])
    delete(gone)
    client.post(reverse("reader_settings"), {"hidden_tags": [drama.pk]})

    response = client.get(reverse("tag", args=[romance.slug]))

    assert [t.name for t in response.context["related"]] == ["Comedy"]


def test_tag_page_has_an_atom_feed(client, moderator):
    romance = make_tag("Romance")
    make_article("Tsundere", author=moderator, tags=[romance])
    make_article("Untagged", author=moderator)

    page = client.get(reverse("tag", args=[romance.slug])).content.decode()
    feed = client.get(reverse("tag_feed", args=[romance.slug]))

    assert f'href="{reverse("tag_feed", args=[romance.slug])}"' in page
    assert 'type="application/atom+xml"' in page
    root = ET.fromstring(feed.content)
    assert root.tag == f"{ATOM}feed"
    titles = [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")]
    assert titles == ["Tsundere"]


def test_unknown_tag_is_404(client, db):
    assert client.get(reverse("tag", args=["nothing"])).status_code == 404


# --- rename and merge ------------------------------------------------------------------------


def admin_change_data(tag, **changes):
    data = {
        "name": tag.name,
        "slug": tag.slug,
        "category": tag.category,
        "description": tag.description,
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_rename_in_admin_keeps_old_slug_as_301(client, moderator):
    tag = make_tag("Netorare")
    make_article("Cuckoo", author=moderator, tags=[tag])
    client.force_login(moderator)

    response = client.post(
        reverse("admin:wiki_tag_change", args=[tag.pk]),
        admin_change_data(tag, name="NTR", slug="ntr"),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    tag.refresh_from_db()
    assert (tag.name, tag.slug) == ("NTR", "ntr")
    old = client.get("/tags/netorare/")
    assert old.status_code == 301
    assert old["Location"] == "/tags/ntr/"
    assert "Cuckoo" in client.get("/tags/ntr/").content.decode()
    assert TagAlias.objects.get(tag=tag).name == "Netorare"


def test_rename_in_admin_saves_the_other_changed_fields_too(client, moderator):
    tag = make_tag("Netorare", description="Old words.")
    client.force_login(moderator)

    response = client.post(
        reverse("admin:wiki_tag_change", args=[tag.pk]),
        admin_change_data(tag, name="NTR", category="warning", description="New words."),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    tag.refresh_from_db()
    assert (tag.name, tag.slug, tag.category, tag.description) == (
        "NTR",
        "ntr",
        "warning",
        "New words.",
    )
    assert TagAlias.objects.get(tag=tag).name == "Netorare"


def test_rename_in_admin_is_logged(client, moderator):
    tag = make_tag("Netorare")
    client.force_login(moderator)

    client.post(reverse("admin:wiki_tag_change", args=[tag.pk]), admin_change_data(tag, name="NTR"))

    entry = ModerationLog.objects.get()
    assert (entry.actor, entry.action) == (moderator, ModerationLog.Action.TAG)
    assert entry.reason == "Renamed “Netorare” to “NTR”"


def test_editing_a_tag_without_renaming_it_is_not_logged(client, moderator):
    tag = make_tag("Netorare")
    client.force_login(moderator)

    response = client.post(
        reverse("admin:wiki_tag_change", args=[tag.pk]),
        admin_change_data(tag, description="New words."),
    )

    assert response.status_code == 302
    assert Tag.objects.get(pk=tag.pk).description == "New words."
    assert not ModerationLog.objects.exists()


def test_a_renamed_tag_is_found_by_search_under_its_new_name(client, moderator):
    tag = make_tag("Netorare")
    article = make_article("Cuckoo", author=moderator, tags=[tag], body="A story.")

    rename_tag(tag, name="Cheating")

    assert SearchEntry.objects.get(article=article).tags == "Cheating"
    response = client.get(reverse("search"), {"q": "cheating", "fulltext": "1"})
    assert [e.article.title for e in response.context["results"].articles] == ["Cuckoo"]


def test_renaming_a_tag_keeps_the_other_tags_in_the_search_text(moderator):
    romance, tag = make_tag("Romance"), make_tag("Netorare")
    article = make_article("Cuckoo", author=moderator, tags=[romance, tag])

    rename_tag(tag, name="Cheating")

    assert SearchEntry.objects.get(article=article).tags == "Cheating Romance"


def test_a_duplicate_alias_in_the_admin_is_refused_with_a_message(client, moderator):
    make_tag("Cuckolding")
    other = make_tag("Cheating")
    TagAlias.objects.create(tag=other, name="Affair")
    tag = make_tag("Netorare")
    client.force_login(moderator)

    for taken, owner in [("cuckolding", "Cuckolding"), ("AFFAIR", "Cheating")]:
        response = client.post(
            reverse("admin:wiki_tag_change", args=[tag.pk]),
            admin_change_data(
                tag,
                **{"aliases-TOTAL_FORMS": "1", "aliases-0-name": taken, "aliases-0-tag": tag.pk},
            ),
        )

        assert response.status_code == 200
        assert f"is already the tag “{owner}”" in response.content.decode()
    assert not TagAlias.objects.filter(tag=tag).exists()


def test_the_same_new_alias_twice_in_the_admin_is_refused(client, moderator):
    tag = make_tag("Netorare")
    client.force_login(moderator)

    response = client.post(
        reverse("admin:wiki_tag_change", args=[tag.pk]),
        admin_change_data(
            tag,
            **{"aliases-TOTAL_FORMS": "2", "aliases-0-name": "NTR", "aliases-1-name": "ntr"},
        ),
    )

    assert response.status_code == 200
    assert "is listed twice" in response.content.decode()
    assert not TagAlias.objects.exists()


def test_an_existing_alias_can_be_saved_unchanged_and_a_new_one_added(client, moderator):
    tag = make_tag("Netorare")
    alias = TagAlias.objects.create(tag=tag, name="NTR")
    client.force_login(moderator)

    response = client.post(
        reverse("admin:wiki_tag_change", args=[tag.pk]),
        admin_change_data(
            tag,
            **{
                "aliases-TOTAL_FORMS": "2",
                "aliases-INITIAL_FORMS": "1",
                "aliases-0-id": alias.pk,
                "aliases-0-tag": tag.pk,
                "aliases-0-name": "NTR",
                "aliases-1-tag": tag.pk,
                "aliases-1-name": "Cuckoldry",
            },
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert sorted(TagAlias.objects.values_list("name", flat=True)) == ["Cuckoldry", "NTR"]


def test_rename_to_a_name_whose_slug_is_taken_picks_a_free_slug(client, moderator):
    make_tag("Romance")
    tag = make_tag("Love")
    client.force_login(moderator)

    response = client.post(
        reverse("admin:wiki_tag_change", args=[tag.pk]),
        admin_change_data(tag, name="Romance!"),
    )

    assert response.status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.slug) == ("Romance!", "romance-2")
    assert client.get("/tags/love/")["Location"] == "/tags/romance-2/"


def test_rename_to_another_tags_name_is_refused_in_the_form(client, moderator):
    make_tag("Romance")
    tag = make_tag("Love")
    client.force_login(moderator)

    response = client.post(
        reverse("admin:wiki_tag_change", args=[tag.pk]),
        admin_change_data(tag, name="romance", slug="love"),
    )

    assert response.status_code == 200
    assert Tag.objects.get(pk=tag.pk).name == "Love"


def test_tag_feed_follows_a_renamed_slug(client, moderator):
    from wiki.tags import rename_tag

    tag = make_tag("Netorare")
    make_article("Cuckoo", author=moderator, tags=[tag])
    rename_tag(tag, name="NTR")

    root = ET.fromstring(client.get("/tags/netorare/feed/").content)

    assert [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")] == ["Cuckoo"]


def test_renaming_back_drops_the_redirect_from_the_current_slug(moderator):
    from wiki.tags import rename_tag

    tag = make_tag("Netorare")
    rename_tag(tag, name="NTR")
    rename_tag(tag, name="Netorare")

    assert tag.slug == "netorare"
    assert not TagSlugRedirect.objects.filter(old_slug="netorare").exists()
    assert not TagAlias.objects.filter(name_key="netorare").exists()


def test_merge_moves_articles_redirects_and_keeps_the_name_as_alias(client, moderator):
    source = make_tag("Cuckolding", category="warning")
    target = make_tag("Netorare", category="warning")
    both = make_article("Both", author=moderator, tags=[source, target])
    only = make_article("Only source", author=moderator, tags=[source])

    merge_tags(source, into=target)

    assert not Tag.objects.filter(pk=source.pk).exists()
    for article in (both, only):
        article.refresh_from_db()
        assert list(article.published_revision.tags.all()) == [target]
    assert TagAlias.objects.get(name_key="cuckolding").tag == target
    response = client.get("/tags/cuckolding/")
    assert response.status_code == 301
    assert response["Location"] == "/tags/netorare/"
    page = client.get("/tags/netorare/").content.decode()
    assert "Both" in page and "Only source" in page
    assert "Netorare" in SearchEntry.objects.get(article=only).tags


def test_merge_moves_readers_hidden_tags(moderator, newbie):
    source = make_tag("Cuckolding", category="warning")
    target = make_tag("Netorare", category="warning")
    newbie.hidden_tags.set([source])

    merge_tags(source, into=target)

    assert list(newbie.hidden_tags.all()) == [target]


def test_merge_in_admin_asks_for_target_then_merges_and_logs_it(client, moderator):
    source = make_tag("Cuckolding", category="warning")
    target = make_tag("Netorare", category="warning")
    article = make_article("Only source", author=moderator, tags=[source])
    client.force_login(moderator)
    url = reverse("admin:wiki_tag_changelist")
    selected = {"action": "merge_selected", "_selected_action": [source.pk, target.pk]}

    ask = client.post(url, selected)
    assert ask.status_code == 200
    assert "Merge into" in ask.content.decode()

    done = client.post(url, {**selected, "apply": "1", "target": target.pk})

    assert done.status_code == 302
    assert list(Tag.objects.all()) == [target]
    article.refresh_from_db()
    assert list(article.published_revision.tags.all()) == [target]
    assert client.get("/tags/cuckolding/")["Location"] == "/tags/netorare/"
    assert TagAlias.objects.get(name_key="cuckolding").tag == target

    entry = ModerationLog.objects.get()
    assert (entry.actor, entry.action) == (moderator, ModerationLog.Action.TAG)
    assert entry.reason == "Merged “Cuckolding” into “Netorare”"


def test_merge_without_an_actor_is_not_logged(moderator):
    merge_tags(make_tag("Cuckolding"), into=make_tag("Netorare"))

    assert not ModerationLog.objects.exists()
