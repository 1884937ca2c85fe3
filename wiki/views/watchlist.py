"""Watching articles and tags, and the watchlist page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from .. import listing, paging, watching
from ..access import with_article
from ..models import Tag
from ..preferences import filter_articles, prefs_for

# The article's text is shared by every reader (a cached fragment): the tabs in it hold this
# mark where each request puts its own Watch button.
WATCH_SLOT = mark_safe("<!-- kotoba:watch -->")


def watch_button(request, *, article=None, tag=None) -> str:
    """The Watch/Unwatch button for this user (a sign-in link for a reader)."""
    if article is not None:
        action = reverse("watch_article", args=[article.slug])
    else:
        action = reverse("watch_tag", args=[tag.slug])
    # An article loaded by `with_article(watching=True)` brings the answer with it.
    known = getattr(article, "is_watched", None)
    if known is None:
        known = watching.is_watching(request.user, article=article, tag=tag)
    context = {"watch_action": action, "watching": known}
    return render_to_string("wiki/_watch_button.html", context, request)


def _back(request, fallback):
    """Where the watch button was pressed (its `next`), or `fallback`."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


@login_required
@require_POST
@with_article()
def watch_article(request, article):
    if request.POST.get("watch") == "0":
        watching.unwatch(request.user, article=article)
        messages.success(request, f"“{article.title}” is no longer on your watchlist.")
    else:
        watching.watch(request.user, article=article)
        messages.success(request, f"“{article.title}” is on your watchlist.")
    return _back(request, article)


@login_required
@require_POST
def watch_tag(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    if request.POST.get("watch") == "0":
        watching.unwatch(request.user, tag=tag)
        messages.success(request, f"You no longer watch the tag {tag.name}.")
    else:
        watching.watch(request.user, tag=tag)
        messages.success(
            request, f"You watch the tag {tag.name}: its new articles are on your watchlist."
        )
    return _back(request, tag)


@login_required
def watchlist(request):
    changes = filter_articles(
        watching.watched_changes(request.user), prefs_for(request), prefix="article__"
    )
    page = paging.UncountedPage(changes, request.GET.get("page"), 50)
    articles, tags = watching.watched_things(request.user)
    return render(
        request,
        "wiki/watchlist.html",
        {
            "page": page,
            "changes": listing.change_rows(page.object_list),
            "articles": articles,
            "tags": tags,
        },
    )
