"""Reading, browsing, creating and editing articles."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from accounts.decorators import confirmed_email_required

from .. import diffing, permissions, sections
from ..access import with_article
from ..editing import (
    EditConflict,
    head_revision,
    pending_chain_context,
    revision_values,
    save_edit,
)
from ..errors import EditRefused
from ..forms import ArticleForm, ReportForm
from ..japanese import mark_html
from ..models import Article, ArticleKind, Revision, RevisionStatus, Tag
from ..moderation import file_report
from ..outline import outline, table_of_contents
from ..pagecache import fragment, public_page
from ..preferences import filter_articles, gate_for, hidden_count, prefs_for, reader_key
from ..selectors import find_article_by_name, related_terms
from ..seo import json_ld
from .history import build_diff
from .watchlist import WATCH_SLOT, watch_button

WITH_TEXT = "published_revision__author"  # an article with its published revision and author


@public_page
def browse(request):
    articles = filter_articles(Article.objects.published(), prefs_for(request)).with_badges()
    kind = request.GET.get("kind")
    if kind in ArticleKind.values:
        articles = articles.filter(kind=kind)
    sort = request.GET.get("sort", "title")
    articles = (
        articles.order_by("-updated_at") if sort == "changed" else articles.order_by("title_key")
    )
    page = Paginator(articles, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "wiki/browse.html",
        {"page": page, "kind": kind, "sort": sort, "kinds": ArticleKind.choices},
    )


def _newer_revision(request, article) -> Revision | None:
    """The revision after the published one, for its author and moderators (a banner, or
    the whole page while nothing is published yet); None for everyone else, unasked."""
    user = request.user
    if article.latest_revision_id in (None, article.published_revision_id):
        return None
    if not user.is_authenticated:
        return None
    latest = Revision.objects.select_related("author").get(pk=article.latest_revision_id)
    return latest if latest.author_id == user.pk or user.is_moderator else None


@public_page
@with_article(WITH_TEXT, watching=True)
def article_detail(request, article):
    revision = article.published_revision
    latest = _newer_revision(request, article)
    waiting = revision is None  # only the author or a moderator gets here
    if waiting:
        revision = latest
    if revision is None:  # every revision was rejected: show the newest, with the reason
        rejected = article.revisions.select_related("author").first()
        return render(
            request,
            "wiki/revision.html",
            {
                "article": article,
                "revision": rejected,
                "tags": [],
                "contrasts": [],
                "tab": "read",  # shown at the article's own address
            },
        )
    pending = latest if latest and not waiting and latest.status == RevisionStatus.PENDING else None
    context = {"article": article, "revision": revision, "pending_revision": pending}
    if waiting:
        context["waiting_for_review"] = True
        parts = _article_parts(request, article, revision, waiting=True)
    else:
        key = f"article:{article.pk}:{request.get_host()}:{reader_key(request)}"
        parts = fragment(key, lambda: _article_parts(request, article, revision))
    # Both are templates' output (escaped there): the button goes into the shared text's slot.
    main = parts["main"].replace(WATCH_SLOT, watch_button(request, article=article))
    context["parts"] = {**parts, "main": mark_safe(main)}  # noqa: S308
    return render(request, "wiki/article.html", context)


def _article_parts(request, article, revision, *, waiting=False) -> dict:
    """The article's metadata and text as this reader's preferences show them: the same for
    every reader with the same preferences (`reader_key`), so it is cached as a fragment."""
    tags = list(revision.tags.all())
    prefs = prefs_for(request)
    gate = gate_for(request, tags)
    body_html, headings = outline(
        revision.body_html, edit_url=reverse("article_edit", args=[article.slug])
    )
    context = {
        "body_html": mark_html(body_html),
        "toc": table_of_contents(headings),
        "article": article,
        "revision": revision,
        "tags": tags,
        "warnings": [tag for tag in tags if tag.is_warning],
        "contrasts": (
            list(revision.contrasts_with.published().select_related("published_revision"))
            if article.kind == ArticleKind.GENRE
            else []
        ),
        "related": related_terms(article, tags, prefs) if article.kind == ArticleKind.TERM else [],
        # The body may have its own "Related terms" section: the list then says what it is.
        "related_heading": (
            "More terms with these tags"
            if any(s.title.casefold() == "related terms" for s in headings)
            else "Related terms"
        ),
        "gate": gate,
        "watch_slot": WATCH_SLOT,  # each request puts its own button there
    }
    context["cite"] = None if waiting else citation(request, article, revision)
    parts = {"main": render_to_string("wiki/article.html#main", context, request)}
    if not waiting:
        url = request.build_absolute_uri(article.get_absolute_url())
        site = request.build_absolute_uri("/").rstrip("/")
        context["canonical_url"] = url
        context["json_ld"] = json_ld(article, revision, tags, url, site, with_text=gate is None)
        parts["head"] = render_to_string("wiki/article.html#head", context, request)
    return parts


def citation(request, article, revision) -> dict:
    """What "Cite this page" needs: the permanent link to this revision, the dates, and the
    BibTeX entry (plain text; the template escapes it)."""
    permalink = request.build_absolute_uri(
        reverse("revision", args=[article.slug, revision.number])
    )
    retrieved = timezone.now()
    key = "kotoba:" + (article.slug if article.slug.isascii() else str(article.pk))
    title = revision.title.replace("{", "(").replace("}", ")")
    bibtex = "\n".join(
        [
            f"@misc{{{key},",
            "  author = {{Kotoba contributors}},",
            f"  title = {{{{{title}}}}},",
            f"  year = {{{revision.created_at:%Y}}},",
            f"  howpublished = {{\\url{{{permalink}}}}},",
            f"  note = {{Revision {revision.number}, accessed {retrieved:%Y-%m-%d}}}",
            "}",
        ]
    )
    return {
        "permalink": permalink,
        "changed": revision.created_at,
        "retrieved": retrieved,
        "bibtex": bibtex,
    }


def _form_context(form, article=None, **extra):
    return {"form": form, "article": article, "kind": form.article_kind, **extra}


@confirmed_email_required
@require_http_methods(["GET", "POST"])
def article_create(request):
    refusal = permissions.edit_refusal(request.user)
    kind = request.GET.get("kind")
    title = request.GET.get("title", "").replace("\x00", "")[:200]
    if request.method == "GET" and title:
        existing = find_article_by_name(title)
        if existing is not None and existing.is_published:
            messages.info(request, f"“{existing.title}” exists already.")
            return redirect(existing)
    initial = {"kind": kind if kind in ArticleKind.values else ArticleKind.TERM, "title": title}
    data = None
    if request.method == "POST":
        data = request.POST.copy()
        data.setdefault("kind", initial["kind"])  # /wiki/new/?kind=genre names the kind
    form = ArticleForm(data, initial=initial, user=request.user)
    status = 400 if request.method == "POST" else 200
    kind_switched = request.method == "POST" and form.is_valid() and form.kind_switched
    if kind_switched:
        status = 200
    elif request.method == "POST" and refusal is None and form.is_valid():
        try:
            outcome = save_edit(
                author=request.user,
                kind=form.cleaned_data["kind"],
                values=form.revision_values(),
                edit_summary=form.cleaned_data["edit_summary"] or "New article",
                is_minor=False,
                new_tag_names=getattr(form, "new_tag_names", ()),
            )
        except EditRefused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            status = 429 if exc.code == "rate_limited" else 400
        else:
            _say_saved(request, outcome, created=True)
            return redirect(outcome.revision.article)
    return render(
        request,
        "wiki/edit.html",
        _form_context(
            form,
            refusal=refusal,
            creating=True,
            kind_switched=kind_switched,
            publishes_now=permissions.publishes_at_once(request.user),
        ),
        status=403 if refusal else status,
    )


@confirmed_email_required
@require_http_methods(["GET", "POST"])
@with_article(WITH_TEXT)
def article_edit(request, article):
    refusal = permissions.edit_refusal(request.user, article)
    # A new article whose only revisions were rejected: its author starts from the newest.
    head = head_revision(article) or article.revisions.order_by("-number").first()
    context = {"refusal": refusal, "head": head, **pending_chain_context(request.user, article)}
    if request.method == "GET":
        initial = _edit_initial(head)
        anchor = request.GET.get("section")
        section = sections.find(head.body, anchor) if anchor else None
        if section is not None:
            initial["body"] = sections.text_of(head.body, section)
            initial["edit_summary"] = section_summary(section, "")
            context["section"] = section
        elif anchor:
            messages.info(
                request, "That section is not in the article any more: here is all of it."
            )
        form = ArticleForm(initial=initial, article=article, user=request.user)
        return render(
            request,
            "wiki/edit.html",
            _form_context(form, article, **context),
            status=403 if refusal else 200,
        )
    data, section = request.POST.copy(), None
    if request.POST.get("section"):
        data, section = _whole_text_data(article, request.POST)
        if section is None:  # a hand-made request: the form names a section of its base
            form = ArticleForm(data, article=article, user=request.user)
            form.add_error(None, "That section is not in the revision you started from.")
            return render(
                request, "wiki/edit.html", _form_context(form, article, **context), status=400
            )
        context["section"] = section
    form = ArticleForm(data, article=article, user=request.user)
    if section is not None and not form.is_valid():
        form.data = request.POST  # errors are shown with the section as it was typed
        shown = ("body", "edit_summary", "is_minor", "base_revision")
        context["other_errors"] = [
            (form.fields[name].label or name.capitalize() if name in form.fields else "", error)
            for name, errors in form.errors.items()
            if name not in shown and name != "__all__"
            for error in errors
        ]
    if refusal is None and form.is_valid():
        try:
            outcome = save_edit(
                author=request.user,
                article=article,
                values=form.revision_values(),
                base_number=form.cleaned_data["base_revision"] or head.number,
                edit_summary=form.cleaned_data["edit_summary"],
                is_minor=form.cleaned_data["is_minor"],
                new_tag_names=getattr(form, "new_tag_names", ()),
            )
        except EditConflict as conflict:
            context.pop("section", None)  # the merged draft is the whole text
            return _conflict(request, data, form, article, conflict, context)
        except EditRefused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            if section is not None:
                form.data = request.POST  # shown with the section as it was typed
            status = 429 if exc.code == "rate_limited" else 400
            return render(
                request, "wiki/edit.html", _form_context(form, article, **context), status=status
            )
        _say_saved(request, outcome)
        anchor = f"#{section.anchor}" if section is not None else ""
        return redirect(outcome.revision.article.get_absolute_url() + anchor)
    return render(
        request,
        "wiki/edit.html",
        _form_context(form, article, **context),
        status=403 if refusal else 400,
    )


def _edit_initial(revision) -> dict:
    """The edit form's fields as `revision` has them."""
    return {
        **revision_values(revision),
        "contrasts_with": "\n".join(a.title for a in revision.contrasts_with.all()),
        "tags": ", ".join(t.name for t in revision.tags.all()),
        "base_revision": revision.number,
    }


