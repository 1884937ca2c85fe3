"""What an article's fields may hold, as plain functions: the article form calls them, and so
does the importer (wiki.transfer), so a typed edit and an imported revision pass one set of
rules.

Each function takes the value as given and returns it cleaned, or raises ValidationError with
a code. Nothing here reads the database: whether a name is taken, or a tag or an article to
compare with exists, is asked by the caller (the form through wiki.selectors, the importer in
bulk).
"""

from django.core.exceptions import ValidationError

from . import names
from .rendering import markup_problem

MAX_ALIASES = 30
MAX_TAGS = 30
MAX_CONTRASTS = 20
# Characters, checked on the text as given (stripped). Titles and aliases are also checked on
# their key (names.TITLE_MAX), tag names on theirs (names.TAG_NAME_MAX).
MAX_LENGTHS = {
    "title": 2 * names.TITLE_MAX,
    "summary": 200,
    "original_script": 200,
    "reading": 200,
    "origin_language": 100,
    "tone": 200,
    "edit_summary": 300,
}


def reject_garbage(value: str, label: str) -> str:
    """Refuse NUL characters and U+FFFD (what bytes that were not UTF-8 decode to)."""
    if "\x00" in value:
        raise ValidationError(f"The {label} contains NUL characters.", code="null_characters")
    if "\ufffd" in value:
        raise ValidationError(
            f"The {label} contains bytes that are not valid UTF-8 text. "
            "Retype the marked characters (shown as �).",
            code="invalid_utf8",
        )
    return value


def reject_invalid_utf8(value: str) -> None:
    """Every text field: bytes that were not UTF-8 arrive as U+FFFD (Django decodes with
    "replace"); refuse them rather than store the replacement characters."""
    if isinstance(value, str) and "\ufffd" in value:
        raise ValidationError(
            "This contains bytes that are not valid UTF-8 text. "
            "Retype the marked characters (shown as �).",
            code="invalid_utf8",
        )


def check_name_length(name: str, *, what, kind: str) -> None:
    """A title or alias (already clean) must fit, once normalised, in the key column."""
    key, limit = names.name_key(name), names.TITLE_MAX
    length = max(len(name), len(key))
    if length > limit:
        spelled_out = (
            ""
            if length == len(name)
            else " once written out in full: letters such as ß and ligatures such as ﬃ count "
            "as several"
        )
        raise ValidationError(
            f"{what} must have at most {limit} characters (it has {length}{spelled_out}).",
            code=f"{kind}_too_long",
        )


def clean_title(value: str) -> str:
    title = names.clean_name(reject_garbage(value, "title"))
    if not any(ch.isalnum() for ch in title):
        raise ValidationError(
            "A title needs at least one letter or digit.", code="punctuation_title"
        )
    check_name_length(title, what="This title", kind="title")
    return title


def clean_summary(value: str) -> str:
    summary = reject_garbage(value, "summary")
    if "\n" in summary or "\r" in summary:
        raise ValidationError("The summary must be one line.", code="multiline_summary")
    summary = " ".join(summary.split())
    if not summary:
        raise ValidationError("Write a one-line summary.", code="required")
    return summary


def clean_body(value: str) -> str:
    body = reject_garbage(value or "", "text")
    problem = markup_problem(body)  # size, markup counts, nesting: what renders in time
    if problem is not None:
        raise ValidationError(problem.message, code=problem.code)
    return body


def clean_alias_names(value: str) -> list[str]:
    """One alias per line: cleaned, blank lines and repeats dropped, at most MAX_ALIASES.
    Each name's length is checked with the rest of its name rules (check_name_length)."""
    raw = reject_garbage(value or "", "aliases")
    aliases = [names.clean_name(line) for line in raw.splitlines()]
    aliases = list(dict.fromkeys(name for name in aliases if name))
    if len(aliases) > MAX_ALIASES:
        raise ValidationError(
            f"{len(aliases)} aliases; an article can have at most {MAX_ALIASES}. Keep the "
            "names readers really search for.",
            code="too_many_aliases",
        )
    return aliases


def clean_contrast_titles(lines) -> list[str]:
    """The titles an explainer compares: stripped, blank ones and repeats dropped."""
    titles = list(dict.fromkeys(line.strip() for line in lines if line.strip()))
    if len(titles) > MAX_CONTRASTS:
        raise ValidationError(
            f"An explainer can compare at most {MAX_CONTRASTS} articles; this lists {len(titles)}.",
            code="too_many_contrasts",
        )
    return titles


def clean_tag_names(typed) -> list[str]:
    """Tag names as typed: cleaned, blank ones and repeats dropped, each short enough."""
    tag_names = list(dict.fromkeys(name for name in map(names.clean_name, typed) if name))
    if len(tag_names) > MAX_TAGS:
        raise ValidationError(
            f"{len(tag_names)} tags; an article can have at most {MAX_TAGS}.",
            code="too_many_tags",
        )
    for name in tag_names:
        key = names.name_key(name)
        if len(name) > names.TAG_NAME_MAX or len(key) > names.TAG_NAME_MAX:
            raise ValidationError(
                f"The tag name “{name[:40]}…” is too long: a tag name has at most "
                f"{names.TAG_NAME_MAX} characters (letters such as ß count as two).",
                code="tag_name_too_long",
            )
    return tag_names


def clean_edit_summary(value: str) -> str:
    return " ".join(reject_garbage(value or "", "edit summary").split())
