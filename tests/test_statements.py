"""wiki.statements: a queryset compiled once per shape, run with each call's own values."""

import pytest
from django.db.models import Q

from tests.factories import make_article
from wiki import statements
from wiki.models import Article

pytestmark = pytest.mark.django_db


def _titles_query(kind: str, with_second: bool):
    """Stand-in 0 in a plain filter, 1 and 2 in an IN list, and a constant of the shape."""
    wanted = Q(pk=statements.stand_in(0))
    if with_second:
        wanted |= Q(pk__in=[statements.stand_in(1), statements.stand_in(2)])
    return Article.objects.filter(wanted, kind=kind, is_deleted=False).order_by("title_key")


def test_each_run_gets_its_own_values_from_one_compiled_statement(moderator):
    moe, kawaii, yandere = (make_article(t, author=moderator) for t in ("Moe", "Kawaii", "Yandere"))
    make_article("Harem", author=moderator, kind="genre")
    statements.compiled.cache_clear()

    def titles(*values, kind="term", with_second=True):
        found = statements.raw(Article, _titles_query, (kind, with_second), values)
        return [article.title for article in found]

    assert titles(moe.pk, kawaii.pk, yandere.pk) == ["Kawaii", "Moe", "Yandere"]
    assert titles(yandere.pk, moe.pk, moe.pk) == ["Moe", "Yandere"]
    assert titles(yandere.pk, 0, 0) == ["Yandere"]
    assert statements.compiled.cache_info().misses == 1

    assert titles(kawaii.pk, with_second=False) == ["Kawaii"]
    assert titles(kawaii.pk, moe.pk, moe.pk, kind="genre") == []  # the shape's constant holds
    assert statements.compiled.cache_info().misses == 3


def test_stand_ins_are_ids_no_row_has():
    assert {statements.stand_in(n) for n in range(100)} == set(range(-100, 0))
