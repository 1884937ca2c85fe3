"""Email confirmation: signed, expiring tokens tied to the address they were sent to."""

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .mail import send_after_commit

SALT = "kotoba.accounts.confirm-email"


def make_token(user) -> str:
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=SALT)


def read_token(token: str) -> dict | None:
    """The token's payload, or None when it is forged, malformed or expired."""
    max_age = settings.KOTOBA_CONFIRMATION_MAX_AGE_DAYS * 86400
    try:
        return signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        return {"expired": True}
    except signing.BadSignature:
        return None


def send_confirmation(request, user) -> None:
    """Mail a confirmation link to the user's address once the current transaction commits."""
    url = request.build_absolute_uri(reverse("confirm_email", args=[make_token(user)]))
    body = render_to_string("accounts/email/confirm.txt", {"user": user, "url": url})
    send_after_commit(subject="Confirm your email for Kotoba", body=body, to=[user.email])


def change_email(request, user, email: str) -> None:
    """Give the user a new, unconfirmed address, and mail it a link once that is committed.
    Raises IntegrityError, with the user's fields as they were, when another account has it."""
    try:
        with transaction.atomic():
            user.email = email
            user.email_confirmed_at = None
            user.save(update_fields=["email", "email_confirmed_at"])
            send_confirmation(request, user)
    except IntegrityError:
        user.refresh_from_db(fields=["email", "email_confirmed_at"])
        raise


def confirm(user, email: str) -> bool:
    """Mark the address confirmed if it is still the user's; return whether it was."""
    if user.email.lower() != email:
        return False
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email_confirmed_at"])
    return True
