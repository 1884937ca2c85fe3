"""Titles, aliases and tag names: cleaned, unique under their normalised key, checked for
length on what is stored, and refused when they only look like a live article's name."""

import html as html_lib

import pytest
from django.urls import reverse

from tests.factories import make_article, make_tag
from wiki import names
from wiki.editing import save_edit
from wiki.errors import EditRefused
from wiki.models import Alias, Article, Tag

pytestmark = pytest.mark.django_db


def new_term(**overrides):
    data = {
        "kind": "term",
        "title": "Moe",
        "summary": "A warm feeling for a character.",
        "body": "My carefully typed text.",
        "tags": "",
        "edit_summary": "",
    }
    return {**data, **overrides}


@pytest.fixture
def writer(client, autoconfirmed):
    client.force_login(autoconfirmed)
    return client


def refused(response, message):
    text = html_lib.unescape(response.content.decode())
    assert response.status_code == 400, response.status_code
    assert message in text, text[:3000]
    assert "My carefully typed text." in text
    return text


# --- the functions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("N\u200bTR", "NTR"),  # zero-width space
        ("\u202eOtaku", "Otaku"),  # right-to-left override
        ("Ot\u00adaku", "Otaku"),  # soft hyphen
        ("Ｍｏｅ", "Moe"),  # full-width letters
        ("  moe \t  gap ", "moe gap"),
        ("ﬃ", "ffi"),
        ("Waifu\ufe0f", "Waifu"),  # variation selector
    ],
)
def test_clean_name_removes_what_a_reader_cannot_see(typed, clean):
    assert names.clean_name(typed) == clean


def test_the_key_is_casefolded_after_normalising():
    assert names.name_key("STRAẞE") == names.name_key("strasse") == "strasse"
    assert names.name_key("ＮＴＲ") == names.name_key("ntr")


@pytest.mark.parametrize(
    ("one", "other"),
    [("Otaku", "Оtaku"), ("moe", "rnoe"), ("Otaku", "0taku"), ("エロゲー", "エロゲ一")],
)
def test_look_alikes_share_a_skeleton(one, other):
    assert names.name_key(one) != names.name_key(other)
    assert names.skeleton(one) == names.skeleton(other)


@pytest.mark.parametrize(("one", "other"), [("Otaku", "Otakus"), ("Moe", "Mob"), ("萌え", "燃え")])
def test_different_words_have_different_skeletons(one, other):
    assert names.skeleton(one) != names.skeleton(other)


# --- titles over HTTP ----------------------------------------------------------------------


def test_a_title_with_an_invisible_character_is_stored_without_it(writer):
    response = writer.post("/wiki/new/", new_term(title="Zettai\u200b ryōiki\u202e"))
    assert response.status_code == 302
    assert Article.objects.get().title == "Zettai ryōiki"


def test_a_zero_width_space_does_not_make_a_taken_title_new(writer, autoconfirmed):
    make_article("NTR", author=autoconfirmed)
    response = writer.post("/wiki/new/", new_term(title="N\u200bTR"))
    refused(response, "This title is already used by the article")
    assert Article.objects.count() == 1


def test_a_cyrillic_look_alike_of_a_live_title_is_refused_with_a_link(writer, autoconfirmed):
    make_article("Otaku", author=autoconfirmed)
    response = writer.post("/wiki/new/", new_term(title="Оtaku"))  # Cyrillic О
    text = refused(response, "looks the same as")
    assert '<a href="/wiki/otaku/">Otaku</a>' in text
    assert Article.objects.count() == 1


def test_a_look_alike_of_an_alias_is_refused(writer, autoconfirmed):
    make_article("Otaku", author=autoconfirmed, aliases="Otaku-zoku")
    response = writer.post("/wiki/new/", new_term(title="Оtaku-zoku"))
    refused(response, "looks the same as")


def test_an_alias_that_looks_like_another_title_is_refused(writer, autoconfirmed):
    make_article("Otaku", author=autoconfirmed)
    response = writer.post("/wiki/new/", new_term(aliases="Оtaku"))
    refused(response, "The alias “Оtaku” looks the same as")


