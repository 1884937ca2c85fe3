"""Moving a wiki in and out: import_articles and export_articles (docs/import-format.md).

The round trip first (a wiki built through the services, exported, imported into an empty
wiki, exported again: the same file), then what an import leaves (the state publish()
leaves, blue and red links, users, tags), then every rule a record can break, each refused
with its place and reason, then --dry-run, --skip-invalid, the commands, and the queries.
"""

import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.factories import edit, make_article, make_tag, make_user
from wiki import moderation
from wiki.deletion import delete_article
from wiki.models import Alias, Article, Link, Revision, SearchEntry, Tag, TagAlias
from wiki.publishing import publish
from wiki.transfer.exporter import export_articles
from wiki.transfer.importer import ImportRefused, import_articles

pytestmark = pytest.mark.django_db

HEADER = {
    "format": "kotoba-articles",
    "version": 1,
    "tags": [
        {"name": "Romance", "category": "genre"},
        {"name": "Explicit", "category": "topic", "adult": True},
        {"name": "Spoilers", "category": "warning"},
    ],
    "users": [{"username": "writer", "email": "writer@example.com"}],
}


def revision(title="Moe", **fields):
    return {
        "title": title,
        "summary": f"About {title}.",
        "body": f"Text about {title}.",
        "author": "writer",
        "created_at": "2024-05-01T10:00:00+00:00",
        **fields,
    }


def article(title="Moe", *revisions, **fields):
    return {"kind": "term", "revisions": list(revisions) or [revision(title)], **fields}


def write(tmp_path, *records, header=HEADER, name="articles.jsonl"):
    lines = ([header] if header else []) + list(records)
    path = tmp_path / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines), "utf-8")
    return path


def run(path, **options):
    return import_articles(path, workers=1, **options)


def refusal(path, **options) -> list[tuple[str, str]]:
    with pytest.raises(ImportRefused) as refused:
        run(path, **options)
    return [(problem.place, problem.code) for problem in refused.value.report.problems]


def exported(**options) -> str:
    out = io.StringIO()
    export_articles(out.write, **options)
    return out.getvalue()


def wipe_wiki():
    """An empty wiki again: articles (with everything hanging from them), tags, users."""
    Article.objects.all().delete()
    Tag.objects.all().delete()
    get_user_model().objects.all().delete()


# --- the round trip ------------------------------------------------------------------------


@pytest.fixture
def small_wiki(moderator, autoconfirmed, newbie):
    """Revisions, aliases, tags (adult, warning, one with an alias), an explainer with
    contrasts, wikilinks (blue, through an alias, red), a pending edit, a rejected one and
    an accepted edit after it, a protected, a featured and a deleted article."""
    romance = make_tag("Romance", category="genre")
    TagAlias.objects.create(tag=romance, name="Love story")
    explicit = make_tag("Explicit", adult=True)
    spoilers = make_tag("Spoilers", category="warning")
    tsundere = make_article(
        "Tsundere",
        author=autoconfirmed,
        body="A character who is **cold** at first.[^1]\n\n[^1]: A fan glossary.",
        aliases="ツンデレ\nTsun-dere",
        original_script="ツンデレ",
        reading="tsundere",
        origin_language="Japanese",
        tags=[romance],
    )
    edit(tsundere, autoconfirmed, body=tsundere.published_revision.body + "\n\nWarms up later.")
    rejected = edit(tsundere, newbie, body="Spam, spam.", edit_summary="mine").revision
    moderation.reject(rejected, moderator=moderator, reason="Unsourced")
    edit(tsundere, autoconfirmed, tone="", is_minor=True, edit_summary="Typo")
    yandere = make_article(
        "Yandere", author=autoconfirmed, body="Devoted, dangerously.", tags=[explicit, spoilers]
    )
    edit(yandere, newbie, body="Devoted, dangerously. And more.", edit_summary="Waiting")
    make_article(
        "Tsundere vs. yandere",
        author=moderator,
        kind="genre",
        body="Compare [[Tsundere]] with [[Yandere]]; [[ツンデレ|the katakana]] is the same; "
        "[[Kuudere]] is another type.\n\n## FAQ\n\n### Which came first?\n\nTsundere.",
        contrasts_with=[tsundere, yandere],
        tone="Playful",
        tags=[romance],
    )
    moderation.set_protection(article=tsundere, level="autoconfirmed", moderator=moderator)
    Article.objects.filter(pk=yandere.pk).update(is_featured=True)
    gone = make_article("Himedere", author=autoconfirmed, aliases="Princess type")
    delete_article(gone, moderator=moderator, reason="Duplicate")


