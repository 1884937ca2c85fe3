"""Editing one section: the page's "edit" links, the editor with that section alone, and a
save that puts it back into the whole text with the same merge as a full edit."""

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import edit, get_article, make_article, make_user
from wiki import sections
from wiki.models import Revision
from wiki.rendering import render

BODY = (
    "A **moe** feeling is a kind of affection.\n"
    "\n"
    "## Etymology\n"
    "\n"
    "From the verb *moeru*.\n"
    "\n"
    "### Older uses\n"
    "\n"
    "Sprouting plants.\n"
    "\n"
    "## In fandom\n"
    "\n"
    "```\n"
    "## not a heading: a line of code\n"
    "```\n"
    "\n"
    "> ## A quoted heading\n"
    "\n"
    "Used widely.[^1]\n"
    "\n"
    "[^1]: A dictionary.\n"
)


# --- finding sections in the text ----------------------------------------------------------


def test_a_section_runs_to_the_next_heading_of_its_rank_and_holds_its_subsections():
    found = {s.anchor: s for s in sections.sections(BODY)}

    assert list(found) == ["etymology", "older-uses", "in-fandom"]
    assert sections.text_of(BODY, found["etymology"]) == (
        "## Etymology\n\nFrom the verb *moeru*.\n\n### Older uses\n\nSprouting plants."
    )
    assert sections.text_of(BODY, found["older-uses"]) == "### Older uses\n\nSprouting plants."


def test_code_lines_and_quoted_headings_do_not_start_sections():
    in_fandom = sections.find(BODY, "in-fandom")

    text = sections.text_of(BODY, in_fandom)

    assert "## not a heading" in text and "> ## A quoted heading" in text
    assert text.endswith("[^1]: A dictionary.\n")  # the last section runs to the very end


def test_a_heading_underlined_with_dashes_is_a_section_too():
    body = "Intro.\n\nHistory\n-------\n\nOld.\n\nUse\n---\n\nNew.\n"

    assert [s.title for s in sections.sections(body)] == ["History", "Use"]
    assert sections.text_of(body, sections.find(body, "history")) == "History\n-------\n\nOld."


def test_replacing_a_section_leaves_the_others_as_they_were():
    etymology = sections.find(BODY, "etymology")

    body = sections.replace(BODY, etymology, "## Etymology\n\nFrom *moeru*, to sprout.\n")

    assert "From *moeru*, to sprout.\n\n## In fandom" in body
    assert "Sprouting plants" not in body
    assert body.startswith("A **moe** feeling")
    assert body.endswith("[^1]: A dictionary.\n")


def test_an_emptied_section_is_removed():
    body = sections.replace(BODY, sections.find(BODY, "older-uses"), "")

    assert "Older uses" not in body
    assert "*moeru*.\n\n## In fandom" in body


_LINES = st.sampled_from(
    [
        "# One",
        "## Two",
        "### Three",
        "Text.",
        "",
        "```",
        "> ## Quoted",
        "- ## Listed",
        "Setext",
        "---",
        "   ## Indented",
        "[^1]: Note",
        "    ## code",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_LINES, max_size=30))
def test_putting_a_section_back_unchanged_renders_the_same_article(lines):
    body = "\n".join(lines)
    for section in sections.sections(body):
        again = sections.replace(body, section, sections.text_of(body, section))

        assert render(again).html == render(body).html
        assert [s.anchor for s in sections.sections(again)] == [
            s.anchor for s in sections.sections(body)
        ]


# --- over HTTP -----------------------------------------------------------------------------


@pytest.fixture
def moe(db, autoconfirmed):
    return make_article("Moe", author=autoconfirmed, body=BODY)


def section_form(article, section, body, *, base=None, summary=""):
    """What the section editor posts: the base, the section's name and text, the summary."""
    number = base or article.published_revision.number
    return {"base_revision": number, "section": section, "body": body, "edit_summary": summary}


def test_the_article_has_an_edit_link_on_each_of_its_own_headings(client, moe):
    html = client.get(reverse("article", args=["moe"])).content.decode()

    assert html.count('class="section-edit"') == 3
    assert 'href="/wiki/moe/edit/?section=etymology"' in html
    assert "?section=references" not in html  # the renderer's heading, not the writer's


def test_the_editor_opens_with_the_section_alone(client, moe, autoconfirmed):
    client.force_login(autoconfirmed)

    response = client.get(reverse("article_edit", args=["moe"]), {"section": "etymology"})

    form = response.context["form"]
    assert form.initial["body"].startswith("## Etymology\n")
    assert "In fandom" not in form.initial["body"]
    assert form.initial["edit_summary"] == "§ Etymology"
    html = response.content.decode()
    assert 'name="section" value="etymology"' in html
    assert 'name="title"' not in html  # only the text and the summary are on the page


