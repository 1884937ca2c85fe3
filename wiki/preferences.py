"""Reader filters: hidden tags and the adult notice opt-in, and the gate they put in front
of an article's text.

Signed-in readers keep them on their account; anonymous readers in a signed cookie.
`gate_for` is the one rule for "does this text open behind a notice": every page that shows
a revision's text (the article, an old revision, a diff) asks it.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction

COOKIE = "kotoba_prefs"
COOKIE_SALT = "kotoba.reader-prefs"
COOKIE_AGE = 365 * 86400
# "Show the article" with "until I close the browser" ticked: a browser-session cookie, set by
# config.middleware.RememberAdultNoticeMiddleware; adult articles open without the notice.
ADULT_SESSION_COOKIE = "kotoba_adult_session"


@dataclass(frozen=True)
class ReaderPrefs:
    hidden_tag_ids: frozenset[int] = field(default_factory=frozenset)
    show_adult: bool = False  # the stored preference
    adult_this_session: bool = False  # the notice passed "until I close the browser"

    @property
    def opens_adult(self) -> bool:
        return self.show_adult or self.adult_this_session


def prefs_for(request) -> ReaderPrefs:
    cached = getattr(request, "_reader_prefs", None)
    if cached is not None:
        return cached
    user = request.user
    if user.is_authenticated:
        # The copy on the user row (accounts.models.User.hidden_tag_ids): no query.
        prefs = ReaderPrefs(frozenset(int(pk) for pk in user.hidden_tag_ids), user.show_adult)
    else:
        prefs = _from_cookie(request.COOKIES.get(COOKIE))
    if request.COOKIES.get(ADULT_SESSION_COOKIE) == "1":
        prefs = ReaderPrefs(prefs.hidden_tag_ids, prefs.show_adult, adult_this_session=True)
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
        with transaction.atomic():
            # One change at a time per user: the relation and its copy on the user row end
            # up saying the same even when two saves cross.
            get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
            user.hidden_tags.set(hidden_tags)  # the copy follows (accounts.models)
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


HIDDEN_COUNT_CAP = 1000  # "more than 1,000 hidden" is all a reader needs past this


def hidden_count(queryset, prefs: ReaderPrefs) -> int | None:
    """How many of `queryset`'s articles the reader's hidden tags take out of a list (up to
    HIDDEN_COUNT_CAP + 1), so the list can say so; None, without a query, when the reader
    hides nothing."""
    if not prefs.hidden_tag_ids:
        return None
    hidden = queryset.filter(published_revision__tags__in=prefs.hidden_tag_ids)
    return hidden.values("pk").distinct()[: HIDDEN_COUNT_CAP + 1].count()


@dataclass(frozen=True)
class Gate:
    """Why a text opens behind a notice: "hidden" (a tag the reader hides) or "adult"."""

    reason: str
    tags: list
    # The query parameters the "show" button sends back (a diff keeps its view).
    keep: list[tuple[str, str]] = field(default_factory=list)


def reader_gate(tags, prefs: ReaderPrefs, *, shown: bool = False) -> Gate | None:
    """The gate in front of a text with these tags, or None when it opens directly.
    Hidden tags come first: a reader who hides a tag is asked even if they opted in to adult
    articles."""
    if shown:
        return None
    hidden = [tag for tag in tags if tag.pk in prefs.hidden_tag_ids]
    if hidden:
        return Gate("hidden", hidden)
    adult = [tag for tag in tags if tag.is_adult]
    if adult and not prefs.opens_adult:
        return Gate("adult", adult)
    return None


def gate_for(request, tags) -> Gate | None:
    """`reader_gate` for this request: its reader's preferences, and `?show=1` once the
    reader has chosen to see the text anyway."""
    gate = reader_gate(tags, prefs_for(request), shown=request.GET.get("show") == "1")
    if gate is None:
        return None
    keep = [(key, value) for key, value in request.GET.items() if key != "show"]
    return Gate(gate.reason, gate.tags, keep)


def opens_directly(tags, prefs: ReaderPrefs) -> bool:
    """Whether a list may show this text (a search snippet, say) without the notice."""
    return reader_gate(tags, prefs) is None


def reader_key(request) -> str:
    """What, besides the article, decides how a reader sees its text: their hidden tags,
    the adult opt-in and a "show it anyway" on this request (a cache key's part)."""
    prefs = prefs_for(request)
    shown = "1" if request.GET.get("show") == "1" else "0"
    hidden = ",".join(str(pk) for pk in sorted(prefs.hidden_tag_ids))
    return f"h{hidden}:a{int(prefs.opens_adult)}:s{shown}"
