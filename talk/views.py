"""Talk pages: the list of an article's threads (and a new thread), one thread (and a reply)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from wiki.access import with_article
from wiki.errors import EditRefused
from wiki.views.watchlist import watch_button

from . import selectors, services
from .forms import PostForm, PostReportForm, ThreadForm
from .models import Post

THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 50


def _page_context(request, article, **extra) -> dict:
    user = request.user
    return {
        "article": article,
        "refusal": services.post_refusal(user, extra.get("thread")),
        "watch_slot": watch_button(request, article=article),
        "tab": "talk",
        **extra,
    }


def _submit(request, form, write):
    """For a POST: (the redirect to the new post, 302) once `write(cleaned_data)` made it;
    (None, 400 or 429) when the form comes back with what was typed and why; (a sign-in
    redirect) for a reader. For a GET: (None, 200)."""
    if request.method != "POST":
        return None, 200
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path()), 302
    if not form.is_valid():
        return None, 400
    try:
        post = write(form.cleaned_data)
    except EditRefused as exc:
        form.add_error("body" if exc.field == "body" else None, exc.message)
        return None, 429 if exc.code == "rate_limited" else 400
    if post.is_pending:
        messages.info(
            request,
            "Thank you: your post waits for a moderator's review before others can see it.",
        )
    else:
        messages.success(request, "Posted.")
    return redirect(post.get_absolute_url()), 302


@require_http_methods(["GET", "POST"])
@with_article()
def talk(request, article):
    form = ThreadForm(request.POST or None)
    done, status = _submit(
        request,
        form,
        lambda data: services.start_thread(author=request.user, article=article, **data),
    )
    if done is not None:
        return done
    threads = selectors.threads_for(article, request.user)
    page = Paginator(threads, THREADS_PER_PAGE).get_page(request.GET.get("page"))
    context = _page_context(request, article, page=page, form=form)
    return render(request, "talk/index.html", context, status=status)


@require_http_methods(["GET", "POST"])
@with_article()
def thread(request, article, pk):
    found = selectors.thread_for(article, pk, request.user)
    if found is None:
        raise Http404("No such thread.")
    initial = {}
    quoted = request.GET.get("quote")
    if quoted and quoted.isdigit():
        post = selectors.posts_for(found, request.user).filter(pk=quoted, is_hidden=False).first()
        if post is not None:
            by = post.author.username if post.author else "someone"
            lines = "\n".join(f"> {line}" for line in post.body.strip().splitlines())
            initial["body"] = f"{lines}\n> — @{by}\n\n"
    form = PostForm(request.POST or None, initial=initial)
    done, status = _submit(
        request,
        form,
        lambda data: services.reply(author=request.user, thread=found, body=data["body"]),
    )
    if done is not None:
        return done
    posts = selectors.posts_for(found, request.user)
    page = Paginator(posts, POSTS_PER_PAGE).get_page(request.GET.get("page"))
    context = _page_context(request, article, thread=found, page=page, form=form)
    context["report_form"] = PostReportForm()
    return render(request, "talk/thread.html", context, status=status)


@login_required
@require_http_methods(["POST"])
@with_article()
def report_post(request, article, pk):
    post = get_object_or_404(Post, pk=pk, thread__article=article)
    if selectors.posts_for(post.thread, request.user).filter(pk=post.pk).first() is None:
        raise Http404("No such post.")
    form = PostReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say what is wrong with the post (at most 1,000 characters).")
    else:
        try:
            services.report(reporter=request.user, post=post, text=form.cleaned_data["text"])
        except EditRefused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Thank you: a moderator will look at the post.")
    return redirect(post.get_absolute_url())
