"""Pictures: upload, file pages, embedding, moderation and serving, over HTTP as people meet
them. (What is done to the bytes themselves is tests/test_file_images.py.)"""

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image

from files import services
from files.models import File, FileLog, FileUse, FileVersion, Licence, VersionStatus
from tests.clients import CommittingClient
from tests.factories import edit, make_article, make_tag, make_user
from wiki.rendering import render, sanitize

pytestmark = pytest.mark.django_db


def png(width=800, height=600, colour=(200, 40, 90), *, exif=None) -> io.BytesIO:
    buffer = io.BytesIO()
    image = Image.new("RGB", (width, height), colour)
    image.save(buffer, "PNG", **({"exif": exif} if exif else {}))
    buffer.seek(0)
    buffer.name = "drawing.png"
    return buffer


def form(picture=None, **fields):
    data = {
        "name": "Blush",
        "alt_text": "A cartoon face with red cheeks.",
        "own_work": "on",
        "licence": Licence.CC_BY_SA,
        "source": "",
        "rationale": "",
        "description": "Drawn for the wiki.",
    }
    data.update(fields)
    if picture is not False:
        data["picture"] = picture or png()
    return data


def details(**fields) -> services.Details:
    values = {
        "name": "Blush",
        "licence": Licence.CC_BY_SA,
        "alt_text": "A cartoon face with red cheeks.",
        "own_work": True,
    }
    values.update(fields)
    return services.Details(**values)


def upload(user, **fields) -> FileVersion:
    return services.upload(user=user, fileobj=png(), details=details(**fields))


@pytest.fixture
def as_user():
    def sign_in(user):
        client = CommittingClient()
        client.force_login(user)
        return client

    return sign_in


def media_path(url: str) -> str:
    return url  # MEDIA_URL is site-relative here: the test client can fetch it


# --- uploading --------------------------------------------------------------------------


def test_a_trusted_upload_is_published_at_once_with_its_page(as_user, autoconfirmed):
    client = as_user(autoconfirmed)
    assert "/wiki/guidelines/#pictures" in client.get(reverse("file_upload")).content.decode()
    response = client.post(reverse("file_upload"), form())
    assert response.status_code == 302
    file = File.objects.get()
    assert file.name == "Blush.png"  # the extension of what was stored, added for the user
    assert response["Location"] == file.get_absolute_url()
    page = client.get(file.get_absolute_url()).content.decode()
    assert "CC BY-SA 4.0" in page and "own work" in page
    assert "A cartoon face with red cheeks." in page
    assert "No article shows this file yet." in page
    assert "800 × 600 pixels" in page
    assert FileLog.objects.filter(action="upload", file=file).exists()


def test_the_picture_is_served_sandboxed_unsniffable_and_cached_for_ever(client, autoconfirmed):
    version = upload(autoconfirmed)
    url = default_storage.url(version.storage_name)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "immutable" in response["Cache-Control"] and "public" in response["Cache-Control"]
    served = b"".join(response.streaming_content)
    assert Image.open(io.BytesIO(served)).size == (800, 600)
    thumb = client.get(default_storage.url(version.thumb_name(320)))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/webp"


def test_uploaded_metadata_is_gone(autoconfirmed):
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"  # Make
    version = services.upload(
        user=autoconfirmed, fileobj=png(exif=exif.tobytes()), details=details()
    )
    stored = default_storage.open(version.storage_name).read()
    assert b"SecretCameraMaker" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()


@pytest.mark.parametrize(
    ("payload", "name"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>', "x.svg"),
        (b"<!doctype html><html><script>alert(1)</script></html>", "picture.png"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "scan.png"),
    ],
)
def test_what_is_not_a_picture_is_refused_and_the_form_keeps_what_was_typed(
    as_user, autoconfirmed, payload, name
):
    upload_file = io.BytesIO(payload)
    upload_file.name = name
    response = as_user(autoconfirmed).post(
        reverse("file_upload"), form(upload_file, name="Keep this name", alt_text="Keep this alt")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "JPEG, PNG, WebP or GIF" in page
    assert 'value="Keep this name"' in page and 'value="Keep this alt"' in page
    assert "Choose the picture again" in page
    assert not File.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"licence": ""}, "Choose a licence"),
        ({"alt_text": ""}, "This field is required"),
        ({"own_work": "", "source": ""}, "Say where the picture comes from"),
        (
            {"licence": Licence.NON_FREE, "source": "A publisher's site", "own_work": ""},
            "rationale",
        ),
        ({"name": "a/b"}, "cannot contain"),
        ({"name": "ß" * 119}, "too long once written in a standard form"),
    ],
)
def test_missing_or_bad_details_are_refused_with_a_clear_message(
    as_user, autoconfirmed, fields, message
):
    response = as_user(autoconfirmed).post(reverse("file_upload"), form(**fields))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not File.objects.exists()


