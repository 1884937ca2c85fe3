"""axe-core (from npm, injected from disk) finds no serious or critical problems on any page a
reader, an editor or a moderator meets, in the light and the dark colour scheme.

One test per person and scheme walks all of that person's pages (the demo is loaded once per
test) and reports every page's findings together. With KOTOBA_SCREENSHOTS=all each page is
also photographed at desk and phone width into artifacts/screenshots/pages/, to look at.
"""

import os

import pytest

from .conftest import ARTIFACTS, DEMO_PASSWORD, axe_violations, sign_in

READER_PAGES = {
    "home": "/",
    "article": "/wiki/tsundere/",
    "article-with-warnings": "/wiki/ntr/",
    "adult-notice": "/wiki/hentai/",
    "history": "/wiki/tsundere/history/",
    "diff": "/wiki/tsundere/diff/1/3/",
    "diff-side-by-side": "/wiki/tsundere/diff/1/3/?view=side",
    "old-revision": "/wiki/tsundere/revisions/1/",
    "what-links-here": "/wiki/tsundere/links/",
    "talk": "/wiki/ntr/talk/",
    "guidelines": "/wiki/guidelines/",
    "missing-article": "/wiki/kuudere-two/",
    "search": "/search/?q=moe&fulltext=1",
    "search-did-you-mean": "/search/?q=tsundre&fulltext=1",
    "browse": "/wiki/",
    "tags": "/tags/",
    "tag": "/tags/character-archetypes/",
    "recent": "/recent/",
    "article-with-picture": "/wiki/isekai/",
    "files": "/files/",
    "file": "/files/dere-types.png/",
    "reading-settings": "/settings/reading/",
    "profile": "/users/editor/",
    "signup": "/accounts/signup/",
    "login": "/accounts/login/",
    "password-reset": "/accounts/password/reset/",
}
EDITOR_PAGES = {
    "edit": "/wiki/tsundere/edit/",
    "edit-section": "/wiki/tsundere/edit/?section=etymology",
    "create": "/wiki/new/",
    "create-genre": "/wiki/new/?kind=genre",
    "report": "/wiki/tsundere/report/",
    "notices": "/accounts/notices/",
    "watchlist": "/watchlist/",
    "account-settings": "/accounts/settings/",
    "revert": "/wiki/tsundere/revert/1/",
    "upload": "/files/upload/",
}
MISSING = {"missing-article"}  # answered 404 on purpose (the styled "create it" page)
WIDTHS = {"desk": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def _walk(page, base_url: str, pages: dict[str, str], scheme: str) -> dict[str, list]:
    page.emulate_media(color_scheme=scheme)
    found = {}
    for name, path in pages.items():
        response = page.goto(base_url + path)
        assert response.status == (404 if name in MISSING else 200), path
        violations = axe_violations(page)
        if violations:
            found[name] = violations
        if os.environ.get("KOTOBA_SCREENSHOTS") == "all":
            folder = ARTIFACTS / "pages"
            folder.mkdir(parents=True, exist_ok=True)
            for width, size in WIDTHS.items():
                page.set_viewport_size(size)
                page.screenshot(path=str(folder / f"{name}-{width}-{scheme}.png"))
            page.set_viewport_size(WIDTHS["desk"])
    return found


@pytest.fixture
def talk_threads(demo, django_db_blocker):
    """The demo's talk threads by article: their addresses depend on the database's ids."""
    from talk.models import Thread

    with django_db_blocker.unblock():
        return {t.article.slug: t.get_absolute_url() for t in Thread.objects.all()}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_reader_pages_have_no_serious_accessibility_violations(
    demo, browse, watch, talk_threads, scheme
):
    watch.expected_statuses.add(404)
    pages = {**READER_PAGES, "talk-thread": talk_threads["ntr"]}
    assert _walk(browse, demo.url, pages, scheme) == {}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_editor_pages_have_no_serious_accessibility_violations(demo, browse, talk_threads, scheme):
    sign_in(browse, demo.url, "editor")
    pages = {**EDITOR_PAGES, "talk-thread-signed-in": talk_threads["moe"]}
    assert _walk(browse, demo.url, pages, scheme) == {}
    browse.goto(demo.url + "/wiki/tsundere/edit/")
    browse.get_by_role("button", name="Insert a picture").click()
    assert axe_violations(browse) == []  # the picture dialog, open


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_moderator_review_desk_has_no_serious_accessibility_violations(demo, browse, scheme):
    page = browse
    page.emulate_media(color_scheme=scheme)
    page.goto(demo.url + "/admin/")
    page.fill("#id_username", "moderator")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("input[type=submit]").click()
    found = {"admin-home": axe_violations(page)}
    page.locator("#moderation-summary a").first.click()
    found["pending-changes"] = axe_violations(page)
    page.get_by_role("link", name="Kuudere").first.click()
    found["review"] = axe_violations(page)
    page.goto(demo.url + "/admin/files/fileversion/")
    found["uploads"] = axe_violations(page)
    assert {name: v for name, v in found.items() if v} == {}
