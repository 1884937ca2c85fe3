"""Every user journey, walked in a real Chromium against the live demo wiki."""

import re

from django.core import mail
from playwright.sync_api import expect

from wiki.views.api import preview_stamp

from .conftest import DEMO_PASSWORD, screenshot, sign_in


def test_reader_finds_a_term_and_reads_its_history(demo, browse):
    page = browse
    page.goto(demo.url + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("words of fandom")
    page.fill("#site-search", "netorare")
    page.press("#site-search", "Enter")
    page.wait_for_url(re.compile(r"/wiki/ntr/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("NTR")
    warning = page.locator(".warning-box")
    expect(warning).to_contain_text("Content warnings")
    expect(warning).to_contain_text("Infidelity")
    # The genre is adult-tagged: a notice comes first, then the text.
    page.get_by_role("button", name="Show the article").click()
    expect(page.locator(".prose")).to_contain_text("netorare")
    screenshot(page, "article-with-warning", readme=True)
    page.locator(".article-tags a", has_text="Japanese loanwords").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Japanese loanwords")
    expect(page.locator(".article-list")).to_contain_text("NTR")
    screenshot(page, "tag-page", readme=True)
    page.goto(demo.url + "/wiki/ntr/history/")
    rows = page.locator("table.history tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_role("button", name="Compare selected revisions").click()
    page.wait_for_url(re.compile(r"/wiki/ntr/diff/1/2/"))
    # The diff quotes the text, so it opens behind the same notice as the article.
    expect(page.locator(".notice-gate")).to_contain_text("adult theme")
    page.get_by_role("button", name="Show the article").click()
    expect(page.locator(".diff-inline ins").first).to_be_visible()
    expect(page.locator(".field-changes")).to_contain_text("Tags")
    screenshot(page, "diff", readme=True)


def test_contributor_signs_up_confirms_and_writes_a_term(demo, browse):
    page = browse
    page.goto(demo.url + "/accounts/signup/")
    page.fill("#id_username", "hana")
    page.fill("#id_email", "hana@example.com")
    page.fill("#id_password1", "kotoba-Browser-2026")
    page.fill("#id_password2", "kotoba-Browser-2026")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator(".banner-warning")).to_contain_text("Confirm your email")
    link = re.search(r"http://\S+/accounts/confirm/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm my email address").click()
    expect(page.locator(".messages")).to_contain_text("confirmed")

    page.goto(demo.url + "/wiki/new/?kind=term")
    page.fill("#id_title", "Dandere")
    page.fill("#id_summary", "A quiet, shy character who opens up to people they trust.")
    editor = page.locator("textarea.markdownx-editor")
    editor.fill("A **dandere** is quiet at first.\n\n<script>alert('x')</script>\n")
    preview = page.locator(".markdownx-preview")
    expect(preview.locator("strong")).to_have_text("dandere")
    expect(preview).to_contain_text("<script>alert('x')</script>")
    assert preview.locator("script").count() == 0
    page.fill("#id_edit_summary", "New term")
    page.get_by_role("button", name="Create article").click()
    expect(page.locator(".banner-pending")).to_contain_text("Waiting for review")
    expect(page.locator(".prose")).to_contain_text("<script>alert('x')</script>")
    assert page.locator(".prose script").count() == 0
    screenshot(page, "contributor-waiting-for-review")


def test_the_kind_radio_switches_the_create_page_without_a_reload(demo, browse):
    page = browse
    sign_in(page, demo.url, "editor")
    page.goto(demo.url + "/wiki/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("New term")
    expect(page.get_by_label("Original script")).to_be_visible()
    expect(page.get_by_label("Tone")).to_be_hidden()
    page.fill("#id_title", "Iyashikei")

    page.get_by_label("Genre explainer").check()

    expect(page.get_by_role("heading", level=1)).to_have_text("New genre explainer")
    expect(page).to_have_title(re.compile(r"^New genre explainer"))
    expect(page.get_by_label("Tone")).to_be_visible()
    expect(page.get_by_label("Original script")).to_be_hidden()
    expect(page.locator("#id_title")).to_have_value("Iyashikei")  # nothing typed is lost
    page.fill("#id_summary", "Gentle stories meant to soothe.")
    page.locator("textarea.markdownx-editor").fill("Slow, calm slice-of-life stories.")
    page.fill("#id_tone", "Calm and warm")
    page.get_by_role("button", name="Create article").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Iyashikei")
    expect(page.locator(".kind-label")).to_contain_text("Genre")


def test_moderator_accepts_a_new_article_in_the_admin(demo, browse, new_watched_page, watch):
    reader = new_watched_page()
    watch.expected_statuses.add(404)
    assert reader.goto(demo.url + "/wiki/kuudere/").status == 404
    watch.expected_statuses.discard(404)

    page = browse
    page.goto(demo.url + "/admin/")
    page.fill("#id_username", "moderator")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#moderation-summary")).to_contain_text("pending change")
    page.locator("#moderation-summary a").first.click()
    page.get_by_role("link", name=re.compile("Kuudere")).click()
    expect(page.locator("h1")).to_contain_text("Review")
    expect(page.locator(".diff-inline")).to_be_visible()
    screenshot(page, "admin-review", readme=True)
    page.get_by_label("Accept").check()
    page.get_by_role("button", name="Save decision").click()
    expect(page.locator(".messagelist")).to_contain_text("Accepted")

    fresh = new_watched_page()
    response = fresh.goto(demo.url + "/wiki/kuudere/")
    assert response.status == 200
    expect(fresh.get_by_role("heading", level=1)).to_have_text("Kuudere")


def test_two_editors_clash_and_the_second_keeps_their_text(demo, new_watched_page, watch):
    first, second = new_watched_page(), new_watched_page()
    sign_in(first, demo.url, "editor")
    sign_in(second, demo.url, "moderator")
    edit_url = demo.url + "/wiki/moe/edit/"
    first.goto(edit_url)
    second.goto(edit_url)
    original = first.locator("#id_summary").input_value()
    first.fill("#id_summary", original + " (first editor)")
    first.get_by_role("button", name="Save changes").click()
    expect(first.locator(".messages")).to_contain_text("Saved")

    watch.expected_statuses.add(409)
    mine = original + " (second editor, clashing)"
    second.fill("#id_summary", mine)
    second.get_by_role("button", name="Save changes").click()
    expect(second.locator(".conflict-box")).to_contain_text("Edit conflict")
    expect(second.locator("#id_summary")).to_have_value(mine)
    screenshot(second, "edit-conflict")


def test_reader_hides_a_tag_and_opens_an_adult_article(demo, browse):
    page = browse
    page.goto(demo.url + "/settings/reading/")
    page.get_by_label("NTR", exact=True).check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator(".messages")).to_contain_text("saved")
    page.goto(demo.url + "/wiki/")
    expect(page.locator(".article-list")).not_to_contain_text("NTR vs. cheating drama")
    expect(page.locator(".article-list")).to_contain_text("Tsundere")
    page.goto(demo.url + "/search/?q=netorare&fulltext=1")
    expect(page.locator(".search-results")).not_to_contain_text("NTR")

    page.goto(demo.url + "/wiki/ecchi-vs-hentai/")
    gate = page.locator(".notice-gate")
    expect(gate).to_contain_text("adult theme")
    assert page.locator(".prose").count() == 0
    page.get_by_role("button", name="Show the article").click()
    expect(page.locator(".prose")).to_be_visible()
    screenshot(page, "reader-filters")


def _focused_outline(page) -> str:
    return page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle + ' ' + s.outlineWidth; }"
    )


def _tab_to(page, selector: str, limit: int = 60):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(sel) => document.activeElement.matches(sel)", selector):
            style = _focused_outline(page)
            assert not style.startswith("none"), f"no visible focus on {selector}: {style}"
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_search_edit_and_save(demo, browse):
    page = browse
    sign_in(page, demo.url, "editor")
    page.goto(demo.url + "/")
    _tab_to(page, "#site-search")
    page.keyboard.type("tsundere")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/wiki/tsundere/"))
    _tab_to(page, ".article-tabs a[href$='/edit/']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/edit/"))
    _tab_to(page, "#id_edit_summary")
    page.keyboard.type("Keyboard-only check")
    _tab_to(page, "button[type=submit].primary")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/wiki/tsundere/$"))
    expect(page.locator(".messages")).to_contain_text("Saved")
    screenshot(page, "keyboard-only")


