"""`manage.py load_demo`: the demo wiki `make run` serves, and what the command says it made."""

import io

import pytest
from django.core.management import call_command

from files.models import File
from talk.models import Post, Thread
from wiki.demo.images import DEMO_IMAGES
from wiki.models import Article, Revision, RevisionStatus, Tag, Watch

pytestmark = pytest.mark.django_db


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def test_load_demo_says_what_the_wiki_now_holds_and_a_second_run_adds_nothing(settings):
    settings.DEBUG = True  # demo accounts exist only in development

    first = load_demo().splitlines()[0]
    articles, revisions = Article.objects.count(), Revision.objects.count()
    second = load_demo().splitlines()[0]

    published = Article.objects.published().count()
    waiting = Revision.objects.filter(status=RevisionStatus.PENDING)
    assert published > 10
    assert first == (
        f"Demo content: {published} published articles, {Tag.objects.count()} tags, "
        f"{File.objects.visible().count()} pictures; "
        f"{waiting.exclude(number=1).count()} edit, {waiting.filter(number=1).count()} "
        "new article and 1 talk post waiting for review."
    )
    assert second.startswith(f"Demo content is loaded already: {published} published articles")
    assert (Article.objects.count(), Revision.objects.count()) == (articles, revisions)
    assert File.objects.count() == 3


def test_the_demo_pictures_are_own_work_with_alt_text_shown_in_their_articles(client, settings):
    settings.DEBUG = True
    load_demo()
    for image in DEMO_IMAGES:
        file = File.objects.get(name=image.name)
        assert file.is_visible and file.own_work and file.licence == "cc-by-sa-4.0"
        assert len(file.alt_text) > 40  # a sentence, not a label
        article = Article.objects.get(title=image.article)
        page = client.get(article.get_absolute_url()).content.decode()
        assert f'alt="{file.alt_text}"' in page.replace("&quot;", '"').replace("&#x27;", "'")
        assert f"<figcaption>{image.caption}</figcaption>" in page.replace("&#x27;", "'")
        used = client.get(file.get_absolute_url()).content.decode()
        assert f">{article.title}</a></li>" in used
    # The drawings are the same bytes every time (no clock, no randomness).
    assert all(image.draw() == image.draw() for image in DEMO_IMAGES)


def test_the_demo_has_talk_threads_watchlists_and_protected_guidelines(settings):
    settings.DEBUG = True
    load_demo()

    threads = Thread.objects.filter(is_visible=True).select_related("article")
    assert {t.article.title for t in threads} == {"NTR", "Moe"}
    assert (
        Post.objects.filter(status=RevisionStatus.PENDING, author__username="newbie").count() == 1
    )
    assert Watch.objects.filter(user__username="editor", tag__name="Character archetypes").exists()
    guidelines = Article.objects.get(slug="guidelines")
    assert guidelines.kind == "guide" and guidelines.protection == "moderators"
