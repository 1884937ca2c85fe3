"""The records of an article file, read and cleaned without the database.

A file is JSON Lines (one record per line) or, for small files, one JSON array of records.
The first record may be a header (it has a "format" key); every other record is an article
with its revisions in order. Each record is cleaned here with the article form's own rules
(wiki.validation) and gets a place ("line 12", or "record 12" in an array) for messages.

Nothing here reads the database, so worker processes can run it (wiki.transfer.workers).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.html import strip_tags
from django.utils.text import slugify

from .. import names, validation
from ..models import ArticleKind, Protection, RevisionStatus
from ..models.tags import TagCategory

FORMAT = "kotoba-articles"
VERSION = 1
HEADER_KEYS = {"format", "version", "tags", "users"}
TAG_KEYS = {"name", "category", "adult", "description", "aliases"}
USER_KEYS = {"username", "email", "date_joined"}
ARTICLE_KEYS = {"kind", "slug", "protection", "featured", "deleted", "revisions"}
REVISION_KEYS = {
    "title",
    "summary",
    "body",
    "aliases",
    "original_script",
    "reading",
    "origin_language",
    "tone",
    "contrasts_with",
    "tags",
    "author",
    "created_at",
    "edit_summary",
    "is_minor",
    "status",
    "reviewed_by",
    "reviewed_at",
    "review_reason",
}
SHORT_FIELDS = ("original_script", "reading", "origin_language", "tone")
SLUG_MAX = 255  # Article.slug


class RecordError(Exception):
    """Why a record is refused: ``code`` as the form's ValidationError codes, ``message`` for
    people. The importer adds where the record is."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message, code)  # both in args: it crosses process boundaries
        self.message, self.code = message, code


# --- reading -----------------------------------------------------------------------------


def read(path: str | Path):
    """(place, raw) for every record: raw is a line of text (JSON Lines) or a decoded value
    (a JSON array). Blank lines are skipped. A file that is not UTF-8 raises RecordError."""
    path = Path(path)
    with path.open("rb") as probe:
        start = probe.read(4096).lstrip()
    if start.startswith(b"\xef\xbb\xbf"):
        start = start[3:].lstrip()
    if start.startswith(b"["):
        try:
            items = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise RecordError(f"The file is not a valid JSON array: {exc}", "bad_json") from None
        for number, item in enumerate(items, start=1):
            yield f"record {number}", item
        return
    with path.open(encoding="utf-8-sig", errors="strict", newline="\n") as lines:
        number = 0
        try:
            for number, line in enumerate(lines, start=1):  # noqa: B007 (read in except)
                if line.strip():
                    yield f"line {number}", line
        except UnicodeDecodeError:
            raise RecordError(
                f"line {number + 1}: the file is not UTF-8 text.", "invalid_utf8"
            ) from None


def decode(raw) -> dict:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise RecordError(f"not valid JSON ({exc})", "bad_json") from None
    if not isinstance(raw, dict):
        raise RecordError("a record must be a JSON object", "bad_record")
    return raw


def is_header(record: dict) -> bool:
    return "format" in record


# --- small checks ------------------------------------------------------------------------


def _unknown_keys(data: dict, allowed: set, what: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise RecordError(
            f"{what}: unknown field(s) {', '.join(map(repr, unknown))}; see docs/import-format.md",
            "unknown_field",
        )


def _typed(data: dict, key: str, kind, default, what: str):
    value = data.get(key, default)
    if value is None and default is None:
        return None
    if kind is bool and not isinstance(value, bool):
        raise RecordError(f"{what}: “{key}” must be true or false", "bad_type")
    if kind is str and not isinstance(value, str):
        raise RecordError(f"{what}: “{key}” must be a string", "bad_type")
    if kind is list and not (
        isinstance(value, list) and all(isinstance(item, str) for item in value)
    ):
        raise RecordError(f"{what}: “{key}” must be a list of strings", "bad_type")
    return value


def _choice(data: dict, key: str, choices, default: str, what: str) -> str:
    value = _typed(data, key, str, default, what)
    if value not in choices.values:
        raise RecordError(
            f"{what}: “{key}” must be one of {', '.join(choices.values)} (got {value!r})",
            "bad_choice",
        )
    return value


def _date(data: dict, key: str, what: str, default=None) -> datetime | None:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise RecordError(f"{what}: “{key}” must be an ISO 8601 date and time", "bad_date")
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise RecordError(
            f"{what}: “{key}” is not an ISO 8601 date and time ({value[:40]!r})", "bad_date"
        ) from None
    if when.tzinfo is None:  # a date without an offset is read as UTC
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _rule(where: str, check, *args, **kwargs):
    """Run one of wiki.validation's checks; its ValidationError becomes a RecordError."""
    try:
        return check(*args, **kwargs)
    except ValidationError as exc:
        text = " ".join(str(message) for message in exc.messages)
        raise RecordError(f"{where}: {_plain(text)}", exc.code or "invalid") from None


def _plain(text: str) -> str:
    return strip_tags(text)


def _max_length(value: str, name: str, what: str) -> str:
    limit = validation.MAX_LENGTHS[name]
    if len(value) > limit:
        raise RecordError(
            f"{what}: “{name}” must have at most {limit} characters (it has {len(value)})",
            "max_length",
        )
    return value


def clean_username(value, what: str) -> str:
    """A username as the sign-up form would store it (NFKC), checked by the model's rules."""
    if not isinstance(value, str) or not value.strip():
        raise RecordError(f"{what}: a username must be a non-empty string", "bad_username")
    username = AbstractBaseUser.normalize_username(value.strip())
    field_ = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD)
    try:
        field_.run_validators(username)
    except ValidationError as exc:
        raise RecordError(
            f"{what}: {username[:40]!r} is not a valid username ({' '.join(exc.messages)})",
            "bad_username",
        ) from None
    return username


