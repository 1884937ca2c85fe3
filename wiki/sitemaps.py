"""The sitemap: an index (/sitemap.xml) of sections of at most PAGE_SIZE addresses each, so
no request lists the whole wiki."""

from django.contrib.sitemaps import Sitemap

from .models import Article, Tag

PAGE_SIZE = 1000


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    limit = PAGE_SIZE

    def items(self):
        return Article.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, obj):
        return obj.updated_at


class TagSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.4
    limit = PAGE_SIZE

    def items(self):
        return Tag.objects.only("slug").order_by("pk")


SITEMAPS = {"articles": ArticleSitemap, "tags": TagSitemap}
