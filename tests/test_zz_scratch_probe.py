import pytest
from django.urls import reverse
from tests.factories import make_article
pytestmark = pytest.mark.django_db

def test_probe(client, moderator, newbie):
    article = make_article("Fresh term", author=newbie, body="Every word of the new text.")
    client.force_login(moderator)
    html = client.get(reverse("admin:wiki_revision_review", args=[article.latest_revision.pk])).content.decode()
    print(html[html.index('review-page'):html.index('Decision')])
