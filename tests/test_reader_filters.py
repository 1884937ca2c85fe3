"""Reader filters: content-warning boxes and badges, the adult notice and its opt-in, and the
tag blocklist for signed-in readers (on the account) and anonymous ones (in a cookie)."""

import re
import xml.etree.ElementTree as ET

import pytest
from django.core import signing
from django.urls import reverse

from tests.factories import make_article, make_tag, make_user
from wiki.preferences import ADULT_SESSION_COOKIE, COOKIE, COOKIE_SALT

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def badges(html):
    """(class, name) of every badge on the page."""
    return re.findall(r'<span class="badge (badge-[a-z]+)">([^<]*)</span>', html)


def item_html(html, title):
    """The list item of the article called `title`."""
    match = re.search(
        r'<li class="article-item">\s*<a class="article-link" href="[^"]*">'
        + re.escape(title)
        + r"</a>.*?</li>",
        html,
        re.S,
    )
    assert match, f"{title} is not listed"
    return match.group(0)


# --- content warnings ------------------------------------------------------------------------


@pytest.fixture
def warned(moderator):
    infidelity = make_tag("Infidelity", category="warning")
    sexual = make_tag("Sexual themes", category="warning")
    romance = make_tag("Romance")
    return make_article(
        "Netorare",
        author=moderator,
        summary="A story where a partner is taken.",
        body="The protagonist's partner is taken by someone else.",
        tags=[infidelity, sexual, romance],
    )


def test_warning_tags_show_a_box_above_the_body(client, warned):
    html = client.get(warned.get_absolute_url()).content.decode()

    box = re.search(r'<aside class="warning-box".*?</aside>', html, re.S).group(0)
    text = re.sub(r"<[^>]+>", "", box)
    assert " ".join(text.split()) == (
        "Content warnings: Infidelity, Sexual themes Hide articles with these warnings"
    )
    assert 'href="/settings/reading/?hide=infidelity&amp;hide=sexual-themes"' in box
    assert html.index("Content warnings:") < html.index("partner is taken by someone else")


def test_the_warning_box_and_the_adult_notice_name_tags_alike(client, moderator):
    adult = make_tag("Sexual themes", category="warning", adult=True)
    article = make_article("Hentai", author=moderator, tags=[adult])

    notice = client.get(article.get_absolute_url()).content.decode()
    shown = client.get(article.get_absolute_url(), {"show": "1"}).content.decode()

    assert "<strong>Sexual themes</strong>" in notice
    assert ">Sexual themes</a>" in shown.split('class="warning-box"')[1].split("</aside>")[0]


def test_article_without_warning_tags_has_no_box(client, moderator):
    article = make_article("Moe", author=moderator, tags=[make_tag("Romance")])

    assert "Content warnings" not in client.get(article.get_absolute_url()).content.decode()


def test_warning_tags_show_as_badges_in_lists(client, warned, moderator):
    make_article("Moe", author=moderator, tags=[make_tag("Cute")])
    expected = [("badge-warning", "Infidelity"), ("badge-warning", "Sexual themes")]

    for url in (reverse("browse"), reverse("home"), reverse("tag", args=["romance"])):
        html = client.get(url).content.decode()
        assert badges(item_html(html, "Netorare")) == expected, url
        if "Moe" in html:
            assert badges(item_html(html, "Moe")) == [], url


def test_warning_tags_show_as_badges_in_search_results(client, warned, moderator):
    make_article("Partner swap", author=moderator, body="Partner without warnings.")

    html = client.get(reverse("search"), {"q": "partner", "fulltext": "1"}).content.decode()

    assert badges(html) == [("badge-warning", "Infidelity"), ("badge-warning", "Sexual themes")]


def test_adult_tag_shows_an_adult_badge_in_lists(client, moderator):
    make_article("Hentai", author=moderator, tags=[make_tag("Adult", adult=True)])

    html = client.get(reverse("browse")).content.decode()

    assert badges(item_html(html, "Hentai")) == [("badge-adult", "Adult")]


# --- the adult notice ------------------------------------------------------------------------

ADULT_BODY = "Explains the genre label in neutral words."


@pytest.fixture
def adult_article(moderator):
    return make_article(
        "Ecchi", author=moderator, body=ADULT_BODY, tags=[make_tag("Adult", adult=True)]
    )


def test_adult_article_opens_behind_a_notice(client, adult_article):
    html = client.get(adult_article.get_absolute_url()).content.decode()

    assert "This article is about an adult theme" in html
    assert "Show the article" in html
    assert ADULT_BODY not in html


