"""What the renderer accepts: every accepted body renders quickly; the rest is refused with
a message and the text kept (edit form), answered with a notice (preview), or shown as plain
text (any other caller). Wikilink titles too long to store are plain text."""

import html as html_lib

import pytest

from tests.factories import edit, edit_form_data, make_article, make_tag, make_user
from wiki.forms import MAX_BODY_BYTES
from wiki.models import Link, RevisionStatus
from wiki.moderation import accept_chain
from wiki.rendering import markup_problem, render, render_markdown, wikilink_targets

pytestmark = pytest.mark.django_db

TOO_MUCH_MARKUP = "[" * 20_000
TOO_DEEP = ">" * 25 + " the deepest words"
DEEPEST_ACCEPTED = ">" * 19 + " the deepest words"
LONG_KEY_TITLE = "ß" * 150  # 150 characters typed, but the key is "ss" * 150: 300


def long_article() -> str:
    """About 150 KB of what a long, well-sourced article looks like."""
    section = (
        "## Section {n}\n\nA paragraph about [[Moe]] with *emphasis*, `code` and a "
        "[source](https://example.com/{n}).[^{n}] " + "word " * 100 + "\n\n- one\n- two\n\n"
    )
    body = "".join(section.format(n=n) for n in range(230))
    return body + "".join(f"[^{n}]: Source {n}.\n" for n in range(230))


@pytest.fixture
def writer(client, autoconfirmed):
    client.force_login(autoconfirmed)
    return client


def page(response) -> str:
    return html_lib.unescape(response.content.decode())


def body_errors(response) -> list[str]:
    return [error.code for error in response.context["form"].errors.as_data().get("body", [])]


def new_term(body: str) -> dict:
    return {"kind": "term", "title": "Moe", "summary": "A warm feeling.", "body": body}


def boom(*args, **kwargs):
    raise AssertionError("an over-limit text was parsed")


# --- one function decides -----------------------------------------------------------------


def test_a_long_normal_article_is_accepted():
    body = long_article()
    assert len(body.encode()) > 140 * 1024
    assert markup_problem(body) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("x" * (MAX_BODY_BYTES + 1), "body_too_long"),
        ("あ" * (MAX_BODY_BYTES // 3 + 1), "body_too_long"),
        (TOO_MUCH_MARKUP, "too_much_markup"),
        ("- a\n" * 20_000, "too_much_markup"),
        ("| a " * 40_000, "too_much_markup"),
        (TOO_DEEP, "too_deeply_nested"),
        ("- " * 30 + "words", "too_deeply_nested"),
        ("x[^a]\n\n" + "[^a]: " * 30 + "words", "too_deeply_nested"),
    ],
    ids=["bytes", "multibyte", "brackets", "list-items", "table-bars", "quotes", "lists", "notes"],
)
def test_each_limit_has_its_own_code(text, code):
    assert markup_problem(text).code == code


def test_the_message_names_what_there_is_too_much_of():
    assert "20,000 square brackets" in markup_problem(TOO_MUCH_MARKUP).message


def test_nesting_up_to_the_limit_is_accepted_and_shown():
    assert markup_problem(DEEPEST_ACCEPTED) is None
    assert "the deepest words" in render_markdown(DEEPEST_ACCEPTED)


def test_empty_text_has_no_problem():
    assert markup_problem("") is None


# --- the edit form ------------------------------------------------------------------------


def test_too_much_markup_in_a_new_article_is_refused_with_the_text_kept(writer):
    response = writer.post("/wiki/new/", new_term("Intro.\n\n" + TOO_MUCH_MARKUP))

    assert response.status_code == 400
    assert body_errors(response) == ["too_much_markup"]
    assert "more markup than one article can show" in page(response)
    assert "Intro.\n\n" + TOO_MUCH_MARKUP in page(response)


def test_nesting_too_deep_in_an_edit_is_refused_with_the_text_kept(writer, autoconfirmed):
    article = make_article("Moe", author=autoconfirmed)
    response = writer.post("/wiki/moe/edit/", edit_form_data(article, body=TOO_DEEP))

    assert response.status_code == 400
    assert body_errors(response) == ["too_deeply_nested"]
    assert "nested too deeply" in page(response)
    assert TOO_DEEP in page(response)
    assert article.revisions.count() == 1


def test_a_body_over_the_byte_cap_is_refused_with_its_code(writer):
    response = writer.post("/wiki/new/", new_term("x" * (MAX_BODY_BYTES + 1)))

    assert response.status_code == 400
    assert body_errors(response) == ["body_too_long"]