def test_phone_pages_do_not_scroll_sideways(demo, new_watched_page):
    page = new_watched_page(viewport={"width": 375, "height": 667}, is_mobile=True, has_touch=True)
    sign_in(page, demo.url, "editor")
    for path in (
        "/wiki/tsundere/",
        "/wiki/tsundere/history/",
        "/wiki/tsundere/diff/1/3/",
        "/wiki/tsundere/diff/1/3/?view=side",
        "/wiki/tsundere/edit/",
    ):
        page.goto(demo.url + path)
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"{path} scrolls sideways: {widths}"
    screenshot(page, "phone-edit")


def test_phone_menu_folds_and_history_rows_show_author_summary_and_size(demo, new_watched_page):
    phone = new_watched_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.goto(demo.url + "/wiki/tsundere/history/")
    menu = phone.get_by_role("button", name="Menu")
    nav = phone.get_by_role("navigation", name="Main")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()

    menu.click()

    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Recent changes")).to_be_visible()
    row = phone.locator("table.history tbody tr").first
    for cell in (5, 6, 7):  # author, summary, size: on screen, not off to the side
        box = row.locator(f"td:nth-child({cell})").bounding_box()
        assert box and box["x"] + box["width"] <= 390, (cell, box)
    tabs = phone.locator(".article-tabs li")
    tops = {round(tabs.nth(i).bounding_box()["y"]) for i in range(tabs.count())}
    assert len(tops) == 1, f"the article tabs wrap: {tops}"
    screenshot(phone, "phone-history")
    phone.goto(demo.url + "/wiki/tsundere/")
    expect(phone.locator(".toc details")).not_to_have_attribute("open", "")  # folded on a phone
    screenshot(phone, "phone-article", readme=True)

    desk = new_watched_page(viewport={"width": 1280, "height": 900})
    desk.goto(demo.url + "/wiki/tsundere/history/")
    expect(desk.get_by_role("button", name="Menu")).to_be_hidden()
    expect(desk.get_by_role("navigation", name="Main")).to_be_visible()