def test_show_the_article_button_reveals_the_body(client, adult_article):
    html = client.get(adult_article.get_absolute_url(), {"show": "1"}).content.decode()

    assert ADULT_BODY in html
    assert "Show the article" not in html


def test_signed_in_reader_who_opts_in_sees_adult_articles_without_notice(
    client, adult_article, newbie
):
    client.force_login(newbie)
    settings_page = client.get(reverse("reader_settings")).content.decode()
    assert "Show adult articles without a notice" in settings_page

    response = client.post(reverse("reader_settings"), {"show_adult": "on"})

    assert response.status_code == 302
    newbie.refresh_from_db()
    assert newbie.show_adult is True
    html = client.get(adult_article.get_absolute_url()).content.decode()
    assert ADULT_BODY in html
    assert "Show the article" not in html


def test_anonymous_reader_who_opts_in_sees_adult_articles_without_notice(client, adult_article):
    response = client.post(reverse("reader_settings"), {"show_adult": "on"})

    assert response.status_code == 302
    assert COOKIE in response.cookies
    assert response.cookies[COOKIE]["httponly"]
    html = client.get(adult_article.get_absolute_url()).content.decode()
    assert ADULT_BODY in html
    assert "Show the article" not in html


def test_opting_in_does_not_carry_over_to_another_browser(client, adult_article):
    client.post(reverse("reader_settings"), {"show_adult": "on"})
    client.cookies.clear()

    html = client.get(adult_article.get_absolute_url()).content.decode()

    assert ADULT_BODY not in html


# --- the tag blocklist -----------------------------------------------------------------------

HIDDEN_BODY = "Zanzibar partner story that the reader chose not to see."


@pytest.fixture
def library(moderator):
    """Two terms sharing a tag, one of them carrying the tag the reader will hide."""
    ntr = make_tag("NTR", category="warning")
    romance = make_tag("Romance")
    hidden = make_article(
        "Netorare", author=moderator, body=HIDDEN_BODY, summary="Zanzibar", tags=[ntr, romance]
    )
    shown = make_article(
        "Junai", author=moderator, body="Zanzibar pure love.", summary="Zanzibar", tags=[romance]
    )
    return {"ntr": ntr, "romance": romance, "hidden": hidden, "shown": shown}


def hide_for_signed_in(client, tag):
    user = make_user("reader")
    client.force_login(user)
    response = client.post(reverse("reader_settings"), {"hidden_tags": [tag.pk]})
    assert response.status_code == 302
    assert list(user.hidden_tags.all()) == [tag]
    assert COOKIE not in response.cookies


def hide_for_anonymous(client, tag):
    response = client.post(reverse("reader_settings"), {"hidden_tags": [tag.pk]})
    assert response.status_code == 302
    assert COOKIE in response.cookies


@pytest.fixture(params=["signed_in", "anonymous"])
def hider(request, client):
    """A client whose reader has hidden `tag` (signed in, or anonymous with the cookie)."""

    def hide(tag):
        if request.param == "signed_in":
            hide_for_signed_in(client, tag)
        else:
            hide_for_anonymous(client, tag)
        return client

    return hide


def test_settings_page_shows_the_hidden_tags_checked(client, library):
    hide_for_anonymous(client, library["ntr"])

    html = client.get(reverse("reader_settings")).content.decode()

    assert re.search(rf'value="{library["ntr"].pk}"[^>]*checked', html)
    assert not re.search(rf'value="{library["romance"].pk}"[^>]*checked', html)


def test_hidden_tag_drops_articles_from_the_article_list(hider, library):
    client = hider(library["ntr"])

    html = client.get(reverse("browse")).content.decode()

    assert "Junai" in html
    assert "Netorare" not in html


def test_hidden_tag_drops_articles_from_tag_pages(hider, library):
    client = hider(library["ntr"])

    romance = client.get(reverse("tag", args=["romance"])).content.decode()
    ntr = client.get(reverse("tag", args=["ntr"])).content.decode()

    assert "Junai" in romance and "Netorare" not in romance
    assert "Netorare" not in ntr


def test_hidden_tag_drops_articles_from_search_results(hider, library):
    client = hider(library["ntr"])

    response = client.get(reverse("search"), {"q": "zanzibar", "fulltext": "1"})
    suggest = client.get(reverse("search_suggest"), {"q": "Ne"}).json()

    assert [e.article.title for e in response.context["results"].articles] == ["Junai"]
    assert "Netorare" not in response.content.decode()
    assert suggest == {"results": []}