def test_a_name_in_use_is_refused(as_user, autoconfirmed):
    upload(autoconfirmed, name="Blush")
    response = as_user(autoconfirmed).post(reverse("file_upload"), form(name="BLUSH.png"))
    assert response.status_code == 400
    assert "exists already" in response.content.decode()


def test_uploads_are_rate_limited_per_trust_level(as_user, newbie, settings):
    settings.KOTOBA_UPLOAD_RATE_NEW = 2
    client = as_user(newbie)
    for n in range(2):
        assert client.post(reverse("file_upload"), form(name=f"Face {n}")).status_code == 302
    refused = client.post(reverse("file_upload"), form(name="Face 3"))
    assert refused.status_code == 400
    assert "the most your account can" in refused.content.decode()
    assert File.objects.count() == 2


def test_only_signed_in_confirmed_people_upload(client, unconfirmed):
    assert client.get(reverse("file_upload")).status_code == 302  # to sign in
    client.force_login(unconfirmed)
    assert client.post(reverse("file_upload"), form()).status_code == 403
    assert not File.objects.exists()


def test_a_blocked_user_cannot_upload(as_user, newbie, moderator):
    from wiki import moderation

    moderation.block_user(user=newbie, moderator=moderator, reason="Vandalism")
    response = as_user(newbie).post(reverse("file_upload"), form())
    assert response.status_code == 400
    assert "blocked from uploading" in response.content.decode()


def test_the_editor_dialog_gets_json(as_user, autoconfirmed):
    client = as_user(autoconfirmed)
    answer = client.post(reverse("file_upload"), form(), headers={"Accept": "application/json"})
    assert answer.status_code == 201
    assert answer.json() == {
        "name": "Blush.png",
        "embed": "[[File:Blush.png]]",
        "url": "/files/Blush.png/",
        "pending": False,
    }
    refused = client.post(
        reverse("file_upload"), form(name="Blush"), headers={"Accept": "application/json"}
    )
    assert refused.status_code == 400 and "exists already" in refused.json()["error"]


# --- embedding --------------------------------------------------------------------------


def test_an_embedded_picture_is_a_figure_with_thumbnails_and_its_caption(autoconfirmed):
    version = upload(autoconfirmed)
    html = render("[[File:Blush.png|alt=Red cheeks|Blushing, drawn for Kotoba]]").html
    assert html.startswith('<figure class="wiki-figure">')  # not inside a <p>
    img = re.search(r"<img [^>]+>", html)[0]
    assert f'src="{default_storage.url(version.thumb_name(640))}"' in img
    assert "320w" in img and "640w" in img and "800w" in img
    assert 'width="800"' in img and 'height="600"' in img
    assert 'loading="lazy"' in img and 'alt="Red cheeks"' in img
    assert "<figcaption>Blushing, drawn for Kotoba</figcaption>" in html
    assert 'href="/files/Blush.png/"' in html
    # The file's own alt text by default.
    assert 'alt="A cartoon face with red cheeks."' in render("[[File:blush.PNG]]").html


def test_an_unknown_or_pending_file_is_a_red_link_to_the_upload_page(newbie):
    upload(newbie, name="Waiting")
    for name in ("Nothing.png", "Waiting.png"):
        html = render(f"See [[File:{name}]].").html
        assert "<img" not in html
        assert 'class="wikilink new"' in html and "/files/upload/?name=" in html


def test_pictures_come_only_from_this_wiki(settings):
    dirty = (
        '<figure class="wiki-figure"><img src="https://tracker.example/p.gif" alt="x">'
        '<img src="/media/files/ab/x.png" srcset="/media/a.webp 320w, //evil.example/b 640w">'
        "</figure>"
    )
    clean = sanitize.clean(dirty)
    assert "tracker.example" not in clean and "evil.example" not in clean
    assert 'src="/media/files/ab/x.png"' in clean
    assert (
        "![x](https://tracker.example/p.gif)"
        not in render("![x](https://tracker.example/p.gif)").html
    )
    assert "<img" not in render("![x](https://tracker.example/p.gif)").html