def test_a_late_preview_of_an_older_text_is_replaced_by_the_current_one(demo, browse):
    """On a slow line the answer for the text the editor opened with can come after the one
    for the first change; markdownx shows whichever comes last. The editor notices the stale
    stamp and asks again."""
    page = browse
    sign_in(page, demo.url, "editor")
    held, answered = [], []

    def answer_out_of_order(route):
        if not held:  # the preview of the text the page opened with: keep it back
            held.append(route)
            return
        answered.append(route.request.post_data)
        route.fulfill(response=route.fetch())
        if len(answered) == 1:  # now let the old one through, after the new
            stale = held[0]
            stale.fulfill(response=stale.fetch())

    page.route("**/markdownx/markdownify/", answer_out_of_order)
    page.goto(demo.url + "/wiki/tsundere/edit/")
    for _ in range(50):  # the editor asks for a preview of its text once it has opened
        if held:
            break
        page.wait_for_timeout(100)
    assert len(held) == 1, "the editor asked for no preview on opening"
    page.locator("textarea.markdownx-editor").fill("Only **this** text now.")

    for _ in range(50):  # the stale answer comes after the first; then the editor asks again
        if len(answered) >= 2:
            break
        page.wait_for_timeout(100)
    assert len(answered) == 2, "the stale preview was not followed by a fresh one"
    expect(page.locator(".markdownx-preview")).to_have_text("Only this text now.")


def test_the_editor_stamps_a_text_as_the_server_does(demo, browse):
    """The editor's stamp must agree with the preview's for every text, or it would ask for
    previews in vain: CRLF, lone CR, NUL (shown as U+FFFD), astral and combining characters."""
    page = browse
    sign_in(page, demo.url, "editor")
    page.goto(demo.url + "/wiki/tsundere/edit/")
    texts = ["", "plain", "a\r\nb\rc\n", "nul\x00here", "宇宙 🌸 e\u0301 ﬁ", "\ufeffbom"]

    stamps = page.evaluate("(texts) => texts.map(previewStamp)", texts)

    assert stamps == [preview_stamp(text).split('"')[1] for text in texts]


def test_phone_editor_has_write_and_preview_tabs_and_save_in_reach(demo, new_watched_page):
    phone = new_watched_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    sign_in(phone, demo.url, "editor")
    phone.goto(demo.url + "/wiki/tsundere/edit/")
    editor = phone.locator("textarea.markdownx-editor")
    preview = phone.locator(".markdownx-preview")
    expect(phone.get_by_role("tab", name="Write")).to_have_attribute("aria-selected", "true")
    expect(editor).to_be_visible()
    expect(preview).to_be_hidden()
    editor.fill("A **tsundere** hides warmth.")

    phone.get_by_role("tab", name="Preview").click()

    expect(preview).to_be_visible()
    expect(editor).to_be_hidden()
    expect(preview).to_have_text("A tsundere hides warmth.")  # retried: not the opening text's
    save = phone.get_by_role("button", name="Save changes")
    box = save.bounding_box()
    assert box and box["y"] + box["height"] <= 844, f"Save is off screen: {box}"
    screenshot(phone, "phone-editor")

    desk = new_watched_page(viewport={"width": 1280, "height": 900})
    sign_in(desk, demo.url, "editor")
    desk.goto(demo.url + "/wiki/tsundere/edit/")
    expect(desk.get_by_role("tab", name="Write")).to_be_hidden()
    expect(desk.locator(".markdownx-preview")).to_be_visible()


