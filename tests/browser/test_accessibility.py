"""axe-core (from npm, injected from disk) finds no serious or critical problems on any page a
reader, an editor or a moderator meets, in the light and the dark colour scheme.

One test per person walks all of that person's pages (the demo is loaded once per test) and
checks each page in both schemes, switched in place (with reduced motion, so no colour is caught
mid-transition), and reports every page's findings together. With KOTOBA_SCREENSHOTS=all each
page is also photographed at desk and phone width into artifacts/screenshots/pages/, to look at.
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
SCHEMES = ("light", "dark")
# The admin's own CSS fades links' and buttons' colours whatever the reduced-motion setting:
# axe must not measure a colour half-way between the schemes. (The style is recomputed first,
# so the transitions the switch starts exist.)
SETTLED = """() => {
    getComputedStyle(document.documentElement).color;
    const fading = document.getAnimations().filter((a) => a instanceof CSSTransition);
    return Promise.all(fading.map((a) => a.finished.catch(() => null)));
}"""


def _check_in_both_schemes(page, name: str, found: dict) -> None:
    """axe on the page as it stands, once per colour scheme; findings go into `found` under
    "name (scheme)"."""
    for scheme in SCHEMES:
        page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
        dark = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
        assert dark == (scheme == "dark"), f"{name}: the {scheme} scheme did not take"
        page.evaluate(SETTLED)
        violations = axe_violations(page)
        if violations:
            found[f"{name} ({scheme})"] = violations
        if os.environ.get("KOTOBA_SCREENSHOTS") == "all":
            folder = ARTIFACTS / "pages"
            folder.mkdir(parents=True, exist_ok=True)
            for width, size in WIDTHS.items():
                page.set_viewport_size(size)
                page.screenshot(path=str(folder / f"{name}-{width}-{scheme}.png"))
            page.set_viewport_size(WIDTHS["desk"])


def _walk(page, base_url: str, pages: dict[str, str]) -> dict[str, list]:
    found = {}
    for name, path in pages.items():
        response = page.goto(base_url + path)
        assert response.status == (404 if name in MISSING else 200), path
        _check_in_both_schemes(page, name, found)
    return found


@pytest.fixture
def talk_threads(demo, django_db_blocker):
    """The demo's talk threads by article: their addresses depend on the database's ids."""
    from talk.models import Thread

    with django_db_blocker.unblock():
        return {t.article.slug: t.get_absolute_url() for t in Thread.objects.all()}


def test_reader_pages_have_no_serious_accessibility_violations(demo, browse, watch, talk_threads):
    watch.expected_statuses.add(404)
    pages = {**READER_PAGES, "talk-thread": talk_threads["ntr"]}
    assert _walk(browse, demo.url, pages) == {}


def test_editor_pages_have_no_serious_accessibility_violations(demo, browse, talk_threads):
    sign_in(browse, demo.url, "editor")
    pages = {**EDITOR_PAGES, "talk-thread-signed-in": talk_threads["moe"]}
    found = _walk(browse, demo.url, pages)
    browse.goto(demo.url + "/wiki/tsundere/edit/")
    browse.get_by_role("button", name="Insert a picture").click()
    _check_in_both_schemes(browse, "picture-dialog-open", found)
    assert found == {}


def test_moderator_review_desk_has_no_serious_accessibility_violations(demo, browse):
    page = browse
    page.goto(demo.url + "/admin/")
    page.fill("#id_username", "moderator")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("input[type=submit]").click()
    found = {}
    _check_in_both_schemes(page, "admin-home", found)
    page.locator("#moderation-summary a").first.click()
    _check_in_both_schemes(page, "pending-changes", found)
    page.get_by_role("link", name="Kuudere").first.click()
    _check_in_both_schemes(page, "review", found)
    page.goto(demo.url + "/admin/files/fileversion/")
    _check_in_both_schemes(page, "uploads", found)
    assert found == {}
