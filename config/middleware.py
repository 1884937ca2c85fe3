"""Refuse requests with a NUL byte in the path or the query string.

PostgreSQL cannot store or compare text containing NUL, so such a value reaching a query
raises an error (a 500). No real page has one: answer with the site's 400 page instead.
Form bodies are the forms' job: Django's form fields already refuse NUL characters.
"""

from .errors import bad_request


class RejectNulBytesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            return bad_request(request)
        return self.get_response(request)
