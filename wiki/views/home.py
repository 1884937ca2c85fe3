"""The home page and robots.txt."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from ..models import Article
from ..pagecache import public_page
from ..preferences import filter_articles, prefs_for
from ..selectors import tags_with_counts


@public_page
def home(request):
    prefs = prefs_for(request)
    published = filter_articles(Article.objects.published(), prefs).with_badges()
    newest = list(published.order_by("-created_at")[:8])
    context = {
        "featured": published.filter(is_featured=True).order_by("-updated_at").first(),
        "newest": newest,
        # Changed lately, leaving out what "Newest articles" lists already (at most 8 of
        # the 16 read).
        "updated": [
            article for article in published.order_by("-updated_at")[:16] if article not in newest
        ][:8],
        # Nothing to list: a new wiki, or a reader whose preferences hide every article?
        "all_hidden": not newest and Article.objects.published().exists(),
        "top_tags": sorted(
            (
                tag
                for tag in tags_with_counts()
                if tag.article_count and tag.pk not in prefs.hidden_tag_ids
            ),
            key=lambda tag: -tag.article_count,
        )[:12],
    }
    return render(request, "home.html", context)


@public_page
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /search/",
        "Disallow: /wiki/new/",
        "Disallow: /*/edit/",
        "Disallow: /*/diff/",
        "Disallow: /*/revert/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