def test_exporting_importing_into_an_empty_wiki_and_exporting_again_gives_the_same_file(
    small_wiki, tmp_path
):
    first = exported()
    html = {a.title: a.published_revision.body_html for a in Article.objects.published()}
    wipe_wiki()
    (tmp_path / "wiki.jsonl").write_text(first, "utf-8")
    report = run(tmp_path / "wiki.jsonl")
    assert report.articles == 4
    assert exported() == first
    assert {a.title: a.published_revision.body_html for a in Article.objects.published()} == html


def test_imported_revisions_hold_what_the_editor_stored_field_for_field(small_wiki, tmp_path):
    before = revision_fields()
    (tmp_path / "wiki.jsonl").write_text(exported(), "utf-8")
    wipe_wiki()
    run(tmp_path / "wiki.jsonl")
    assert revision_fields() == before


def revision_fields() -> dict:
    """Every column of every revision (so a new one shows up here), ids as what they name."""
    skip = {"id", "article", "parent", "author", "reviewed_by"}
    found = {}
    for rev in Revision.objects.select_related("article", "parent", "author", "reviewed_by"):
        values = {f.name: getattr(rev, f.attname) for f in Revision._meta.concrete_fields}
        values = {name: value for name, value in values.items() if name not in skip}
        values["parent"] = rev.parent and rev.parent.number
        values["people"] = [user and user.username for user in (rev.author, rev.reviewed_by)]
        values["tags"] = sorted(t.name for t in rev.tags.all())
        values["contrasts"] = sorted(a.title for a in rev.contrasts_with.all())
        found[(rev.article.title, rev.number)] = values
    return found


def test_the_exported_file_holds_every_revision_with_its_review(small_wiki):
    records = [json.loads(line) for line in exported().splitlines()]
    header, articles = records[0], {r["revisions"][0]["title"]: r for r in records[1:]}
    assert {t["name"]: t["adult"] for t in header["tags"]}["Explicit"] is True
    assert {t["name"]: t["aliases"] for t in header["tags"]}["Romance"] == ["Love story"]
    assert "email" not in header["users"][0]
    statuses = [r["status"] for r in articles["Tsundere"]["revisions"]]
    assert statuses == ["accepted", "accepted", "rejected", "accepted"]
    assert articles["Tsundere"]["revisions"][2]["review_reason"] == "Unsourced"
    assert articles["Tsundere"]["protection"] == "autoconfirmed"
    assert [r["status"] for r in articles["Yandere"]["revisions"]] == ["accepted", "pending"]
    assert articles["Yandere"]["featured"] is True
    assert articles["Himedere"]["deleted"] is True
    explainer = articles["Tsundere vs. yandere"]["revisions"][0]
    assert explainer["contrasts_with"] == ["Tsundere", "Yandere"]


def test_imported_pages_show_blue_links_between_imported_articles_and_red_ones_elsewhere(
    small_wiki, tmp_path, client
):
    (tmp_path / "wiki.jsonl").write_text(exported(), "utf-8")
    wipe_wiki()
    run(tmp_path / "wiki.jsonl")
    page = client.get("/wiki/tsundere-vs-yandere/").content.decode()
    assert blue_link("/wiki/tsundere/", "Tsundere") in page
    assert blue_link("/wiki/yandere/", "Yandere") in page
    assert blue_link("/wiki/tsundere/", "the katakana") in page
    assert 'class="wikilink new" href="/wiki/new/?title=Kuudere"' in page
    assert client.get("/wiki/tsundere/").status_code == 200
    assert client.get("/wiki/himedere/").status_code == 404  # deleted stays deleted
    links = dict(Link.objects.values_list("target_key", "target__title"))
    assert links == {
        "tsundere": "Tsundere",
        "yandere": "Yandere",
        "ツンデレ": "Tsundere",
        "kuudere": None,
    }


def blue_link(href: str, text: str) -> str:
    return f'<a class="wikilink" href="{href}" rel="nofollow ugc noopener">{text}</a>'