def _whole_text_data(article, posted):
    """A section edit's form data as a whole-article edit (and the section), or the data
    without its section name (and None) when the base has no such section. Only the section's
    text and the summary were on the page: every other field is the base revision's, and the
    section goes back into the base's whole text."""
    data = posted.copy()
    base = _posted_base(article, posted)
    section = sections.find(base.body, posted["section"]) if base else None
    if section is None:
        data.pop("section")
        return data, None
    kept = ("edit_summary", "is_minor", "base_revision")
    for name, value in _edit_initial(base).items():
        if name not in kept:
            data[name] = value
    data["body"] = sections.replace(base.body, section, posted.get("body", ""))
    data["edit_summary"] = section_summary(section, posted.get("edit_summary", ""))
    return data, section


def _posted_base(article, posted) -> Revision | None:
    try:
        number = int(posted.get("base_revision", ""))
    except ValueError:
        return None
    return (
        article.revisions.filter(number=number).prefetch_related("contrasts_with", "tags").first()
    )


def section_summary(section, summary: str) -> str:
    """The edit summary of a section edit: it starts with the section's name ("§ Etymology:
    fix a date"), as history then shows it."""
    prefix = f"§ {section.title[:80]}"
    summary = summary.strip()
    if not summary.startswith(prefix):
        summary = f"{prefix}: {summary}" if summary else prefix
    return summary  # the form checks its length, and shows the summary as it was typed


