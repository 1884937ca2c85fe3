"""axe-core (from npm, injected from disk) finds no serious or critical problems."""

import pytest

from .conftest import axe_violations, sign_in

PAGES = [
    "/",
    "/wiki/tsundere/",
    "/wiki/tsundere/history/",
    "/wiki/tsundere/diff/1/3/",
    "/search/?q=moe&fulltext=1",
    "/tags/character-archetypes/",
    "/accounts/signup/",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_serious_accessibility_violations(demo, browse, path):
    browse.goto(demo.url + path)
    assert axe_violations(browse) == []


def test_edit_page_has_no_serious_accessibility_violations(demo, browse):
    sign_in(browse, demo.url, "editor")
    browse.goto(demo.url + "/wiki/tsundere/edit/")
    assert axe_violations(browse) == []