def test_tag_picker_suggests_existing_tags_as_chips_and_keeps_what_was_typed(demo, browse):
    page = browse
    sign_in(page, demo.url, "editor")
    page.goto(demo.url + "/wiki/tsundere/edit/")
    chips = page.locator(".tag-chip")
    expect(chips).to_have_count(6)
    expect(page.locator("#id_tags")).to_be_hidden()  # still in the form, holding the names

    page.get_by_role("button", name="Remove tag Visual novel").click()
    entry = page.get_by_role("combobox", name="Tags")
    entry.fill("fan")
    option = page.get_by_role("option", name=re.compile("Fan culture"))
    expect(option).to_be_visible()
    entry.press("ArrowDown")
    entry.press("Enter")
    expect(chips.filter(has_text="Fan culture")).to_have_count(1)
    expect(page.locator("#id_tags")).to_have_value(re.compile(r", Fan culture$"))

    entry.type("Brand new idea,")
    expect(chips.filter(has_text="Brand new idea")).to_contain_text("not a tag yet")
    entry.press("Backspace")
    expect(chips.filter(has_text="Brand new idea")).to_have_count(0)

    entry.fill("Drama")  # typed and never added: Save keeps it
    screenshot(page, "tag-picker")
    page.fill("#id_edit_summary", "Tags")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"/wiki/tsundere/$"))
    tags = page.locator("main .tag-cloud")
    expect(tags).to_contain_text("Fan culture")
    expect(tags).to_contain_text("Drama")
    expect(tags).not_to_contain_text("Visual novel")


def test_editor_edits_one_section_from_its_heading(demo, browse, new_watched_page):
    page = browse
    sign_in(page, demo.url, "editor")
    page.goto(demo.url + "/wiki/tsundere/")
    page.get_by_role("link", name="Edit the section “Etymology”").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("§ Etymology")
    editor = page.locator("textarea.markdownx-editor")
    expect(editor).to_have_value(re.compile(r"^## Etymology\n"))
    assert "## Characteristics" not in editor.input_value()
    editor.fill("## Etymology\n\nFrom two mimetic words, *tsun-tsun* and *dere-dere*.")
    expect(page.locator(".markdownx-preview")).to_contain_text("mimetic words")
    expect(page.locator("#id_edit_summary")).to_have_value("§ Etymology")

    # Meanwhile a moderator changes another section of the whole article and saves.
    other = new_watched_page()
    sign_in(other, demo.url, "moderator")
    other.goto(demo.url + "/wiki/tsundere/edit/")
    whole = other.locator("textarea.markdownx-editor")
    text = whole.input_value()
    assert "## In fandom" in text
    whole.fill(text.replace("## In fandom\n", "## In fandom\n\nA line added meanwhile.\n", 1))
    other.get_by_role("button", name="Save changes").click()
    expect(other.locator(".messages")).to_contain_text("Saved")

    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(r"/wiki/tsundere/#etymology$"))
    expect(page.locator(".messages")).to_contain_text("merged")
    expect(page.locator(".prose")).to_contain_text("From two mimetic words")
    expect(page.locator(".prose")).to_contain_text("A line added meanwhile.")
    expect(page.locator(".prose h2", has_text="Characteristics")).to_be_visible()
    screenshot(page, "section-edit-saved")