def test_an_adult_picture_shows_only_on_an_article_tagged_adult(autoconfirmed):
    upload(autoconfirmed, name="Cover", is_adult=True)
    plain = make_article("Romance", author=autoconfirmed, body="[[File:Cover.png]]")
    assert "<img" not in plain.published_revision.body_html
    assert "shown only on articles tagged adult" in plain.published_revision.body_html
    adult = make_tag("Hentai", adult=True)
    tagged = make_article("Eroge", author=autoconfirmed, body="[[File:Cover.png]]", tags=[adult.pk])
    assert "<img" in tagged.published_revision.body_html


def test_used_on_lists_the_articles_that_show_the_file(client, autoconfirmed):
    upload(autoconfirmed)
    article = make_article("Blush", author=autoconfirmed, body="[[File:Blush.png|Red cheeks]]")
    assert FileUse.objects.filter(article=article, file_key="blush.png").exists()
    page = client.get("/files/Blush.png/").content.decode()
    assert 'href="/wiki/blush/">Blush</a>' in page
    edit(article, autoconfirmed, body="No picture any more.")
    assert "No article shows this file yet." in client.get("/files/Blush.png/").content.decode()


# --- moderation -------------------------------------------------------------------------


def test_a_new_users_upload_waits_and_is_invisible_to_readers(client, as_user, newbie):
    version = upload(newbie)
    assert version.status == VersionStatus.PENDING
    picture = default_storage.url(version.storage_name)
    assert client.get("/files/Blush.png/").status_code == 404
    assert client.get(picture).status_code == 404
    assert "Blush" not in client.get(reverse("files")).content.decode()
    other = as_user(make_user("other"))
    assert other.get("/files/Blush.png/").status_code == 404
    assert other.get(picture).status_code == 404
    own = as_user(newbie)
    page = own.get("/files/Blush.png/")
    assert page.status_code == 200 and "waits for a moderator" in page.content.decode()
    mine = own.get(picture)
    assert mine.status_code == 200 and mine["Cache-Control"] == "private, no-store"


def test_a_moderator_accepts_an_upload_on_the_review_desk_and_articles_show_it(
    client, as_user, newbie, moderator, autoconfirmed
):
    version = upload(newbie)
    article = make_article("Blush", author=autoconfirmed, body="[[File:Blush.png]]")
    assert "<img" not in client.get(article.get_absolute_url()).content.decode()
    desk = as_user(moderator)
    index = desk.get(reverse("admin:index")).content.decode()
    assert "<strong>1</strong> pending upload</a>" in index
    listing = desk.get(reverse("admin:files_fileversion_changelist") + "?status__exact=pending")
    page = listing.content.decode()
    assert "Blush.png" in page and "CC BY-SA 4.0" in page and "<img" in page
    response = desk.post(
        reverse("admin:files_fileversion_changelist"),
        {"action": "accept_selected", "_selected_action": [version.pk]},
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == VersionStatus.ACCEPTED
    assert "<img" in client.get(article.get_absolute_url()).content.decode()
    assert client.get(default_storage.url(version.storage_name)).status_code == 200
    assert newbie.notices.filter(message__contains="was accepted").exists()


def test_a_rejected_upload_needs_a_reason_and_the_uploader_is_told(as_user, newbie, moderator):
    version = upload(newbie)
    desk = as_user(moderator)
    url = reverse("admin:files_fileversion_changelist")
    ask = desk.post(url, {"action": "reject_selected", "_selected_action": [version.pk]})
    assert ask.status_code == 200 and "reason" in ask.content.decode()
    desk.post(
        url,
        {
            "action": "reject_selected",
            "_selected_action": [version.pk],
            "apply": "1",
            "reason": "Not our own work: no source.",
        },
    )
    version.refresh_from_db()
    assert version.status == VersionStatus.REJECTED
    assert newbie.notices.filter(message__contains="no source").exists()
    assert as_user(newbie).get(default_storage.url(version.storage_name)).status_code == 404


def test_a_deleted_file_leaves_a_red_link_and_is_kept_for_moderators(
    client, as_user, autoconfirmed, moderator
):
    version = upload(autoconfirmed)
    article = make_article("Blush", author=autoconfirmed, body="[[File:Blush.png]]")
    assert "<img" in client.get(article.get_absolute_url()).content.decode()
    desk = as_user(moderator)
    desk.post(
        reverse("admin:files_file_changelist"),
        {
            "action": "delete_files",
            "_selected_action": [version.file.pk],
            "apply": "1",
            "reason": "Copyright claim",
        },
    )
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<img" not in page and "/files/upload/?name=Blush.png" in page
    assert client.get("/files/Blush.png/").status_code == 404
    assert client.get(default_storage.url(version.storage_name)).status_code == 404
    kept = desk.get("/files/Blush.png/")
    assert kept.status_code == 200 and "deleted this file" in kept.content.decode()
    assert FileLog.objects.filter(action="delete", reason="Copyright claim").exists()
    desk.post(
        reverse("admin:files_file_changelist"),
        {"action": "restore_files", "_selected_action": [version.file.pk]},
    )
    assert "<img" in client.get(article.get_absolute_url()).content.decode()


# --- versions ---------------------------------------------------------------------------


def test_a_new_version_keeps_the_history_and_revert_brings_an_old_one_back(
    client, as_user, autoconfirmed
):
    first = upload(autoconfirmed)
    editor = as_user(autoconfirmed)
    editor.post(
        "/files/Blush.png/upload/",
        {"picture": png(400, 400, (10, 120, 200)), "summary": "A square crop"},
    )
    file = File.objects.get()
    assert file.current.number == 2 and file.current.width == 400
    page = client.get("/files/Blush.png/").content.decode()
    assert "A square crop" in page and "revert to this" not in page  # readers cannot
    editor.post("/files/Blush.png/revert/1/")
    file.refresh_from_db()
    assert file.current.number == 3 and file.current.sha256 == first.sha256
    assert "Back to version 1" in client.get("/files/Blush.png/").content.decode()


def test_a_pending_new_version_does_not_replace_the_shown_one(as_user, autoconfirmed, newbie):
    upload(autoconfirmed)
    as_user(newbie).post("/files/Blush.png/upload/", {"picture": png(300, 300), "summary": "Mine"})
    file = File.objects.get()
    assert file.current.number == 1
    assert file.versions.get(number=2).status == VersionStatus.PENDING


# --- serving ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/media/files/ab/../../config/settings.py",
        "/media/files/ab/" + "a" * 64 + ".html",
        "/media/files/cd/" + "a" * 64 + ".png",  # the folder must be the hash's first two
        "/media/other/thing.png",
    ],
)
def test_the_media_view_serves_only_stored_pictures(client, path):
    assert client.get(path).status_code == 404


