import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from wiki.models import Revision

from . import confirmation
from .forms import (
    EmailChangeForm,
    MailSettingsForm,
    PasswordResetForm,
    SignupForm,
    WatchingForm,
)
from .models import NoticeKind
from .notices import mark_all_read, read_unsubscribe_token, stop_mail
from .ratelimit import client_ip, hit

User = get_user_model()


def signup(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        if not hit("signup", client_ip(request), limit=settings.KOTOBA_SIGNUP_RATE, window=3600):
            form.add_error(
                None, "Too many sign-ups from your network in the last hour. Try again later."
            )
            return render(request, "accounts/signup.html", {"form": form}, status=429)
        if form.is_valid():
            try:
                # The account and its confirmation mail, or neither: the mail is enqueued when
                # the account is committed, so a mail outage cannot undo or half-do it.
                with transaction.atomic():
                    user = form.save()
                    confirmation.send_confirmation(request, user)
            except IntegrityError:  # the name or address was taken a moment ago
                form.add_error(None, "That username or email address was just taken. Try again.")
                return render(request, "accounts/signup.html", {"form": form})
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            # The banner above every page says where the confirmation link went until it is
            # followed; the welcome does not say it a second time.
            messages.success(request, f"Welcome, {user.username}! Your account is ready.")
            return redirect("home")
    return render(request, "accounts/signup.html", {"form": form})


def confirm_email(request, token):
    """GET shows a button; POST confirms (mail scanners that follow links change nothing)."""
    payload = confirmation.read_token(token)
    if payload is None or payload.get("expired"):
        return render(
            request,
            "accounts/confirm_email.html",
            {"problem": "expired" if payload else "invalid"},
            status=400,
        )
    user = get_object_or_404(User, pk=payload["u"])
    if request.method == "POST":
        if confirmation.confirm(user, payload["e"]):
            messages.success(request, "Thank you: your email is confirmed. You can edit now.")
            return redirect("home")
        return render(request, "accounts/confirm_email.html", {"problem": "changed"}, status=400)
    return render(request, "accounts/confirm_email.html", {"confirm_user": user})


@require_POST
@login_required
def resend_confirmation(request):
    if request.user.email_confirmed:
        messages.info(request, "Your email is confirmed already.")
    elif not hit("resend", str(request.user.pk), limit=3, window=3600):
        messages.error(request, "We sent several links in the last hour; please check your mail.")
    else:
        confirmation.send_confirmation(request, request.user)
        messages.success(request, f"A new confirmation link is on its way to {request.user.email}.")
    return redirect(_safe_next(request) or "home")


def _safe_next(request) -> str:
    """The POSTed `next` when it points into this site, else ""."""
    url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def axes_username(request, credentials) -> str:
    """The username axes counts failures for: case-folded, as sign-in matches it."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    return username.casefold()


def locked_out(request, *args, **kwargs):
    """django-axes calls this when a login is refused during the cool-off (as
    `(request, original_response, credentials)`; neither is needed here)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    retry_at = timezone.now() + settings.AXES_COOLOFF_TIME
    return render(
        request,
        "accounts/locked_out.html",
        {"minutes": minutes, "retry_at": retry_at},
        status=429,
    )


def profile(request, username):
    person = get_object_or_404(User, username__iexact=username)
    if person.username != username:  # one address per person
        return redirect("profile", person.username, permanent=True)
    contributions = (
        Revision.objects.by_author(person)
        .visible_to(request.user)
        .filter(article__is_deleted=False)  # deleted articles are gone for everyone
        .select_related("article")
        .for_lists()
        .order_by("-created_at", "-pk")
    )
    page = Paginator(contributions, 25).get_page(request.GET.get("page"))
    is_self = request.user.is_authenticated and request.user.pk == person.pk
    context = {
        "person": person,
        "page": page,
        "is_self": is_self,
        "edit_count": person.revisions.filter(status="accepted").count(),
        "article_count": person.revisions.filter(number=1, status="accepted").count(),
        "notices": person.notices.all()[:10] if is_self else [],
        "active_block": person.blocks.active().first() if is_self else None,
    }
    return render(request, "accounts/profile.html", context)


@login_required
def account_settings(request):
    user = request.user
    form = EmailChangeForm(request.POST or None, user=user)
    if request.method == "POST":
        # Counted before the password is checked, so the form cannot be used to guess it.
        if not hit(
            "email-change", str(user.pk), limit=settings.KOTOBA_EMAIL_CHANGE_RATE, window=3600
        ):
            form = EmailChangeForm(initial={"email": request.POST.get("email", "")}, user=user)
            refusal = "You tried to change your address several times in the last hour. Try later."
            context = {"form": form, "refusal": refusal}
            return render(request, "accounts/settings.html", context, status=429)
        if form.is_valid():
            try:
                confirmation.change_email(request, user, form.cleaned_data["email"])
            except IntegrityError:  # another account took the address a moment ago
                form.add_error("email", "Another account uses that address.")
            else:
                messages.success(
                    request, f"Email changed. A confirmation link is on its way to {user.email}."
                )
                return redirect("account_settings")
    return render(
        request,
        "accounts/settings.html",
        {
            "form": form,
            "watching_form": WatchingForm(instance=user),
            "mail_form": MailSettingsForm(instance=user),
        },
    )


@login_required
@require_POST
def mail_settings(request):
    form = MailSettingsForm(request.POST, instance=request.user)
    if form.is_valid():
        form.save()
        messages.success(request, "Mail settings saved.")
    else:
        messages.error(request, "Choose one of the offered settings for each kind of mail.")
    return redirect("account_settings")


@login_required
@require_POST
def watch_settings(request):
    form = WatchingForm(request.POST, instance=request.user)
    if form.is_valid():
        form.save()
        if form.instance.watch_own_edits:
            messages.success(
                request, "The articles you create or edit are added to your watchlist."
            )
        else:
            messages.success(
                request, "The articles you edit are no longer added to your watchlist."
            )
    return redirect("account_settings")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view with the site's form (mail after commit) and two limits: requests
    per client address, and mails per target address. The second answers exactly as a sent
    mail does, so it tells nobody whether an account uses the address."""

    form_class = PasswordResetForm

    def form_valid(self, form):
        if not hit(
            "reset", client_ip(self.request), limit=settings.KOTOBA_PASSWORD_RESET_RATE, window=3600
        ):
            form.add_error(None, "Too many reset requests from your network. Try again later.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        address = form.cleaned_data["email"].casefold().encode()
        if not hit(
            "reset-to",
            hashlib.sha256(address).hexdigest(),  # no addresses in the cache
            limit=settings.KOTOBA_PASSWORD_RESET_ADDRESS_RATE,
            window=3600,
        ):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


@login_required
def notices(request):
    """The signed-in user's notices, newest first, the unread ones marked; POST marks them
    all read."""
    if request.method == "POST":
        marked = mark_all_read(request.user)
        if marked:
            messages.success(request, f"{marked} notice{'s' if marked != 1 else ''} marked read.")
        return redirect("notices")
    page = Paginator(request.user.notices.all(), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/notices.html", {"page": page})


# A mail program's one-click unsubscribe (RFC 8058) POSTs without a CSRF token: the signed
# token in the address is the proof. A GET only shows the button, so link scanners change
# nothing.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    found = read_unsubscribe_token(token)
    if found is None:
        return render(request, "accounts/unsubscribe.html", {"invalid": True}, status=400)
    user, kind = found
    label = NoticeKind(kind).label.lower()
    if request.method == "POST":
        stop_mail(user, kind)
        return render(request, "accounts/unsubscribe.html", {"done": True, "label": label})
    return render(request, "accounts/unsubscribe.html", {"label": label, "account": user})
