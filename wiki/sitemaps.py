from django.contrib.sitemaps import Sitemap

from .models import Article, Tag


class ArticleSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Article.objects.published().order_by("pk")

    def lastmod(self, obj):
        return obj.updated_at


class TagSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.4

    def items(self):
        return Tag.objects.order_by("pk")


SITEMAPS = {"articles": ArticleSitemap, "tags": TagSitemap}
