"""Small endpoints for the editor and the search box."""

import zlib

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from accounts.ratelimit import hit

from ..rendering import markup_problem, render_markdown


@require_POST
@login_required
def preview(request):
    """markdownx's live preview: the same renderer, so the preview is what the page shows.
    A text the article form would refuse is not rendered: the preview says why instead."""
    if not hit("preview", str(request.user.pk), limit=settings.KOTOBA_PREVIEW_RATE, window=60):
        return HttpResponse(
            '<p class="notice">Preview paused: too many previews in a minute.</p>', status=429
        )
    # NUL can never be saved (the form refuses it) and PostgreSQL refuses it in the
    # wikilink lookup: show it as U+FFFD, as browsers do.
    text = request.POST.get("content", "").replace("\x00", "\ufffd")
    problem = markup_problem(text)
    if problem is not None:
        notice = format_html('<p class="notice">No preview: {}</p>', problem.message)
        return HttpResponse(
            notice + preview_stamp(text), status=422, content_type="text/html; charset=utf-8"
        )
    return HttpResponse(
        render_markdown(text) + preview_stamp(text), content_type="text/html; charset=utf-8"
    )


def preview_stamp(text: str) -> str:
    """Which text a preview shows, as an inert element after it: the CRC-32 of the text as
    UTF-8, newlines as LF (a form sends CRLF), NUL as U+FFFD (as the preview shows it).
    Answers can arrive out of order (the one for the text the page opened with after the one
    for the first change, on a slow line); the editor (static/js/editor.js) computes the same
    for its text and asks again on a mismatch."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    checksum = zlib.crc32(text.encode("utf-8", "surrogatepass"))  # a browser sends no lone ones
    return format_html('<template data-preview-of="{}"></template>', f"{checksum:08x}")
