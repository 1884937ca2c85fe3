from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from wiki.models import Article

from .selectors import visible_posts


class TalkFeed(Feed):
    """An article's talk page as an Atom feed: the posts everyone can see, newest first."""

    feed_type = Atom1Feed

    def get_object(self, request, slug):
        return get_object_or_404(Article.objects.published(), slug=slug)

    def title(self, obj):
        return f"Kotoba: talk about {obj.title}"

    def link(self, obj):
        return reverse("talk", args=[obj.slug])

    def items(self, obj):
        return visible_posts(obj)[:50]

    def item_title(self, item):
        by = item.author.username if item.author else "someone"
        return f"{item.thread.subject} — {by}"

    def item_description(self, item):
        return item.body_html

    def item_link(self, item):
        return reverse("talk_thread", args=[item.thread.article.slug, item.thread_id]) + (
            f"#{item.anchor}"
        )

    def item_pubdate(self, item):
        return item.created_at

    def item_author_name(self, item):
        return item.author.username if item.author else None
