"""The one permission-aware way views fetch an article.

`with_article` loads the article named in the URL, answers 301 for a former slug or an alias
(to the same view under the current slug), 404s when the reader may not see it, and passes
the article on. Every article view goes through it, so the visibility rule lives here.
"""

from functools import wraps
from urllib.parse import unquote

from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import resolve, reverse

from .models import Alias, Article, SlugRedirect, normalize_title


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


def with_article(queryset=None):
    """Decorate a view taking (request, article, ...) with a URL of (request, slug, ...)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, slug, *args, **kwargs):
            slug = unquote(slug)
            if "\x00" in slug:  # PostgreSQL refuses NUL in a query: no article has one
                raise Http404("No such article.")
            qs = queryset if queryset is not None else Article.objects.all()
            article = qs.filter(slug=slug).order_by("is_deleted", "-pk").first()
            if article is None:
                moved = _moved_to(slug)
                if moved is None or not may_view(request.user, moved):
                    raise Http404("No such article.")
                match = resolve(request.path_info)  # URL parameters arrive as kwargs
                url = reverse(match.view_name, kwargs={**match.kwargs, "slug": moved.slug})
                if request.META.get("QUERY_STRING"):
                    url += "?" + request.META["QUERY_STRING"]
                return HttpResponsePermanentRedirect(url)
            if not may_view(request.user, article):
                raise Http404("No such article.")
            return view(request, article, *args, **kwargs)

        return wrapper

    return decorator
