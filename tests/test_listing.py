"""Lists of revisions build their links, times and sizes in Python (wiki.listing, wiki.routes)
instead of through template tags, for speed. They must write exactly what the tags wrote."""

import zoneinfo
from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import edit, make_article, make_user
from wiki import listing
from wiki.models import Revision
from wiki.routes import Route

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "slug", ["tsundere", "ツンデレ", "c++ & friends", "100%-real", "a{0}b", "x?y#z"]
)
def test_a_route_writes_what_reverse_writes(slug):
    assert Route("article", str)(slug) == reverse("article", args=[slug])
    assert Route("diff", str, int, int)(slug, 3, 12) == reverse("diff", args=[slug, 3, 12])
    assert Route("profile", str)("ann.b+c@d") == reverse("profile", args=["ann.b+c@d"])


@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30))
def test_a_route_quotes_any_text_as_reverse_does(text):
    if "/" in text:  # the `str` converter takes no slash: both refuse it
        with pytest.raises(ValueError):
            Route("article", str)(text)
        return
    assert Route("article", str)(text) == reverse("article", args=[text])


def test_a_route_under_a_script_prefix_keeps_it():
    from django.urls import set_script_prefix

    set_script_prefix("/kotoba/")
    try:
        expected = reverse("article", args=["moe"])
        assert Route("article", str)("moe") == "/kotoba/wiki/moe/" == expected
    finally:
        set_script_prefix("/")


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/St_Johns"])
@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 5, 0, 0, 7, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2024, 2, 29, 12, 30, tzinfo=UTC),
    ],
)
def test_times_read_as_the_date_filter_writes_them(zone, moment):
    template = Template("{{ t|date:'c' }}|{{ t|date:'j M Y, H:i' }}|{{ t|date:'j M, H:i' }}")
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        expected = template.render(Context({"t": moment}))
        iso, with_year = listing._time(moment, year=True)
        _, without_year = listing._time(moment, year=False)
    assert f"{iso}|{with_year}|{without_year}" == expected


@pytest.mark.parametrize(
    ("delta", "text", "css"), [(12, "+12", "plus"), (-3, "\u22123", "minus"), (0, "0", "")]
)
def test_size_changes_are_signed_with_a_real_minus(delta, text, css):
    assert listing._delta(delta) == (text, css)


def test_history_rows_link_each_revision_its_diff_and_revert():
    author = make_user("writer", trust="autoconfirmed")
    article = make_article("Dere", author=author, body="One.")
    edit(article, author, body="One and two, a longer text.")
    article.refresh_from_db()
    revisions = list(article.revisions.for_lists().order_by("-number"))
    newest, first = listing.history_rows(article, revisions)
    assert newest.url == reverse("revision", args=["dere", 2])
    assert newest.diff_url == reverse("diff", args=["dere", 1, 2])
    assert newest.revert_url == ""  # it is the current text
    assert newest.author_url == reverse("profile", args=["writer"])
    assert newest.delta_class == "plus" and newest.delta_text.startswith("+")
    assert first.diff_url == "" and first.revert_url == reverse("revert", args=["dere", 1])
    assert first.size_text == f"{first.revision.size:,}"


def test_a_list_row_never_reads_a_text_column():
    make_article("Kuudere", body="A long text. " * 50)
    revision = Revision.objects.for_lists().get(article__slug="kuudere")
    assert {"body", "body_html"} <= revision.get_deferred_fields()
    assert revision.author.get_deferred_fields() >= {"email", "password"}
