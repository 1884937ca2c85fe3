"""Atom feeds (django.contrib.syndication). Feeds show accepted text only; they are not
filtered by reader preferences."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from .models import Article, Revision, Tag


def _accepted_revisions():
    return (
        Revision.objects.accepted()
        .filter(article__published_revision__isnull=False, article__is_deleted=False)
        .select_related("article", "author")
        .for_lists()
        .order_by("-created_at", "-pk")
    )


class RevisionFeed(Feed):
    feed_type = Atom1Feed

    def item_title(self, item):
        return f"{item.title} (revision {item.number})"

    def item_description(self, item):
        return item.edit_summary or item.summary

    def item_link(self, item):
        return reverse("revision", args=[item.article.slug, item.number])

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.created_at

    def item_author_name(self, item):
        return item.author.username if item.author else None


class RecentChangesFeed(RevisionFeed):
    title = "Kotoba: recent changes"
    subtitle = "Accepted changes across the wiki."

    def link(self):
        return reverse("recent")

    def items(self):
        return _accepted_revisions()[:50]


class NewArticlesFeed(Feed):
    feed_type = Atom1Feed
    title = "Kotoba: new articles"
    subtitle = "Articles as they are published."

    def link(self):
        return reverse("browse")

    def items(self):
        return Article.objects.published().order_by("-created_at")[:50]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_pubdate(self, item):
        return item.created_at


class ArticleHistoryFeed(RevisionFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Article.objects.published(), slug=slug)

    def title(self, obj):
        return f"Kotoba: history of {obj.title}"

    def link(self, obj):
        return reverse("history", args=[obj.slug])

    def items(self, obj):
        return _accepted_revisions().filter(article=obj)[:50]


class TagFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, slug):
        """The tag, also under a slug it had before a rename or merge (feed readers keep
        the old address)."""
        tag = Tag.objects.filter(slug=slug).first()
        tag = tag or Tag.objects.filter(old_slugs__old_slug=slug).first()
        if tag is None:
            raise Http404("No such tag.")
        return tag

    def title(self, obj):
        return f"Kotoba: articles tagged {obj.name}"

    def link(self, obj):
        return obj.get_absolute_url()

    def items(self, obj):
        return (
            Article.objects.published()
            .filter(published_revision__tags=obj)
            .order_by("-updated_at")[:50]
        )

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.updated_at
