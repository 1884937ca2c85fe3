"""The article form on arbitrary input (Hypothesis): it never raises, a refusal always
carries a message, and whatever it accepts can be saved and read back.

The strategies favour what breaks forms: invisible and bidi characters, letters that grow
when normalised (ß, ﬃ), look-alikes, control characters, very long lines, commas and
newlines in list fields. Example counts are CI-sized and every example has a deadline.
"""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_article, make_tag
from wiki.editing import save_edit
from wiki.errors import EditRefused
from wiki.forms import ArticleForm

pytestmark = pytest.mark.django_db

TRICKY = [
    "\u200b",
    "\u202e",
    "\u00ad",
    "\ufe0f",
    "ß",
    "ﬃ",
    "О",
    "\x00",
    "\x07",
    "\ufffd",
    "\r\n",
    "\n",
    ",",
    "[[",
    "]]",
    "#",
    "|",
    "萌え",
    "Ｍ",
    " ",
]
text = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(TRICKY) | st.text(max_size=8), max_size=30).map("".join),
    st.integers(0, 450).map(lambda n: "ß" * n),
    st.integers(150, 260).map(lambda n: "M" * n),
)
FORM_SETTINGS = settings(
    max_examples=60,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def world(autoconfirmed):
    make_article("Otaku", author=autoconfirmed, aliases="Otaku-zoku")
    make_tag("Drama")
    return autoconfirmed


@FORM_SETTINGS
@given(
    title=text,
    summary=text,
    body=text,
    aliases=text,
    tags=text,
    original_script=text,
    edit_summary=text,
)
def test_the_form_never_raises_and_every_refusal_has_a_message(world, **fields):
    form = ArticleForm({"kind": "term", **fields}, user=world)
    if form.is_valid():
        return
    assert form.errors
    for messages in form.errors.values():
        assert all(str(message).strip() for message in messages)


@FORM_SETTINGS
@given(title=text, aliases=text, tags=text)
def test_what_the_form_accepts_saves_without_a_database_error(world, title, aliases, tags):
    data = {"kind": "term", "title": title, "summary": "A summary.", "aliases": aliases}
    form = ArticleForm({**data, "tags": tags}, user=world)
    if not form.is_valid():
        return
    try:
        outcome = save_edit(
            author=world,
            values=form.revision_values(),
            kind="term",
            new_tag_names=getattr(form, "new_tag_names", ()),
            check_rate=False,
        )
    except EditRefused as refusal:  # a refusal is a message, never a crash
        assert refusal.message
        return
    saved = outcome.revision
    saved.refresh_from_db()
    assert saved.title == form.cleaned_data["title"]
    assert saved.article.title_key
