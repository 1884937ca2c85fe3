"""Finding articles: tags, search, recent changes, random, reading preferences."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render

from .. import listing, paging
from .. import search as search_service
from ..models import (
    REVISION_TEXT_COLUMNS,
    Article,
    ArticleKind,
    ModerationLog,
    Revision,
    RevisionStatus,
    Tag,
    TagCategory,
    TagSlugRedirect,
)
from ..pagecache import public_page
from ..preferences import filter_articles, hidden_count, prefs_for, save_prefs
from ..selectors import related_tags, suggest_tags, tags_with_counts
from .watchlist import watch_button


@public_page
def tags_index(request):
    groups = {value: [] for value in TagCategory.values}
    for tag in tags_with_counts():
        groups[tag.category].append(tag)
    categories = [(label, groups[value]) for value, label in TagCategory.choices if groups[value]]
    return render(request, "wiki/tags.html", {"categories": categories})


@public_page
def tag_detail(request, slug):
    tag = Tag.objects.filter(slug=slug).first()
    if tag is None:
        moved = TagSlugRedirect.objects.select_related("tag").filter(old_slug=slug).first()
        if moved is None:
            raise Http404("No such tag.")
        return HttpResponsePermanentRedirect(moved.tag.get_absolute_url())
    prefs = prefs_for(request)
    articles = Article.objects.published().filter(published_revision__tags=tag)
    kind = request.GET.get("kind")
    if kind in ArticleKind.values:
        articles = articles.filter(kind=kind)
    hidden = hidden_count(articles, prefs)
    articles = filter_articles(articles, prefs).with_badges().order_by("title_key")
    page = paging.UncountedPage(articles, request.GET.get("page"), 30)
    related = related_tags(tag, hidden_ids=prefs.hidden_tag_ids)
    return render(
        request,
        "wiki/tag.html",
        {
            "tag": tag,
            "page": page,
            "hidden": hidden,
            "tag_is_hidden": tag.pk in prefs.hidden_tag_ids,
            "watch_slot": watch_button(request, tag=tag),
            "related": related,
            "kind": kind,
            "kinds": ArticleKind.choices,
        },
    )


@public_page
def search_view(request):
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind") if request.GET.get("kind") in ArticleKind.values else None
    tag = (
        Tag.objects.filter(slug=request.GET.get("tag")).first() if request.GET.get("tag") else None
    )
    prefs = prefs_for(request)
    if query and not request.GET.get("fulltext") and not kind and tag is None:
        exact = search_service.exact_match(query)
        if exact is not None:
            return redirect(exact)
    results = search_service.search(
        query, prefs, kind=kind, tag=tag, page=request.GET.get("page") or 1
    )
    return render(
        request,
        "wiki/search.html",
        {
            "query": query,
            "results": results,
            "kind": kind,
            "tag": tag,
            "kinds": ArticleKind.choices,
            "all_tags": tags_with_counts(),  # shared, by name
        },
    )


@public_page
def search_suggest(request):
    prefs = prefs_for(request)
    articles = search_service.suggest_titles(request.GET.get("q", ""), prefs)
    return JsonResponse(
        {
            "results": [
                {"title": a.title, "url": a.get_absolute_url(), "summary": a.summary}
                for a in articles
            ]
        }
    )


@public_page
def tag_suggest(request):
    """The tag picker's suggestions: existing tags starting with `q` (JSON, for editors)."""
    tags = suggest_tags(request.GET.get("q", "")[:100])
    return JsonResponse(
        {
            "results": [
                {
                    "name": tag.name,
                    "aliases": [alias.name for alias in tag.aliases.all()],
                    "category": tag.category_name,
                    "adult": tag.is_adult,
                }
                for tag in tags
            ]
        }
    )


@public_page
def recent(request):
    revisions = (
        Revision.objects.accepted()
        .filter(article__published_revision__isnull=False, article__is_deleted=False)
        .select_related("article", "author", "reviewed_by")
        .for_lists()
        .order_by("-created_at", "-pk")
    )
    kind = request.GET.get("kind")
    if kind in ArticleKind.values:
        revisions = revisions.filter(article__kind=kind)
    tag = (
        Tag.objects.filter(slug=request.GET.get("tag")).first() if request.GET.get("tag") else None
    )
    if tag is not None:
        revisions = revisions.filter(article__published_revision__tags=tag)
    username = request.GET.get("user", "").strip()
    if username:
        revisions = revisions.filter(author__username__iexact=username)
    if request.GET.get("new"):
        revisions = revisions.filter(number=1)
    if request.GET.get("hide_minor"):
        revisions = revisions.filter(is_minor=False)
    prefs = prefs_for(request)
    revisions = filter_articles(revisions, prefs, prefix="article__")
    page = paging.UncountedPage(revisions, request.GET.get("page"), 50)
    log = ModerationLog.objects.none()
    if not request.GET.get("new") and not request.GET.get("hide_minor"):
        log = moderation_activity(
            revisions, page, prefs=prefs, kind=kind, tag=tag, username=username
        )
    return render(
        request,
        "wiki/recent.html",
        {
            "page": page,
            "items": _by_time(page.object_list, log),
            "kind": kind,
            "tag": tag,
            "username": username,
            "kinds": ArticleKind.choices,
            "all_tags": tags_with_counts(),  # shared, by name
        },
    )