def _conflict(request, posted, form, article, conflict, context):
    """The form comes back based on the other person's revision: their changes that do not
    clash are already in it, every clashing part holds the user's version, and their change is
    shown as a diff with the clashes marked. Saving it as it is loses nobody's work. (`posted`:
    the form's data, a section edit already put back into the whole text.)"""
    data = posted.copy()
    data.pop("section", None)
    base_number = form.cleaned_data["base_revision"]
    data["base_revision"] = str(conflict.theirs.number)
    if conflict.body_merge.draft is not None:
        data["body"] = conflict.body_merge.draft
    for name, value in conflict.theirs_only.items():
        if name == "tags":
            value = ", ".join(t.name for t in Tag.objects.filter(pk__in=value).order_by("name"))
        elif name == "contrasts_with":
            value = "\n".join(a.title for a in Article.objects.filter(pk__in=value))
        if name in form.fields:
            data[name] = value
    form = ArticleForm(data, article=article, user=request.user)
    form.is_valid()
    base = article.revisions.filter(number=base_number).first()
    context.update(
        conflict=conflict,
        conflict_html=diffing.conflict_html(conflict.body_merge, posted.get("body", "")),
        their_change=build_diff(base, conflict.theirs),
        base_number=base_number,
    )
    return render(request, "wiki/edit.html", _form_context(form, article, **context), status=409)


