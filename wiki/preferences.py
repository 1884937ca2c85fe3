"""Reader filters: hidden tags and the adult notice opt-in.

Signed-in readers keep them on their account; anonymous readers in a signed cookie.
"""

from dataclasses import dataclass, field

from django.core import signing

COOKIE = "kotoba_prefs"
COOKIE_SALT = "kotoba.reader-prefs"
COOKIE_AGE = 365 * 86400


@dataclass(frozen=True)
class ReaderPrefs:
    hidden_tag_ids: frozenset[int] = field(default_factory=frozenset)
    show_adult: bool = False


def prefs_for(request) -> ReaderPrefs:
    cached = getattr(request, "_reader_prefs", None)
    if cached is not None:
        return cached
    user = request.user
    if user.is_authenticated:
        prefs = ReaderPrefs(
            frozenset(user.hidden_tags.values_list("pk", flat=True)), user.show_adult
        )
    else:
        prefs = _from_cookie(request.COOKIES.get(COOKIE))
    request._reader_prefs = prefs
    return prefs


def _from_cookie(raw) -> ReaderPrefs:
    if not raw:
        return ReaderPrefs()
    try:
        data = signing.loads(raw, salt=COOKIE_SALT)
        return ReaderPrefs(
            frozenset(int(pk) for pk in data.get("h", [])), bool(data.get("a", False))
        )
    except (signing.BadSignature, TypeError, ValueError, AttributeError):
        return ReaderPrefs()


def save_prefs(request, response, *, hidden_tags, show_adult: bool) -> None:
    user = request.user
    if user.is_authenticated:
        user.hidden_tags.set(hidden_tags)
        user.show_adult = show_adult
        user.save(update_fields=["show_adult"])
    else:
        value = signing.dumps(
            {"h": sorted(t.pk for t in hidden_tags), "a": show_adult}, salt=COOKIE_SALT
        )
        response.set_cookie(
            COOKIE,
            value,
            max_age=COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    request._reader_prefs = ReaderPrefs(frozenset(t.pk for t in hidden_tags), show_adult)


def filter_articles(queryset, prefs: ReaderPrefs, prefix: str = ""):
    """Drop articles whose published revision carries a hidden tag."""
    if not prefs.hidden_tag_ids:
        return queryset
    return queryset.exclude(**{f"{prefix}published_revision__tags__in": prefs.hidden_tag_ids})