RECENT_LOG_ACTIONS = [
    ModerationLog.Action.ACCEPT,
    ModerationLog.Action.REVERT,
    ModerationLog.Action.ROLLBACK,
]


def moderation_activity(revisions, page, *, prefs, kind=None, tag=None, username=""):
    """Moderation log entries (accepted, reverted, rolled back) in the time span of this page
    of revisions, so that the pages together show every entry once."""
    log = ModerationLog.objects.filter(
        action__in=RECENT_LOG_ACTIONS,
        article__published_revision__isnull=False,
        article__is_deleted=False,
    ).exclude(revision__status=RevisionStatus.PENDING)
    log = log.select_related("actor", "article", "revision", "target_user").defer(
        *(f"revision__{column}" for column in REVISION_TEXT_COLUMNS)
    )
    if kind in ArticleKind.values:
        log = log.filter(article__kind=kind)
    if tag is not None:
        log = log.filter(article__published_revision__tags=tag)
    if username:
        log = log.filter(actor__username__iexact=username)
    log = filter_articles(log, prefs, prefix="article__")
    rows = list(page.object_list)
    if page.has_previous() and not rows:  # past the last page
        return log.none()
    if page.has_next() and rows:
        log = log.filter(created_at__gte=rows[-1].created_at)
    if page.has_previous():
        newer = revisions.values_list("created_at", flat=True)[page.start_index() - 2]
        log = log.filter(created_at__lt=newer)
    return log.order_by("-created_at")[:100]


def _by_time(revisions, log) -> list[dict]:
    items = [
        {"type": "revision", "at": row.revision.created_at, "row": row}
        for row in listing.change_rows(revisions)
    ]
    items += [{"type": "log", "at": entry.created_at, "entry": entry} for entry in log]
    return sorted(items, key=lambda item: item["at"], reverse=True)


def random_article(request):
    prefs = prefs_for(request)
    article = filter_articles(Article.objects.published(), prefs).order_by("?").first()
    if article is None:
        if Article.objects.published().exists():
            messages.info(request, "Your reading preferences hide every article.")
            return redirect("reader_settings")
        messages.info(request, "There is no article to pick yet.")
        return redirect("home")
    return redirect(article)


class ReaderSettingsForm(forms.Form):
    hidden_tags = forms.ModelMultipleChoiceField(
        queryset=Tag.objects.order_by("category", "name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Hide articles with these tags",
    )
    show_adult = forms.BooleanField(required=False, label="Show adult articles without a notice")


def reader_settings(request):
    prefs = prefs_for(request)
    # "Hide" links on tag pages and warning boxes come here with ?hide=<slug>: those tags are
    # ticked, and saving hides them.
    offered = list(Tag.objects.filter(slug__in=request.GET.getlist("hide")[:20]))
    offered = [tag for tag in offered if tag.pk not in prefs.hidden_tag_ids]
    form = ReaderSettingsForm(
        request.POST or None,
        initial={
            "hidden_tags": [*prefs.hidden_tag_ids, *(tag.pk for tag in offered)],
            "show_adult": prefs.show_adult,
        },
    )
    if request.method == "POST" and form.is_valid():
        response = redirect("reader_settings")
        save_prefs(
            request,
            response,
            hidden_tags=list(form.cleaned_data["hidden_tags"]),
            show_adult=form.cleaned_data["show_adult"],
        )
        messages.success(request, "Reading preferences saved.")
        return response
    # The tag boxes grouped by category, in the tag index's order, each with its own label.
    groups = {}
    for box in form["hidden_tags"]:
        groups.setdefault(box.data["value"].instance.category, []).append(box)
    tag_groups = [(label, groups[value]) for value, label in TagCategory.choices if value in groups]
    return render(
        request,
        "wiki/reader_settings.html",
        {"form": form, "tag_groups": tag_groups, "offered": offered},
    )
