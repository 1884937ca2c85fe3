"""`manage.py load_demo`: the demo wiki `make run` serves, and what the command says it made."""

import io

import pytest
from django.core.management import call_command

from wiki.models import Article, Revision, RevisionStatus, Tag

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
        f"Demo content: {published} published articles, {Tag.objects.count()} tags; "
        f"{waiting.exclude(number=1).count()} edit and {waiting.filter(number=1).count()} "
        "new article waiting for review."
    )
    assert second.startswith(f"Demo content is loaded already: {published} published articles")
    assert (Article.objects.count(), Revision.objects.count()) == (articles, revisions)