def test_the_imported_state_is_what_publish_leaves(small_wiki, tmp_path):
    (tmp_path / "wiki.jsonl").write_text(exported(), "utf-8")
    wipe_wiki()
    run(tmp_path / "wiki.jsonl")
    imported = published_state()
    with transaction.atomic():
        for article in Article.objects.published():
            publish(article.published_revision)
        assert published_state() == imported
        transaction.set_rollback(True)


def published_state() -> dict:
    """Everything publish() writes, by article (every field of the search entry, so a new
    field there shows up here)."""
    state = {}
    for article in Article.objects.order_by("pk"):
        entry = SearchEntry.objects.filter(article=article).first()
        state[article.title] = {
            "article": [
                getattr(article, name)
                for name in ("title", "title_key", "title_skeleton", "slug", "summary")
            ],
            "revisions": [article.published_revision_id, article.latest_revision_id],
            "aliases": sorted(article.alias_set.values_list("name", "key", "skeleton")),
            "links": sorted(article.outgoing_links.values_list("target_key", "target_id")),
            "search": entry
            and {f.attname: getattr(entry, f.attname) for f in SearchEntry._meta.concrete_fields},
            "html": article.published_revision and article.published_revision.body_html,
        }
    return state


def test_export_published_only_leaves_out_what_readers_cannot_see(small_wiki):
    records = [json.loads(line) for line in exported(published_only=True).splitlines()]
    titles = [r["revisions"][0]["title"] for r in records[1:]]
    assert titles == ["Tsundere", "Yandere", "Tsundere vs. yandere"]
    statuses = {s for r in records[1:] for s in (rev["status"] for rev in r["revisions"])}
    assert statuses == {"accepted"}
    assert "newbie" not in {u["username"] for u in records[0]["users"]}


def test_export_gives_email_addresses_only_when_asked(small_wiki):
    header = json.loads(exported(emails=True).splitlines()[0])
    assert {u["username"]: u["email"] for u in header["users"]}["trusted"] == "trusted@example.com"


# --- what an import makes --------------------------------------------------------------------


def test_an_import_publishes_each_article_with_its_aliases_links_and_search_entry(tmp_path):
    path = write(
        tmp_path,
        article(
            "Moe",
            revision("Moe", aliases=["萌え"], tags=["Romance"]),
            revision("Moe", aliases=["萌え", "Moe-moe"], body="See [[Kawaii]]."),
        ),
        article("Kawaii", revision("Kawaii", body="See [[萌え]] and [[Nowhere]].")),
    )
    report = run(path)
    assert (report.articles, report.revisions) == (2, 3)
    moe = Article.objects.get(title="Moe")
    assert moe.published_revision.number == 2 == moe.latest_revision.number
    assert moe.published_revision.parent.number == 1
    assert sorted(moe.alias_set.values_list("name", flat=True)) == ["Moe-moe", "萌え"]
    kawaii = Article.objects.get(title="Kawaii")
    assert blue_link("/wiki/moe/", "萌え") in kawaii.published_revision.body_html
    assert dict(kawaii.outgoing_links.values_list("target_key", "target")) == {
        "萌え": moe.pk,
        "nowhere": None,
    }
    assert SearchEntry.objects.get(article=moe).aliases == "萌え\nMoe-moe"


def test_pending_and_rejected_revisions_wait_or_stay_rejected_as_on_the_site(tmp_path):
    path = write(
        tmp_path,
        article(
            "Moe",
            revision("Moe"),
            revision("Moe", body="Spam.", status="rejected", reviewed_by="mod", review_reason="No"),
            revision("Moe", body="Better text."),
            revision("Moe", body="Still waiting.", status="pending"),
        ),
        article("Nope", revision("Nope", status="rejected", review_reason="Off topic")),
    )
    run(path)
    moe = Article.objects.get(title="Moe")
    assert (moe.published_revision.number, moe.latest_revision.number) == (3, 4)
    assert moe.published_revision.parent.number == 1  # the rejected one is never a parent
    rejected = moe.revisions.get(number=2)
    assert (rejected.status, rejected.reviewed_by.username, rejected.review_reason) == (
        "rejected",
        "mod",
        "No",
    )
    nope = Article.objects.get(title="Nope")
    assert (nope.published_revision, nope.latest_revision) == (None, None)  # holds no name


