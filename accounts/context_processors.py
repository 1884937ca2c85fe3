from django.conf import settings


def account_state(request):
    user = getattr(request, "user", None)
    needs_confirmation = bool(
        user is not None
        and user.is_authenticated
        and settings.KOTOBA_REQUIRE_CONFIRMED_EMAIL
        and not user.email_confirmed
    )
    return {"needs_email_confirmation": needs_confirmation}