def test_new_users_talk_post_is_held_then_accepted_and_the_thread_starter_is_told(
    demo, browse, new_watched_page
):
    starter = browse  # "editor" started the NTR thread
    sign_in(starter, demo.url, "editor")
    starter.goto(demo.url + "/")
    before = int(starter.locator(".notices-link .unread-count").text_content() or 0)

    newbie = new_watched_page()
    sign_in(newbie, demo.url, "newbie")
    newbie.goto(demo.url + "/wiki/ntr/")
    newbie.get_by_role("link", name="Talk", exact=True).click()
    newbie.get_by_role("link", name="Should the article also cover the real-life meaning?").click()
    newbie.get_by_label("Your message").fill("Here is a magazine piece on the slang use.")
    newbie.get_by_role("button", name="Post the reply").click()
    expect(newbie.locator(".messages")).to_contain_text("waits for a moderator's review")
    expect(newbie.locator(".talk-post.is-pending").last).to_contain_text("magazine piece")
    newbie.evaluate("window.scrollTo(0, 0)")  # the thread from its title, the held reply below
    screenshot(newbie, "talk-post-held", readme=True)

    moderator = new_watched_page()
    moderator.goto(demo.url + "/admin/")
    moderator.fill("#id_username", "moderator")
    moderator.fill("#id_password", DEMO_PASSWORD)
    moderator.locator("input[type=submit]").click()
    moderator.get_by_role("link", name=re.compile("pending talk post")).click()
    row = moderator.locator("#result_list tr", has_text="magazine piece")
    row.locator("input[type=checkbox]").check()
    moderator.locator("select[name=action]").select_option("accept_selected")
    moderator.get_by_role("button", name="Run").click()
    expect(moderator.locator(".messagelist")).to_contain_text("Accepted 1 post")

    starter.reload()
    expect(starter.locator(".notices-link .unread-count")).to_have_text(str(before + 1))
    starter.locator(".notices-link").click()
    expect(starter.locator("main")).to_contain_text("newbie wrote in “Should the article")
    notice = starter.locator("main li", has_text="newbie wrote in").first
    notice.get_by_role("link", name="View").click()
    expect(starter.locator(".talk-post:target")).to_contain_text("magazine piece")


def _picture_bytes() -> bytes:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (900, 600), (250, 240, 230))
    ImageDraw.Draw(image).ellipse((300, 150, 600, 450), fill=(200, 30, 60))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_editor_drops_a_picture_into_the_text_previews_saves_and_its_page_says_where(demo, browse):
    page = browse
    sign_in(page, demo.url, "editor")
    page.goto(demo.url + "/wiki/moe/edit/")
    editor = page.locator("textarea.markdownx-editor")
    # A picture dropped into the text opens the upload dialog with that file chosen (and
    # never reaches markdownx's own upload view, which is not served: a 404 would fail).
    page.evaluate(
        """bytes => {
            const file = new File([new Uint8Array(bytes)], "red dot.png", {type: "image/png"});
            const transfer = new DataTransfer();
            transfer.items.add(file);
            const text = document.querySelector("textarea.markdownx-editor");
            const drop = {dataTransfer: transfer, bubbles: true, cancelable: true};
            text.dispatchEvent(new DragEvent("drop", drop));
        }""",
        list(_picture_bytes()),
    )
    dialog = page.get_by_role("dialog", name="Insert a picture")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Name")).to_have_value("red dot")
    dialog.get_by_label("Alt text").fill("A red dot on a cream background.")
    dialog.get_by_label("I made this picture myself").check()
    dialog.get_by_label("Licence").select_option("cc-by-sa-4.0")
    dialog.get_by_role("button", name="Upload and insert").click()

    expect(dialog).to_be_hidden()
    expect(editor).to_have_value(re.compile(r"\[\[File:red dot\.png\]\]"))
    picture = page.locator(".markdownx-preview figure img")
    expect(picture).to_have_attribute("alt", "A red dot on a cream background.")
    assert editor.input_value().rstrip().endswith("[[File:red dot.png]]")  # not yet in the text
    picture.scroll_into_view_if_needed()  # it loads lazily
    expect(picture).to_have_js_property("complete", True)
    assert picture.evaluate("img => img.naturalWidth") > 0
    screenshot(page, "editor-picture-inserted")

    page.get_by_label("Edit summary").fill("A picture of a red dot")
    page.get_by_role("button", name="Save changes").click()
    shown = page.locator("figure.wiki-figure img")
    shown.scroll_into_view_if_needed()
    expect(shown).to_have_js_property("complete", True)
    assert shown.evaluate("img => img.naturalWidth") > 0

    page.goto(demo.url + "/files/red dot.png/")
    expect(page.locator(".file-facts")).to_contain_text("CC BY-SA 4.0")
    expect(page.locator(".file-facts")).to_contain_text("own work")
    used = page.locator("section", has=page.get_by_role("heading", name="Used on"))
    expect(used.get_by_role("link", name="Moe")).to_be_visible()
    screenshot(page, "file-page", readme=True)