def test_a_red_link_elsewhere_in_the_wiki_turns_blue_when_the_import_brings_its_target(
    tmp_path, autoconfirmed
):
    waiting = make_article("Dere", author=autoconfirmed, body="See [[Kuudere]].")
    assert "wikilink new" in waiting.published_revision.body_html
    run(write(tmp_path, article("Kuudere")))
    waiting.refresh_from_db()
    assert blue_link("/wiki/kuudere/", "Kuudere") in waiting.published_revision.body_html
    assert waiting.outgoing_links.get().target.title == "Kuudere"


def test_imported_links_to_articles_already_in_the_wiki_are_blue(tmp_path, autoconfirmed):
    make_article("Moe", author=autoconfirmed)
    run(write(tmp_path, article("Kawaii", revision("Kawaii", body="See [[Moe]]."))))
    kawaii = Article.objects.get(title="Kawaii")
    assert blue_link("/wiki/moe/", "Moe") in kawaii.published_revision.body_html


def test_users_are_created_without_a_usable_password_or_matched_case_insensitively(tmp_path):
    existing = make_user("Editor", trust="autoconfirmed")
    path = write(
        tmp_path,
        article("Moe", revision("Moe", author="editor")),
        article("Kawaii", revision("Kawaii"), revision("Kawaii", status="pending")),
    )
    report = run(path)
    assert report.users_created == 1
    writer = get_user_model().objects.get(username="writer")
    assert not writer.has_usable_password()
    assert (writer.email, writer.email_confirmed_at, writer.accepted_edit_count) == (
        "writer@example.com",
        None,
        1,
    )
    existing.refresh_from_db()
    assert existing.accepted_edit_count == 1
    assert Article.objects.get(title="Moe").created_by == existing


def test_tags_are_made_from_the_header_used_as_they_are_or_made_for_review(tmp_path):
    kept = make_tag("Manga", category="medium")
    TagAlias.objects.create(tag=kept, name="Comics")
    path = write(tmp_path, article("Moe", revision("Moe", tags=["Explicit", "comics", "Cats"])))
    report = run(path)
    assert report.tags_created == 4  # the header's three, and "Cats"
    tags = {t.name: t for t in Tag.objects.all()}
    assert tags["Explicit"].is_adult and not tags["Explicit"].needs_review
    assert tags["Spoilers"].category == "warning"
    assert tags["Cats"].needs_review and tags["Cats"].category == "topic"
    moe = Article.objects.get(title="Moe").published_revision
    assert sorted(t.name for t in moe.tags.all()) == ["Cats", "Explicit", "Manga"]
    assert SearchEntry.objects.get(article=moe.article).tags == "Cats Explicit Manga"


def test_an_explainer_may_contrast_with_an_article_further_on_in_the_file(tmp_path):
    path = write(
        tmp_path,
        {
            "kind": "genre",
            "revisions": [revision("Moe vs. kawaii", contrasts_with=["Moe", "kawaii"])],
        },
        article("Moe"),
        article("Kawaii"),
    )
    run(path)
    explainer = Article.objects.get(title="Moe vs. kawaii").published_revision
    assert sorted(a.title for a in explainer.contrasts_with.all()) == ["Kawaii", "Moe"]


def test_a_deleted_article_of_the_file_does_not_hold_its_title(tmp_path):
    path = write(tmp_path, article("Moe", deleted=True), article("Moe"))
    run(path)
    assert Article.objects.filter(title="Moe", is_deleted=True).count() == 1
    assert Article.objects.live().get(title="Moe").slug == "moe"


def test_a_slug_in_the_file_is_kept_and_a_taken_one_is_replaced(tmp_path, autoconfirmed):
    make_article("Moe", author=autoconfirmed)
    run(write(tmp_path, article("Kawaii", slug="cute"), article("Moe too", slug="moe")))
    assert Article.objects.get(title="Kawaii").slug == "cute"
    assert Article.objects.get(title="Moe too").slug == "moe-too"


def test_titles_with_the_same_slug_get_numbered_past_the_ones_the_wiki_uses(
    tmp_path, autoconfirmed
):
    make_article("C", author=autoconfirmed)
    make_article("C 2", author=autoconfirmed)
    run(write(tmp_path, article("C++"), article("C#")))
    assert Article.objects.get(title="C++").slug == "c-3"
    assert Article.objects.get(title="C#").slug == "c-4"