def test_saving_a_section_puts_it_back_into_the_whole_text(client, moe, autoconfirmed):
    client.force_login(autoconfirmed)

    response = client.post(
        reverse("article_edit", args=["moe"]),
        section_form(
            moe, "etymology", "## Etymology\n\nFrom *moeru*, to bud.", summary="§ Etymology: verb"
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == "/wiki/moe/#etymology"
    revision = get_article("Moe").published_revision
    assert revision.body == sections.replace(
        BODY, sections.find(BODY, "etymology"), "## Etymology\n\nFrom *moeru*, to bud."
    )
    assert revision.title == "Moe" and revision.summary == moe.published_revision.summary
    assert revision.edit_summary == "§ Etymology: verb"
    assert "§ Etymology: verb" in client.get(reverse("history", args=["moe"])).content.decode()


def test_the_summary_always_starts_with_the_sections_name(client, moe, autoconfirmed):
    client.force_login(autoconfirmed)

    client.post(
        reverse("article_edit", args=["moe"]),
        section_form(moe, "in-fandom", "## In fandom\n\nUsed everywhere.", summary="typo"),
    )

    assert get_article("Moe").published_revision.edit_summary == "§ In fandom: typo"


def test_an_edit_elsewhere_meanwhile_is_merged_not_a_conflict(client, moe, autoconfirmed):
    other = make_user("other", trust="autoconfirmed")
    edit(moe, other, body=BODY.replace("Used widely.", "Used very widely."))  # revision 2
    client.force_login(autoconfirmed)

    response = client.post(
        reverse("article_edit", args=["moe"]),
        section_form(moe, "etymology", "## Etymology\n\nFrom *moeru*.", base=1),
    )

    assert response.status_code == 302
    body = get_article("Moe").published_revision.body
    assert "Used very widely." in body
    assert "Sprouting plants" not in body


def test_a_clash_in_the_same_section_comes_back_as_the_whole_text(client, moe, autoconfirmed):
    other = make_user("other", trust="autoconfirmed")
    edit(moe, other, body=BODY.replace("From the verb *moeru*.", "From the verb moeru (萌える)."))
    client.force_login(autoconfirmed)

    response = client.post(
        reverse("article_edit", args=["moe"]),
        section_form(moe, "etymology", "## Etymology\n\nFrom the verb *moyasu*.", base=1),
    )

    assert response.status_code == 409
    draft = response.context["form"].data["body"]
    assert "*moyasu*" in draft and "## In fandom" in draft  # the whole text, the user's lines kept
    assert "section" not in response.context
    assert Revision.objects.filter(article=moe).count() == 2


def test_a_refused_section_edit_comes_back_with_the_section_as_typed(client, moe, autoconfirmed):
    client.force_login(autoconfirmed)
    typed = "## Etymology\n\nMy careful rewrite."

    response = client.post(
        reverse("article_edit", args=["moe"]),
        section_form(moe, "etymology", typed, summary="x" * 400),
    )

    assert response.status_code == 400
    assert response.context["form"].errors["edit_summary"]
    assert response.context["form"]["body"].value() == typed
    assert get_article("Moe").revisions.count() == 1


def test_an_unknown_section_opens_the_whole_article(client, moe, autoconfirmed):
    client.force_login(autoconfirmed)

    response = client.get(reverse("article_edit", args=["moe"]), {"section": "gone"}, follow=True)

    assert response.context["form"].initial["body"] == BODY
    assert "not in the article any more" in response.content.decode()


def test_a_posted_unknown_section_saves_nothing_and_keeps_the_text(client, moe, autoconfirmed):
    client.force_login(autoconfirmed)

    response = client.post(
        reverse("article_edit", args=["moe"]), section_form(moe, "gone", "## Gone\n\nMy text.")
    )

    assert response.status_code == 400
    assert "My text." in response.content.decode()
    assert get_article("Moe").revisions.count() == 1


def test_a_new_users_section_edit_waits_for_review_like_any_edit(client, moe, newbie):
    client.force_login(newbie)

    client.post(
        reverse("article_edit", args=["moe"]),
        section_form(moe, "etymology", "## Etymology\n\nFrom *moeru*."),
    )

    article = get_article("Moe")
    assert article.published_revision.number == 1
    pending = article.revisions.get(number=2)
    assert pending.status == "pending"
    assert "## In fandom" in pending.body
