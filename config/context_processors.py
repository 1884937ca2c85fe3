"""Template context every page shares."""

from functools import cache

from django.urls import get_script_prefix, reverse

from wiki import guidelines

# The site-wide links of base.html: the same on every page, so reversed once per process
# (and per script prefix) instead of a dozen times per request.
SITE_URL_NAMES = (
    "home",
    "search",
    "search_suggest",
    "browse",
    "tags",
    "recent",
    "login",
    "logout",
    "signup",
    "resend_confirmation",
    "reader_settings",
    "admin:index",
)


@cache
def _site_urls(prefix: str) -> dict[str, str]:
    urls = {name.replace("admin:", "admin_"): reverse(name) for name in SITE_URL_NAMES}
    urls["guidelines"] = guidelines.url()
    return urls


def site_urls(request):
    return {"site_urls": _site_urls(get_script_prefix())}