def test_a_plain_json_array_is_read_too(tmp_path):
    path = tmp_path / "articles.json"
    path.write_text(json.dumps([HEADER, article("Moe"), article("Kawaii")]), "utf-8")
    assert run(path).articles == 2


def test_worker_processes_give_the_same_wiki(tmp_path):
    path = write(tmp_path, *(article(f"Term {n}") for n in range(30)))
    assert import_articles(path, workers=2, batch_size=7).articles == 30
    assert Revision.objects.filter(status="accepted").count() == 30
    assert Link.objects.count() == 0 and Alias.objects.count() == 0


# --- bad records: each rule, with its place and reason ---------------------------------------

TOO_DEEP = "\n".join("  " * depth + "- item" for depth in range(30))
BAD_REVISIONS = [
    ("no title", {"title": ""}, "required"),
    ("a title of punctuation", {"title": "!!!"}, "punctuation_title"),
    ("a title too long once written out", {"title": "ß" * 150}, "title_too_long"),
    ("a title with a NUL", {"title": "Mo\x00e"}, "null_characters"),
    ("a summary of two lines", {"summary": "One\ntwo"}, "multiline_summary"),
    ("a summary over 200 characters", {"summary": "x" * 201}, "max_length"),
    ("no summary", {"summary": " "}, "required"),
    ("a body over 200 KB", {"body": "x" * (200 * 1024 + 1)}, "body_too_long"),
    ("a body nested too deeply", {"body": TOO_DEEP}, "too_deeply_nested"),
    ("a body with a NUL", {"body": "a\x00b"}, "null_characters"),
    ("a reading with bytes that were not UTF-8", {"reading": "mo\ufffde"}, "invalid_utf8"),
    ("an origin language over 100 characters", {"origin_language": "x" * 101}, "max_length"),
    ("too many aliases", {"aliases": [f"Alias {n}" for n in range(31)]}, "too_many_aliases"),
    ("an alias too long", {"aliases": ["ﬃ" * 70]}, "alias_too_long"),
    ("too many tags", {"tags": [f"Tag {n}" for n in range(31)]}, "too_many_tags"),
    ("a tag name too long", {"tags": ["t" * 81]}, "tag_name_too_long"),
    ("too many contrasts", {"contrasts_with": [f"T{n}" for n in range(21)]}, "too_many_contrasts"),
    ("an unknown status", {"status": "maybe"}, "bad_choice"),
    ("a rejection without a reason", {"status": "rejected"}, "reason_required"),
    ("a date that is not a date", {"created_at": "yesterday"}, "bad_date"),
    ("an author that is not a username", {"author": "a b"}, "bad_username"),
    ("an unknown field", {"alias": ["Moe"]}, "unknown_field"),
    ("a list that is not a list", {"tags": "Romance"}, "bad_type"),
    ("an edit summary over 300 characters", {"edit_summary": "x" * 301}, "max_length"),
]


@pytest.mark.parametrize(
    ("fields", "code"),
    [case[1:] for case in BAD_REVISIONS],
    ids=[case[0] for case in BAD_REVISIONS],
)
def test_a_bad_revision_refuses_the_import_with_its_line_and_reason(tmp_path, fields, code):
    path = write(tmp_path, article("Fine"), article("Moe", revision(**{"title": "Moe", **fields})))
    assert refusal(path) == [("line 3", code)]
    assert Article.objects.count() == 0


BAD_ARTICLES = [
    ("no revisions", {"kind": "term", "revisions": []}, "no_revisions"),
    ("an unknown kind", article("Moe", kind="essay"), "bad_choice"),
    ("an unknown protection", article("Moe", protection="total"), "bad_choice"),
    ("a slug that is not a slug", article("Moe", slug="Not a slug"), "bad_slug"),
    (
        "a pending revision below an accepted one",
        article("Moe", revision("Moe", status="pending"), revision("Moe")),
        "pending_below_accepted",
    ),
    ("not an object", ["Moe"], "bad_record"),
    ("a second header", HEADER, "misplaced_header"),
]


@pytest.mark.parametrize(
    ("record", "code"), [case[1:] for case in BAD_ARTICLES], ids=[case[0] for case in BAD_ARTICLES]
)
def test_a_bad_article_refuses_the_import_with_its_line_and_reason(tmp_path, record, code):
    path = write(tmp_path, article("Fine"), record)
    assert refusal(path) == [("line 3", code)]