# --- the header --------------------------------------------------------------------------


@dataclass
class TagSpec:
    name: str
    key: str
    category: str = TagCategory.TOPIC
    adult: bool = False
    description: str = ""
    aliases: list[str] = field(default_factory=list)
    needs_review: bool = False  # a tag the file uses without declaring it


@dataclass
class UserSpec:
    username: str
    email: str = ""
    date_joined: datetime | None = None


@dataclass
class Header:
    tags: list[TagSpec] = field(default_factory=list)
    users: list[UserSpec] = field(default_factory=list)


def clean_header(data: dict) -> Header:
    _unknown_keys(data, HEADER_KEYS, "header")
    if data.get("format") != FORMAT:
        raise RecordError(f"header: “format” must be {FORMAT!r}", "bad_format")
    if data.get("version", VERSION) != VERSION:
        raise RecordError(
            f"header: version {data.get('version')!r} is not known (this Kotoba reads {VERSION})",
            "bad_version",
        )
    header = Header()
    tags, users = data.get("tags") or [], data.get("users") or []
    if not isinstance(tags, list) or not isinstance(users, list):
        raise RecordError("header: “tags” and “users” must be lists", "bad_type")
    for number, item in enumerate(tags, start=1):
        header.tags.append(_clean_tag_spec(item, f"header, tag {number}"))
    for number, item in enumerate(users, start=1):
        header.users.append(_clean_user_spec(item, f"header, user {number}"))
    return header


def _clean_tag_spec(item, what: str) -> TagSpec:
    if not isinstance(item, dict):
        raise RecordError(f"{what}: must be an object", "bad_type")
    _unknown_keys(item, TAG_KEYS, what)
    typed = [_typed(item, "name", str, "", what), *_typed(item, "aliases", list, [], what)]
    for text in typed:
        _rule(what, validation.reject_garbage, text, "tag name")
    cleaned = _rule(what, validation.clean_tag_names, typed[:1])
    if not cleaned:
        raise RecordError(f"{what}: a tag needs a name", "required")
    aliases = _rule(what, validation.clean_tag_names, typed[1:])
    description = _typed(item, "description", str, "", what)
    _rule(what, validation.reject_garbage, description, "tag description")
    return TagSpec(
        name=cleaned[0],
        key=names.name_key(cleaned[0]),
        category=_choice(item, "category", TagCategory, TagCategory.TOPIC, what),
        adult=_typed(item, "adult", bool, False, what),
        description=description.strip(),
        aliases=[alias for alias in aliases if names.name_key(alias) != names.name_key(typed[0])],
    )