def test_a_long_normal_article_is_saved_and_rendered(writer):
    response = writer.post("/wiki/new/", new_term(long_article()))

    assert response.status_code == 302
    html = writer.get(response["Location"]).content.decode()
    assert '<h2 id="section-229">Section 229 <a class="heading-anchor"' in html
    assert '<section class="references">' in html


def test_the_deepest_accepted_nesting_is_saved(writer):
    assert writer.post("/wiki/new/", new_term(DEEPEST_ACCEPTED)).status_code == 302


# --- the preview --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("x" * (3 * MAX_BODY_BYTES), "the limit is 200 KB"),
        (TOO_MUCH_MARKUP + "<script>alert(1)</script>", "20,000 square brackets"),
        (TOO_DEEP, "nested too deeply"),
    ],
    ids=["bytes", "markup", "nesting"],
)
def test_the_preview_answers_an_over_limit_text_with_a_notice(writer, monkeypatch, text, says):
    monkeypatch.setattr("wiki.views.api.render_markdown", boom)
    response = writer.post("/markdownx/markdownify/", {"content": text})

    assert response.status_code == 422
    assert response["Content-Type"] == "text/html; charset=utf-8"
    body = response.content.decode()
    assert body.startswith('<p class="notice">No preview: ')
    assert says in html_lib.unescape(body)
    assert "<script" not in body
    assert "deepest words" not in body
    assert len(body) < 400


def test_the_preview_still_renders_a_text_at_the_limits(writer):
    response = writer.post("/markdownx/markdownify/", {"content": DEEPEST_ACCEPTED})
    assert response.status_code == 200
    assert "<blockquote>" in response.content.decode()


# --- other callers: shown as plain text, never parsed ---------------------------------------


@pytest.mark.parametrize("text", [TOO_MUCH_MARKUP, "x" * (10 * MAX_BODY_BYTES)])
def test_render_shows_an_over_limit_text_as_escaped_plain_text_without_parsing_it(
    monkeypatch, text
):
    monkeypatch.setattr("wiki.rendering.markup.parse", boom)
    result = render(f"First line <script>alert(1)</script>\n\n[[Tokyo]] *x*\n{text}")

    assert result.problem is not None
    assert result.html.startswith("<p>First line &lt;script&gt;alert(1)&lt;/script&gt;</p>")
    assert "<p>[[Tokyo]] *x*<br>" in result.html
    assert result.wikilink_targets == frozenset()
    assert result.faq == []


def test_an_over_deep_text_is_shown_as_plain_text_rather_than_losing_its_end():
    result = render(TOO_DEEP + "\n\nAfter.")
    assert result.problem.code == "too_deeply_nested"
    assert "the deepest words" in result.html and "After." in result.html


def test_a_tag_description_over_the_limits_keeps_its_words(db):
    tag = make_tag("Deep", description="Intro.\n\n" + TOO_DEEP)
    assert "the deepest words" in tag.description_html
    assert "Intro." in tag.description_html


def test_bare_urls_of_an_over_limit_text_are_still_found():
    result = render("See https://spam.example/buy now.\n\n" + TOO_MUCH_MARKUP)
    assert result.external_links == ["https://spam.example/buy"]


# --- wikilink titles too long to store ----------------------------------------------------


def test_a_wikilink_whose_key_is_too_long_is_plain_text_and_not_a_target():
    text = f"See [[{LONG_KEY_TITLE}]] and [[Tokyo]]."
    html = render_markdown(text, lambda titles: {})

    assert f"[[{LONG_KEY_TITLE}]]" in html
    assert html.count("<a ") == 1
    assert wikilink_targets(text) == {"Tokyo"}


def test_a_wikilink_whose_key_is_exactly_200_characters_is_a_link():
    title = "ß" * 100  # key: "ss" * 100
    assert wikilink_targets(f"[[{title}|label]]") == {title}
    assert 'class="wikilink new"' in render_markdown(f"[[{title}]]", lambda titles: {})


def test_a_pending_edit_with_a_too_long_wikilink_can_be_accepted(moderator):
    newbie = make_user("newbie-long-link", trust="new")
    article = make_article("Moe", author=moderator, body="Calm at first.")
    edit(article, newbie, body=f"See [[{LONG_KEY_TITLE}]] and [[Kawaii]].")
    pending = article.revisions.get(number=2)
    assert pending.status == RevisionStatus.PENDING

    accept_chain(pending, moderator=moderator)

    article.refresh_from_db()
    assert article.published_revision == pending
    assert list(Link.objects.filter(source=article).values_list("target_key", flat=True)) == [
        "kawaii"
    ]
    assert f"[[{LONG_KEY_TITLE}]]" in pending.body_html