def test_a_line_that_is_not_json_is_refused_with_its_number(tmp_path):
    path = write(tmp_path, article("Fine"))
    path.write_text(path.read_text("utf-8") + "{not json\n", "utf-8")
    assert refusal(path) == [("line 3", "bad_json")]


@pytest.mark.parametrize(
    ("records", "code"),
    [
        ([article("Moe"), article("MOE")], "title_taken"),
        ([article("Moe", revision("Moe", aliases=["Kawaii"])), article("Kawaii")], "title_taken"),
        ([article("Moe"), article("Kawaii", revision("Kawaii", aliases=["moe"]))], "alias_taken"),
        ([article("Moe"), article("Мое")], "title_lookalike"),  # Cyrillic М, о, е
        (
            [{"kind": "genre", "revisions": [revision("X vs. Y", contrasts_with=["Y"])]}],
            "unknown_article",
        ),
        (
            [
                article("Fine"),
                {"kind": "genre", "revisions": [revision("Me", contrasts_with=["Me"])]},
            ],
            "self_contrast",
        ),
    ],
    ids=["title twice", "title of an alias", "alias of a title", "look-alike", "no such", "self"],
)
def test_names_and_contrasts_are_checked_across_the_file(tmp_path, records, code):
    problems = refusal(write(tmp_path, *records))
    assert problems == [(f"line {len(records) + 1}", code)]


def test_names_are_checked_against_the_live_articles_of_the_wiki(tmp_path, autoconfirmed):
    make_article("Moe", author=autoconfirmed, aliases="萌え")
    gone = make_article("Kawaii", author=autoconfirmed)
    delete_article(gone, moderator=make_user("m", trust="moderator"), reason="Test")
    path = write(tmp_path, article("moe"), article("Cute", revision("Cute", aliases=["萌え"])))
    assert refusal(path) == [("line 2", "title_taken"), ("line 3", "alias_taken")]
    assert run(write(tmp_path, article("Kawaii"))).articles == 1  # a deleted one holds nothing


@pytest.mark.parametrize(
    "header",
    [
        {**HEADER, "format": "other"},
        {**HEADER, "version": 2},
        {**HEADER, "tags": [{"name": "Romance", "category": "feelings"}]},
        {
            **HEADER,
            "users": [{"username": "a", "email": "x@e.com"}, {"username": "b", "email": "X@e.com"}],
        },
    ],
    ids=["format", "version", "tag category", "one email twice"],
)
def test_a_bad_header_refuses_the_import_even_when_skipping_bad_records(tmp_path, header):
    path = write(tmp_path, article("Moe"), header=header)
    problems = refusal(path, skip_invalid=True)
    assert problems and all(place.startswith("header") for place, _ in problems)
    assert Article.objects.count() == 0


def test_a_header_email_of_an_existing_account_is_refused(tmp_path):
    make_user("someone", email="writer@example.com")
    assert refusal(write(tmp_path, article("Moe"))) == [("header", "email_taken")]


def test_every_bad_record_is_listed_not_only_the_first(tmp_path):
    path = write(tmp_path, article("!!"), article("Fine"), article("Moe", kind="essay"))
    assert refusal(path) == [("line 2", "punctuation_title"), ("line 4", "bad_choice")]


# --- --skip-invalid and --dry-run ---------------------------------------------------------------


def test_skip_invalid_imports_the_good_records_and_lists_the_bad_ones(tmp_path):
    path = write(
        tmp_path,
        article("Moe"),
        article("!!"),
        {"kind": "genre", "revisions": [revision("Bad vs. moe", contrasts_with=["!!", "Moe"])]},
        article("Kawaii", revision("Kawaii", body="See [[Moe]].")),
    )
    report = run(path, skip_invalid=True)
    assert sorted(Article.objects.values_list("title", flat=True)) == ["Kawaii", "Moe"]
    assert [(p.place, p.code) for p in report.problems] == [
        ("line 3", "punctuation_title"),
        ("line 4", "unknown_article"),
    ]


def test_a_dry_run_checks_everything_and_writes_nothing(tmp_path):
    counted = (Article, Revision, Tag, Alias, Link, SearchEntry, get_user_model())
    before = [model.objects.count() for model in counted]
    path = write(tmp_path, article("Moe", revision("Moe", tags=["New tag"])), article("Kawaii"))
    report = run(path, dry_run=True)
    assert (report.articles, report.users_created, report.tags_created) == (2, 1, 4)
    assert not report.written
    assert [model.objects.count() for model in counted] == before