def test_hidden_tag_drops_articles_from_related_terms(hider, library, moderator):
    client = hider(library["ntr"])
    third = make_article("Moe", author=moderator, tags=[library["romance"]])

    response = client.get(third.get_absolute_url())

    assert [a.title for a in response.context["related"]] == ["Junai"]
    assert "Netorare" not in response.content.decode()


def test_hidden_tag_drops_articles_from_the_home_page(hider, library, moderator):
    library["hidden"].is_featured = True
    library["hidden"].save(update_fields=["is_featured"])
    client = hider(library["ntr"])

    response = client.get(reverse("home"))

    html = response.content.decode()
    assert response.context["featured"] is None
    assert [a.title for a in response.context["newest"]] == ["Junai"]
    assert list(response.context["updated"]) == []  # Junai is listed as newest already
    assert [t.name for t in response.context["top_tags"]] == ["Romance"]
    assert "Netorare" not in html
    assert 'href="/tags/ntr/"' not in html


def test_hidden_tag_drops_articles_from_the_random_link(hider, library):
    client = hider(library["ntr"])

    targets = {client.get(reverse("random_article"))["Location"] for _ in range(12)}

    assert targets == {library["shown"].get_absolute_url()}


def test_a_reader_who_hides_every_article_is_told_so_not_that_the_wiki_is_empty(hider, library):
    client = hider(library["romance"])  # both articles carry it

    home = client.get(reverse("home")).content.decode()
    random = client.get(reverse("random_article"), follow=True)

    assert "Every article is hidden" in home
    assert "No articles yet" not in home
    assert random.redirect_chain == [(reverse("reader_settings"), 302)]
    assert "Your reading preferences hide every article." in random.content.decode()


def test_hidden_article_opened_directly_shows_a_notice_with_show_anyway(hider, library):
    client = hider(library["ntr"])
    url = library["hidden"].get_absolute_url()

    gated = client.get(url).content.decode()
    shown = client.get(url, {"show": "1"}).content.decode()

    assert "Hidden by your reading preferences" in gated
    assert "Show anyway" in gated
    assert HIDDEN_BODY not in gated
    assert HIDDEN_BODY in shown


def test_the_same_pages_show_everything_without_a_blocklist(client, library):
    assert "Netorare" in client.get(reverse("browse")).content.decode()
    assert "Netorare" in client.get(reverse("home")).content.decode()
    assert "Netorare" in client.get(reverse("tag", args=["romance"])).content.decode()
    search = client.get(reverse("search"), {"q": "zanzibar", "fulltext": "1"})
    assert "Netorare" in search.content.decode()
    assert HIDDEN_BODY in client.get(library["hidden"].get_absolute_url()).content.decode()