def _clean_user_spec(item, what: str) -> UserSpec:
    if not isinstance(item, dict):
        raise RecordError(f"{what}: must be an object", "bad_type")
    _unknown_keys(item, USER_KEYS, what)
    username = clean_username(item.get("username"), what)
    email = (_typed(item, "email", str, "", what) or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise RecordError(
                f"{what}: {email[:60]!r} is not an email address", "bad_email"
            ) from None
        email = get_user_model().objects.normalize_email(email)
    return UserSpec(username, email, _date(item, "date_joined", what))


# --- articles ----------------------------------------------------------------------------


@dataclass
class CleanRevision:
    values: dict  # the versioned text fields, as save_edit stores them
    contrasts: list[str]  # titles, as given (stripped)
    tags: list[str]  # clean names
    author: str | None
    created_at: datetime | None
    edit_summary: str
    is_minor: bool
    status: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_reason: str


@dataclass
class CleanArticle:
    kind: str
    slug: str | None
    protection: str
    featured: bool
    deleted: bool
    revisions: list[CleanRevision]

    @property
    def published_index(self) -> int | None:
        """The newest accepted revision: what publish() would have left published."""
        accepted = [i for i, r in enumerate(self.revisions) if r.status == RevisionStatus.ACCEPTED]
        return accepted[-1] if accepted else None

    @property
    def latest_index(self) -> int | None:
        """The newest revision that is not rejected (Article.latest_revision)."""
        kept = [i for i, r in enumerate(self.revisions) if r.status != RevisionStatus.REJECTED]
        return kept[-1] if kept else None

    @property
    def live(self) -> bool:
        """Holds its names: not deleted, and published or waiting for review."""
        return not self.deleted and self.latest_index is not None

    @property
    def shown(self) -> CleanRevision:
        """The revision the article row mirrors: the published one, else the first."""
        index = self.published_index
        return self.revisions[index if index is not None else 0]


def clean_article(data: dict, *, parse_bodies: bool = True) -> CleanArticle:
    """The article with every revision cleaned. ``parse_bodies=False`` leaves out the one
    check that parses the Markdown (``markup_problem``): for a record that passed it before
    and is about to be rendered, which parses it anyway."""
    _unknown_keys(data, ARTICLE_KEYS, "article")
    slug = _typed(data, "slug", str, None, "article")
    if slug is not None and (
        not slug or len(slug) > SLUG_MAX or slugify(slug, allow_unicode=True) != slug
    ):
        raise RecordError(
            f"article: “slug” {slug[:60]!r} is not a slug (lower-case letters, digits, hyphens)",
            "bad_slug",
        )
    revisions = data.get("revisions")
    if not isinstance(revisions, list) or not revisions:
        raise RecordError("article: “revisions” must be a non-empty list", "no_revisions")
    article = CleanArticle(
        kind=_choice(data, "kind", ArticleKind, ArticleKind.TERM, "article"),
        slug=slug,
        protection=_choice(data, "protection", Protection, Protection.NONE, "article"),
        featured=_typed(data, "featured", bool, False, "article"),
        deleted=_typed(data, "deleted", bool, False, "article"),
        revisions=[
            clean_revision(item, f"revision {number}", parse_body=parse_bodies)
            for number, item in enumerate(revisions, start=1)
        ],
    )
    published = article.published_index
    for number, revision in enumerate(article.revisions[: published or 0], start=1):
        if revision.status == RevisionStatus.PENDING:
            raise RecordError(
                f"revision {number} is pending but revision {published + 1} is accepted: "
                "accepting a revision accepts the pending ones before it",
                "pending_below_accepted",
            )
    return article


def clean_revision(item, what: str, *, parse_body: bool = True) -> CleanRevision:
    if not isinstance(item, dict):
        raise RecordError(f"{what}: must be an object", "bad_type")
    _unknown_keys(item, REVISION_KEYS, what)
    title = _typed(item, "title", str, "", what).strip()
    if not title:
        raise RecordError(f"{what}: a title is required", "required")
    title = _rule(what, validation.clean_title, _max_length(title, "title", what))
    summary = _typed(item, "summary", str, "", what).strip()
    summary = _rule(what, validation.clean_summary, _max_length(summary, "summary", what))
    body = _typed(item, "body", str, "", what).replace("\r\n", "\n")
    check_body = validation.clean_body if parse_body else validation.reject_garbage
    body = _rule(what, check_body, body, *([] if parse_body else ["text"]))
    alias_names = _rule(
        what, validation.clean_alias_names, "\n".join(_typed(item, "aliases", list, [], what))
    )
    for name in alias_names:
        shown = name if len(name) <= 40 else name[:40] + "…"
        _rule(what, validation.check_name_length, name, what=f"The alias “{shown}”", kind="alias")
    values = {"title": title, "summary": summary, "body": body, "aliases": "\n".join(alias_names)}
    for name in SHORT_FIELDS:
        text = _max_length(_typed(item, name, str, "", what).strip(), name, what)
        values[name] = _rule(what, validation.reject_garbage, text, name.replace("_", " "))
    contrasts = _typed(item, "contrasts_with", list, [], what)
    tags = _typed(item, "tags", list, [], what)
    for text in (*contrasts, *tags):
        _rule(what, validation.reject_garbage, text, "list")
    edit_summary = _max_length(
        _typed(item, "edit_summary", str, "", what).strip(), "edit_summary", what
    )
    status = _choice(item, "status", RevisionStatus, RevisionStatus.ACCEPTED, what)
    author = item.get("author")
    author = None if author is None else clean_username(author, f"{what}, author")
    created_at = _date(item, "created_at", what)
    reviewed_by = reviewed_at = None
    reason = _typed(item, "review_reason", str, "", what).strip()
    _rule(what, validation.reject_garbage, reason, "review reason")
    if status != RevisionStatus.PENDING:
        reviewer = item.get("reviewed_by", author if status == RevisionStatus.ACCEPTED else None)
        reviewed_by = None if reviewer is None else clean_username(reviewer, f"{what}, reviewer")
        reviewed_at = _date(item, "reviewed_at", what, default=created_at)
        if status == RevisionStatus.REJECTED and not reason:
            raise RecordError(
                f"{what}: a rejected revision needs a “review_reason”", "reason_required"
            )
    else:
        reason = ""
    return CleanRevision(
        values=values,
        contrasts=_rule(what, validation.clean_contrast_titles, contrasts),
        tags=_rule(what, validation.clean_tag_names, tags),
        author=author,
        created_at=created_at,
        edit_summary=_rule(what, validation.clean_edit_summary, edit_summary),
        is_minor=_typed(item, "is_minor", bool, False, what),
        status=status,
        reviewed_by=reviewed_by,
        reviewed_at=reviewed_at,
        review_reason=reason,
    )