def test_renaming_an_article_to_its_own_look_alike_is_not_refused_as_a_clash(writer, autoconfirmed):
    article = make_article("Otaku", author=autoconfirmed)
    from tests.factories import edit_form_data

    data = edit_form_data(article, title="OTAKU")
    response = writer.post(reverse("article_edit", args=[article.slug]), data)
    assert response.status_code == 302


@pytest.mark.parametrize("letter", ["ß", "ﬃ"])
def test_a_title_that_grows_past_the_limit_when_normalised_is_refused(writer, letter):
    response = writer.post("/wiki/new/", new_term(title=letter * 200))
    refused(response, "This title must have at most 200 characters (it has")
    assert not Article.objects.exists()


def test_a_title_of_200_characters_with_invisible_ones_around_is_fine(writer):
    response = writer.post("/wiki/new/", new_term(title="\u200b" * 20 + "M" * 200))
    assert response.status_code == 302
    assert Article.objects.get().title == "M" * 200


@pytest.mark.parametrize("letter", ["ß", "ﬃ"])
def test_an_alias_that_grows_past_the_limit_is_refused_by_name(writer, letter):
    response = writer.post("/wiki/new/", new_term(aliases=f"Short one\n{letter * 200}"))
    refused(response, "must have at most 200 characters")
    assert not Alias.objects.exists()


def test_too_many_aliases_are_refused(writer):
    aliases = "\n".join(f"Name {n}" for n in range(31))
    refused(writer.post("/wiki/new/", new_term(aliases=aliases)), "at most 30")


# --- tags over HTTP ----------------------------------------------------------------------------


def test_a_new_tag_name_over_80_characters_is_refused(writer):
    refused(writer.post("/wiki/new/", new_term(tags="T" * 81)), "at most 80 characters")
    assert not Tag.objects.exists()


def test_a_new_tag_name_that_grows_past_80_is_refused(writer):
    refused(writer.post("/wiki/new/", new_term(tags="ß" * 80)), "at most 80 characters")
    assert not Tag.objects.exists()


def test_too_many_tags_are_refused(writer):
    tags = ", ".join(f"tag{n}" for n in range(31))
    refused(writer.post("/wiki/new/", new_term(tags=tags)), "at most 30")


def test_a_tag_is_found_by_its_full_width_name(writer):
    tag = make_tag("Drama")
    response = writer.post("/wiki/new/", new_term(tags="Ｄｒａｍａ"))
    assert response.status_code == 302
    assert list(Article.objects.get().latest_revision.tags.all()) == [tag]


def test_the_tag_admin_refuses_an_overlong_name_and_a_taken_one(client, moderator):
    make_tag("Drama")
    client.force_login(moderator)
    url = reverse("admin:wiki_tag_add")
    data = {"name": "ß" * 80, "slug": "", "category": "topic", "description": ""}
    data.update({"aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 200
    assert "at most 80 characters" in html_lib.unescape(response.content.decode())
    response = client.post(url, {**data, "name": "DRAMA"})
    assert response.status_code == 200
    assert "is already the tag “Drama”" in html_lib.unescape(response.content.decode())
    assert Tag.objects.count() == 1


# --- a clash found only when saving ------------------------------------------------------------


def test_a_title_taken_between_the_form_check_and_the_save_is_named(
    writer, autoconfirmed, monkeypatch
):
    make_article("Moe", author=autoconfirmed)
    monkeypatch.setattr("wiki.forms.check_name", lambda *args, **kwargs: None)
    response = writer.post("/wiki/new/", new_term(title="Moe"))
    refused(response, "“Moe” was just taken by another article (“Moe”)")


def test_the_service_names_a_taken_title_rather_than_a_race(autoconfirmed):
    make_article("Moe", author=autoconfirmed)
    with pytest.raises(EditRefused) as refusal:
        save_edit(
            author=autoconfirmed,
            values={"title": "Moe", "summary": "Again.", "body": ""},
            check_rate=False,
        )
    assert refusal.value.code == "name_taken"
    assert refusal.value.field == "title"
