from django.contrib.sitemaps import views as sitemaps
from django.urls import path

from . import feeds
from .pagecache import public_page
from .sitemaps import SITEMAPS
from .views import api, articles, discovery, history, home, watchlist

urlpatterns = [
    path("", home.home, name="home"),
    path("robots.txt", home.robots_txt, name="robots_txt"),
    path("sitemap.xml", public_page(sitemaps.index), {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "sitemap-<str:section>.xml",
        public_page(sitemaps.sitemap),
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("search/", discovery.search_view, name="search"),
    path("search/suggest/", discovery.search_suggest, name="search_suggest"),
    path("search/suggest/tags/", discovery.tag_suggest, name="tag_suggest"),
    path("tags/", discovery.tags_index, name="tags"),
    path("tags/<str:slug>/", discovery.tag_detail, name="tag"),
    path("tags/<str:slug>/watch/", watchlist.watch_tag, name="watch_tag"),
    path("tags/<str:slug>/feed/", public_page(feeds.TagFeed()), name="tag_feed"),
    path("recent/", discovery.recent, name="recent"),
    path("recent/feed/", public_page(feeds.RecentChangesFeed()), name="recent_feed"),
    path(
        "recent/feed/new-articles/", public_page(feeds.NewArticlesFeed()), name="new_articles_feed"
    ),
    path("random/", discovery.random_article, name="random_article"),
    path("settings/reading/", discovery.reader_settings, name="reader_settings"),
    path("markdownx/markdownify/", api.preview, name="markdown_preview"),
    path("wiki/", articles.browse, name="browse"),
    path("wiki/new/", articles.article_create, name="article_create"),
    path("wiki/<str:slug>/", articles.article_detail, name="article"),
    path("wiki/<str:slug>/edit/", articles.article_edit, name="article_edit"),
    path("wiki/<str:slug>/history/", history.history, name="history"),
    path(
        "wiki/<str:slug>/history/feed/",
        public_page(feeds.ArticleHistoryFeed()),
        name="article_history_feed",
    ),
    path("wiki/<str:slug>/compare/", history.compare, name="compare"),
    path("wiki/<str:slug>/revisions/<int:number>/", history.revision_detail, name="revision"),
    path("wiki/<str:slug>/diff/<int:a>/<int:b>/", history.diff, name="diff"),
    path("wiki/<str:slug>/revert/<int:number>/", history.revert_view, name="revert"),
    path("wiki/<str:slug>/rollback/<str:username>/", history.rollback_view, name="rollback"),
    path("wiki/<str:slug>/links/", articles.what_links_here, name="what_links_here"),
    path("wiki/<str:slug>/report/", articles.report, name="report"),
    path("wiki/<str:slug>/watch/", watchlist.watch_article, name="watch_article"),
    path("watchlist/", watchlist.watchlist, name="watchlist"),
]