def _say_saved(request, outcome, created=False):
    what = "Article created" if created else "Saved"
    if outcome.merged_with is not None:
        messages.success(
            request,
            f"Saved. Someone else changed this article while you edited (revision "
            f"{outcome.merged_with.number}); your changes did not overlap and were merged "
            "with theirs.",
        )
    if outcome.published:
        if outcome.merged_with is None:
            messages.success(request, f"{what}: revision {outcome.revision.number}.")
    elif not created:  # a new article's page says it waits for review in its own banner
        messages.info(
            request,
            f"{what}, waiting for review: a moderator will check revision "
            f"{outcome.revision.number} before readers see it.",
        )


@public_page
@with_article()
def what_links_here(request, article):
    prefs = prefs_for(request)
    sources = Article.objects.published().filter(outgoing_links__target=article).distinct()
    hidden = hidden_count(sources, prefs)
    sources = filter_articles(sources, prefs).with_badges().order_by("title_key")
    page = Paginator(sources, 100).get_page(request.GET.get("page"))
    return render(request, "wiki/links.html", {"article": article, "page": page, "hidden": hidden})


@require_http_methods(["GET", "POST"])
@with_article()
def report(request, article):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    refusal = permissions.report_refusal(request.user)
    form = ReportForm(request.POST or None, initial={"revision": request.GET.get("revision")})
    if request.method == "POST" and refusal is None and form.is_valid():
        number = form.cleaned_data.get("revision")
        revision = article.revisions.filter(number=number).first() if number else None
        try:
            file_report(
                reporter=request.user,
                article=article,
                revision=revision,
                reason=form.cleaned_data["reason"],
                text=form.cleaned_data["text"],
            )
        except EditRefused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Thank you: a moderator will look at your report.")
            return redirect(article)
    status = 403 if refusal else (400 if request.method == "POST" else 200)
    return render(
        request,
        "wiki/report.html",
        {"article": article, "form": form, "refusal": refusal},
        status=status,
    )