FAKE_PICTURE = {
    "page_url": "/files/x/",
    "src": "/media/files/ab/x-640.webp",
    "original": "/media/files/ab/x.png",
    "srcset": "/media/files/ab/x-320.webp 320w, /media/files/ab/x.png 800w",
    "width": 800,
    "height": 600,
    "alt": 'An alt with "quotes" & <angles>',
    "is_adult": False,
}


@given(
    st.text(max_size=60),
    st.text(max_size=60),
    st.sampled_from([FAKE_PICTURE, None, {**FAKE_PICTURE, "is_adult": True}]),
    st.booleans(),
)
@hypothesis_settings(max_examples=300, deadline=None)
def test_any_embed_renders_safe_html_with_pictures_only_from_this_wiki(name, options, found, adult):
    text = f"Before [[File:{name}|{options}]] after\n\n[[File:{name}]]"
    html = render(text, files=lambda names: dict.fromkeys(names, found), adult=adult).html
    for tag in re.findall(r"<img [^>]*>", html):
        for url in re.findall(r'(?:src|srcset)="([^"]*)"', tag):
            assert all(part.strip().startswith("/media/") for part in url.split(","))
    assert "<script" not in html
    assert not re.search(r"<[^>]*\son\w+\s*=", html)  # no event handler attributes
    if found is None or (found["is_adult"] and not adult):
        assert "<img" not in html


def test_what_is_stored_is_checked_whoever_calls_the_service(autoconfirmed):
    """Not only the form: every length the database keeps is checked before it is stored."""
    with pytest.raises(services.UploadRefused, match="alt text can be at most 300"):
        upload(autoconfirmed, alt_text="x" * 301)
    with pytest.raises(services.UploadRefused, match="source can be at most 500"):
        upload(autoconfirmed, own_work=False, source="s" * 501)
    assert not File.objects.exists()


def test_a_refused_new_version_comes_back_with_its_summary(as_user, autoconfirmed):
    upload(autoconfirmed)
    svg = io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    svg.name = "new.png"
    response = as_user(autoconfirmed).post(
        "/files/Blush.png/upload/", {"picture": svg, "summary": "Brighter colours"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="Brighter colours"' in page and "JPEG, PNG, WebP or GIF" in page
    assert File.objects.get().versions.count() == 1