def test_a_dry_run_reports_bad_records_like_an_import(tmp_path):
    assert refusal(write(tmp_path, article("!!")), dry_run=True) == [
        ("line 2", "punctuation_title")
    ]


# --- the commands -------------------------------------------------------------------------


def test_the_import_command_says_what_it_imported(tmp_path):
    out = io.StringIO()
    call_command("import_articles", str(write(tmp_path, article("Moe"))), workers=1, stdout=out)
    assert "Imported 1 articles (1 revisions); created 1 users and 3 tags" in out.getvalue()


def test_the_import_command_lists_bad_records_and_fails(tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported: 1 bad record"):
        call_command("import_articles", str(write(tmp_path, article("!!"))), workers=1, stderr=err)
    assert "line 2: revision 1: A title needs at least one letter or digit." in err.getvalue()


def test_the_import_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_articles", str(tmp_path / "nothing.jsonl"))


def test_the_export_command_writes_a_file_that_the_import_command_reads(tmp_path, autoconfirmed):
    make_article("Moe", author=autoconfirmed, body="See [[Kawaii]].")
    out = io.StringIO()
    call_command("export_articles", str(tmp_path / "out.jsonl"), stdout=out)
    assert "Exported 1 articles" in out.getvalue()
    wipe_wiki()
    call_command("import_articles", str(tmp_path / "out.jsonl"), workers=1, stdout=io.StringIO())
    assert Article.objects.get().title == "Moe"


# --- queries --------------------------------------------------------------------------------


def test_the_import_makes_as_many_queries_for_forty_articles_as_for_four(tmp_path):
    def corpus(count):
        records = []
        for n in range(count):
            first = revision(f"Term {n}", aliases=[f"Alias {n}"], tags=["Romance", "Cats"])
            second = revision(f"Term {n}", body=f"See [[Term {(n + 1) % count}]] and [[Nowhere]].")
            records.append(article(f"Term {n}", first, second))
        return write(tmp_path, *records, name=f"{count}.jsonl")

    counts = []
    for path in (corpus(4), corpus(40)):
        wipe_wiki()
        with CaptureQueriesContext(connection) as queries:
            run(path)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert Link.objects.filter(target__isnull=False).count() == 40


# --- pictures ----------------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_imported_articles_show_the_wikis_pictures_as_an_edit_would(tmp_path, workers):
    """[[File:...]] in imported text renders with the wiki's visible files (resolved before the
    worker processes start: they never touch the database), adult pictures only under an
    adult tag, and the file pages list the imported articles that show them."""
    from io import BytesIO

    from PIL import Image

    from files import services as files
    from files.models import FileUse

    picture = BytesIO()
    Image.new("RGB", (700, 400), "teal").save(picture, "PNG")
    uploader = make_user("uploader", trust="autoconfirmed")
    for name, adult in (("Chart", False), ("Cover", True)):
        picture.seek(0)
        files.upload(
            user=uploader,
            fileobj=picture,
            details=files.Details(
                name=name, licence="cc0-1.0", alt_text=f"{name} alt", own_work=True, is_adult=adult
            ),
        )
    body = "[[File:Chart.png|A caption]]\n\n[[File:Cover.png]] and [[File:Missing.png]]"
    path = write(
        tmp_path,
        article("Plain", revision("Plain", body=body)),
        article("Explicit one", revision("Explicit one", body=body, tags=["Explicit"])),
    )
    assert import_articles(path, workers=workers, batch_size=1).articles == 2

    plain = Article.objects.get(title="Plain").published_revision.body_html
    assert plain.count("<img") == 1 and "<figcaption>A caption</figcaption>" in plain
    assert "shown only on articles tagged adult" in plain
    assert "/files/upload/?name=Missing.png" in plain
    explicit = Article.objects.get(title="Explicit one").published_revision.body_html
    assert explicit.count("<img") == 2
    uses = set(FileUse.objects.values_list("article__title", "file_key"))
    assert uses == {
        (title, key)
        for title in ("Plain", "Explicit one")
        for key in ("chart.png", "cover.png", "missing.png")
    }
