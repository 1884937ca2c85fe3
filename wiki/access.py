"""The one permission-aware way views fetch an article.

`with_article` loads the article named in the URL, answers 301 for a former slug or an alias
(to the same view under the current slug), and passes the article on; when there is none the
reader may see, a 404 page that offers to search for the title or to write the article
(rendered here, so it is the same page with DEBUG on). Every article view goes through it, so
the visibility rule lives here.
"""

from functools import wraps
from urllib.parse import unquote, urlencode

from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import resolve, reverse

from .models import Alias, Article, SlugRedirect, normalize_title
from .selectors import article_at
from .statements import plans_reused


def _moved_to(slug: str) -> Article | None:
    redirect = SlugRedirect.objects.select_related("article").filter(old_slug=slug).first()
    if redirect:
        return redirect.article
    keys = {normalize_title(slug), normalize_title(slug.replace("-", " "))}
    alias = Alias.objects.select_related("article").filter(key__in=keys).first()
    if alias:
        return alias.article
    return Article.objects.published().filter(title_key__in=keys).first()


def may_view(user, article: Article) -> bool:
    if article.is_deleted:
        return False
    if article.is_published:
        return True
    if not user.is_authenticated:
        return False
    return user.is_moderator or article.created_by_id == user.pk


def missing_article(request, slug: str):
    """The 404 for an article that does not exist (or that this reader may not see: the same
    page, so it tells nothing): search for the title, or write it."""
    title = " ".join(slug.replace("-", " ").replace("_", " ").split())[:200]
    create = reverse("article_create") + "?" + urlencode({"title": title})
    return render(request, "wiki/missing.html", {"title": title, "create": create}, status=404)


def with_article(*related: str, watching: bool = False):
    """Decorate a view taking (request, article, ...) with a URL of (request, slug, ...).
    `related`: objects to load with the article (`select_related` paths); `watching`: ask in
    the same query whether a signed-in reader watches it (`article.is_watched`)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, slug, *args, **kwargs):
            slug = unquote(slug)
            if "\x00" in slug:  # PostgreSQL refuses NUL in a query: no article has one
                raise Http404("No such article.")
            with plans_reused():  # look-ups by unique key: one plan suits every value
                signed_in = request.user.is_authenticated  # the session and the account
                watcher = request.user if watching and signed_in else None
                article = article_at(slug, related=related, watcher=watcher)
            if article is None:
                moved = _moved_to(slug)
                if moved is None or not may_view(request.user, moved):
                    return missing_article(request, slug)
                match = resolve(request.path_info)  # URL parameters arrive as kwargs
                url = reverse(match.view_name, kwargs={**match.kwargs, "slug": moved.slug})
                if request.META.get("QUERY_STRING"):
                    url += "?" + request.META["QUERY_STRING"]
                return HttpResponsePermanentRedirect(url)
            if not may_view(request.user, article):
                return missing_article(request, slug)
            return view(request, article, *args, **kwargs)

        return wrapper

    return decorator
