from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def confirmed_email_required(view):
    """Signed in, and (when KOTOBA_REQUIRE_CONFIRMED_EMAIL is on) with a confirmed email."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if settings.KOTOBA_REQUIRE_CONFIRMED_EMAIL and not request.user.email_confirmed:
            return render(request, "accounts/confirm_required.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