def test_feeds_and_sitemap_are_not_filtered(hider, library):
    client = hider(library["ntr"])

    for url in (
        reverse("recent_feed"),
        reverse("new_articles_feed"),
        reverse("tag_feed", args=["romance"]),
    ):
        root = ET.fromstring(client.get(url).content)
        titles = " ".join(e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry"))
        assert "Netorare" in titles, url
    from tests.test_recent_and_feeds import sitemap_paths

    assert library["hidden"].get_absolute_url() in sitemap_paths(client)


def test_signed_in_preferences_live_on_the_account_not_the_browser(client, library):
    hide_for_signed_in(client, library["ntr"])
    client.logout()

    assert "Netorare" in client.get(reverse("browse")).content.decode()


@pytest.mark.parametrize(
    "raw",
    [
        "garbage",
        signing.dumps({"h": [1], "a": True}, salt="another-salt"),
        signing.dumps({"h": ["x"], "a": True}, salt=COOKIE_SALT),
        signing.dumps(["not", "a", "dict"], salt=COOKIE_SALT),
        signing.dumps({"h": 5}, salt=COOKIE_SALT),
    ],
    ids=["garbage", "wrong-signature", "bad-ids", "not-a-dict", "ids-not-a-list"],
)
def test_tampered_cookie_is_ignored(client, library, adult_article, raw):
    client.cookies[COOKIE] = raw

    browse = client.get(reverse("browse"))
    adult = client.get(adult_article.get_absolute_url())
    settings_page = client.get(reverse("reader_settings"))

    assert browse.status_code == 200
    assert "Netorare" in browse.content.decode()
    assert "Show the article" in adult.content.decode()
    assert settings_page.status_code == 200


def test_cookie_with_a_swapped_payload_is_ignored(client, library, adult_article):
    hide_for_anonymous(client, library["romance"])
    _, _, signature = client.cookies[COOKIE].value.partition(":")
    forged_payload = signing.dumps({"h": [], "a": True}, salt=COOKIE_SALT).partition(":")[0]
    client.cookies[COOKIE] = f"{forged_payload}:{signature}"

    assert "Junai" in client.get(reverse("browse")).content.decode()
    assert "Show the article" in client.get(adult_article.get_absolute_url()).content.decode()


def test_an_adult_articles_revision_page_also_opens_behind_the_notice(client, moderator):
    adult = make_tag("Sexual themes", category="warning", adult=True)
    article = make_article("Ecchi", author=moderator, body="Neutral description.", tags=[adult])
    url = f"/wiki/{article.slug}/revisions/1/"

    html = client.get(url).content.decode()
    assert "Show the article" in html
    assert "Neutral description." not in html
    assert "Neutral description." in client.get(url + "?show=1").content.decode()


def test_settings_page_groups_tags_by_category_each_box_in_its_own_label(client, moderator):
    make_tag("Drama", category="genre")
    make_tag("Ecchi", category="genre")
    make_tag("Violence", category="warning")

    html = client.get(reverse("reader_settings")).content.decode()

    groups = re.findall(
        r'<fieldset class="tag-group"><legend>([^<]+)</legend>(.*?)</fieldset>', html, re.S
    )
    assert [name for name, _ in groups] == ["Genres", "Content warnings"]
    genres = dict(groups)["Genres"]
    labels = re.findall(
        r'<label for="([^"]+)"><input [^>]*id="([^"]+)"[^>]*> <span>([^<]+)</span></label>', genres
    )
    assert [(name, for_id == input_id) for for_id, input_id, name in labels] == [
        ("Drama", True),
        ("Ecchi", True),
    ]


def test_form_labels_have_no_trailing_colon(client):
    html = client.get(reverse("reader_settings")).content.decode()

    assert '<label for="id_show_adult">Show adult articles without a notice</label>' in html
    assert not re.search(r":</label>", html)


def test_the_adult_notice_can_be_passed_until_the_browser_closes(client, moderator):
    adult = make_tag("Sexual themes", category="warning", adult=True)
    first = make_article("Hentai", author=moderator, tags=[adult], body="Described neutrally.")
    second = make_article("Ecchi", author=moderator, tags=[adult], body="Also neutral.")
    assert "adult theme" in client.get(first.get_absolute_url()).content.decode()

    response = client.get(first.get_absolute_url(), {"show": "1", "remember": "1"})

    cookie = response.cookies[ADULT_SESSION_COOKIE]
    assert cookie.value == "1"
    assert not cookie["max-age"] and not cookie["expires"]  # ends with the browser session
    assert cookie["httponly"]
    opened = client.get(second.get_absolute_url())
    assert "Also neutral." in opened.content.decode()
    assert "adult theme" not in opened.content.decode()
    assert "private" in opened["Cache-Control"]  # never a page from the shared cache
    settings_page = client.get(reverse("reader_settings")).content.decode()
    assert not re.search(r'id="id_show_adult"[^>]*checked', settings_page)  # not kept for good


def test_showing_an_adult_article_once_remembers_nothing(client, moderator):
    adult = make_tag("Sexual themes", category="warning", adult=True)
    first = make_article("Hentai", author=moderator, tags=[adult])
    second = make_article("Ecchi", author=moderator, tags=[adult])

    response = client.get(first.get_absolute_url(), {"show": "1"})

    assert ADULT_SESSION_COOKIE not in response.cookies
    assert "adult theme" in client.get(second.get_absolute_url()).content.decode()


def test_hidden_tags_still_come_first_for_a_reader_who_passed_the_adult_notice(hider, library):
    client = hider(library["ntr"])
    client.cookies[ADULT_SESSION_COOKIE] = "1"

    html = client.get(library["hidden"].get_absolute_url()).content.decode()

    assert "Hidden by your reading preferences" in html
    assert HIDDEN_BODY not in html


def test_tag_pages_and_what_links_here_say_how_many_articles_were_hidden(hider, library, moderator):
    make_article("Linker", author=moderator, body="See [[Junai]].")
    make_article("Hidden linker", author=moderator, body="See [[Junai]].", tags=[library["ntr"]])
    client = hider(library["ntr"])

    romance = client.get(reverse("tag", args=["romance"])).content.decode()
    own_tag = client.get(reverse("tag", args=["ntr"])).content.decode()
    links = client.get("/wiki/junai/links/").content.decode()

    note = 'hidden by your <a href="/settings/reading/">reading preferences</a>.'
    assert f"1 article {note}" in romance
    assert "Netorare" not in romance
    assert f"2 articles {note}" in own_tag
    assert "Linker" in links
    assert "Hidden linker" not in links
    assert f"1 article {note}" in links


def test_lists_say_nothing_about_hiding_to_a_reader_who_hides_nothing(client, library):
    assert "hidden by your" not in client.get(reverse("tag", args=["romance"])).content.decode()


def test_a_tag_page_offers_to_hide_the_tag_and_saving_hides_it(client, library):
    tag_page = client.get(reverse("tag", args=["ntr"])).content.decode()
    assert '<a href="/settings/reading/?hide=ntr">Hide articles with this tag</a>' in tag_page

    offered = client.get(reverse("reader_settings"), {"hide": "ntr"}).content.decode()

    assert "<strong>NTR</strong> is ticked below: save to hide its articles." in offered
    assert re.search(rf'value="{library["ntr"].pk}"[^>]*checked', offered)
    assert not re.search(rf'value="{library["romance"].pk}"[^>]*checked', offered)
    client.post(reverse("reader_settings"), {"hidden_tags": [library["ntr"].pk]})
    hidden_page = client.get(reverse("tag", args=["ntr"])).content.decode()
    assert "You hide articles with this tag." in hidden_page
    assert "Netorare" not in client.get(reverse("browse")).content.decode()


def test_an_unknown_tag_to_hide_is_ignored(client, library):
    html = client.get(reverse("reader_settings"), {"hide": ["nope", "<x>"]}).content.decode()

    assert "ticked below" not in html
    assert not re.search(r"checked", html)


# --- the hidden tags' copy on the user row ----------------------------------------------------


def hidden_copy(user) -> list[int]:
    user.refresh_from_db()
    return user.hidden_tag_ids


def test_the_copy_of_the_hidden_tags_on_the_user_row_follows_every_change():
    user = make_user("copy")
    a, b, c = make_tag("Alpha"), make_tag("Beta"), make_tag("Gamma")

    user.hidden_tags.add(b, a)
    assert hidden_copy(user) == sorted([a.pk, b.pk])
    user.hidden_tags.remove(a)
    assert hidden_copy(user) == [b.pk]
    user.hidden_tags.set([c])
    assert hidden_copy(user) == [c.pk]
    user.hidden_tags.clear()
    assert hidden_copy(user) == []


def test_deleting_a_hidden_tag_takes_it_out_of_the_copies(moderator):
    kept, gone = make_tag("Kept"), make_tag("Gone")
    user = make_user("hider")
    user.hidden_tags.add(kept, gone)

    gone.delete()

    assert hidden_copy(user) == [kept.pk]


def test_preferences_saved_on_one_device_apply_at_once_on_another(library):
    """The copy is on the user row, not in a session: the reader's other session reads it."""
    from django.test import Client

    user = make_user("two-devices")
    phone, desk = Client(), Client()
    phone.force_login(user)
    desk.force_login(user)
    assert "Netorare" in desk.get(reverse("browse")).content.decode()

    phone.post(reverse("reader_settings"), {"hidden_tags": [library["ntr"].pk]})

    assert "Netorare" not in desk.get(reverse("browse")).content.decode()
    assert hidden_copy(user) == [library["ntr"].pk]


def test_a_moderators_tag_merge_moves_the_copies_on_the_user_rows_too(client, library, moderator):
    """Merged in the admin, as a moderator does it: readers who hid the merged tag now hide
    the tag it went into, on every page, with no change of their own."""
    from django.test import Client

    source = make_tag("Cheating")
    make_article("Uwaki", author=moderator, body="Zanzibar.", tags=[source])
    only_source, both = make_user("only-source"), make_user("both")
    only_source.hidden_tags.add(source)
    both.hidden_tags.add(source, library["ntr"])
    desk = Client()
    desk.force_login(moderator)

    merged = desk.post(
        reverse("admin:wiki_tag_changelist"),
        {
            "action": "merge_selected",
            "_selected_action": [source.pk, library["ntr"].pk],
            "apply": "1",
            "target": library["ntr"].pk,
        },
    )

    assert merged.status_code == 302
    assert hidden_copy(only_source) == [library["ntr"].pk]
    assert hidden_copy(both) == [library["ntr"].pk]
    client.force_login(only_source)
    page = client.get(reverse("browse")).content.decode()
    assert "Uwaki" not in page and "Netorare" not in page
    assert "Junai" in page
