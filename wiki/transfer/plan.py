"""The import's checks that need the whole file or the database, made before anything is
written: names held by two articles (in the file or in the wiki), look-alike names, articles
to contrast with, slugs, users and tags.

Checks run in file order: a record is compared with the wiki and with the records before it
that passed. The answers are asked in bulk (a few queries per window of records), never per
record.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower
from django.utils.text import slugify

from .. import names
from ..models import Alias, Article, SlugRedirect, Tag, TagAlias
from ..publishing import RESERVED_SLUGS
from .records import Header, TagSpec, UserSpec
from .workers import Summary

QUERY_CHUNK = 1000  # values per IN (...) list


def chunks(items, size=QUERY_CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class Problem:
    place: str
    message: str
    code: str

    def __str__(self):
        return f"{self.place}: {self.message}"


@dataclass
class Entry:
    """A record that passed: what the writing pass needs besides its text."""

    place: str
    index: int  # order among the articles of the file
    summary: Summary
    slug: str = ""
    pk: int | None = None  # once written
    # (revision number, title as given) -> ("wiki", pk) or ("file", index)
    contrasts: dict = field(default_factory=dict)


@dataclass
class Holder:
    place: str  # "" for an article already in the wiki
    title: str
    index: int | None = None

    def named(self) -> str:
        where = f" ({self.place})" if self.place else ""
        return f"the article “{self.title}”{where}"


class Plan:
    def __init__(self):
        self.entries: dict[str, Entry] = {}  # place -> entry, in file order
        self.by_index: list[Entry] = []
        self.problems: list[Problem] = []
        self.refused: set[str] = set()
        self.held: dict[str, Holder] = {}  # name key -> who holds it in the file
        self.skeletons: dict[str, tuple[str, Holder]] = {}  # skeleton -> (key, holder)
        self.file_titles: dict[str, Entry] = {}  # title key -> entry, live or not
        self.held_alias_keys: set[str] = set()
        self.users: dict[str, UserSpec] = {}  # lower-case username -> spec, for new users
        self.user_ids: dict[str, int] = {}  # lower-case username -> pk of an existing user
        self.tags_new: dict[str, TagSpec] = {}  # key -> spec of a tag to create
        self.tag_ids: dict[str, int] = {}  # key (name or alias) -> pk of an existing tag
        self.header = Header()

    # --- problems ------------------------------------------------------------------------

    def refuse(self, place: str, message: str, code: str) -> None:
        self.problems.append(Problem(place, message, code))
        self.refused.add(place)
        entry = self.entries.pop(place, None)
        if entry is not None:
            self.by_index[entry.index] = None

    def accepted(self) -> list[Entry]:
        return [entry for entry in self.by_index if entry is not None]

    # --- names, a window of records at a time ----------------------------------------------

    def add_window(self, window: list[tuple[str, Summary]]) -> None:
        """Check the names of a window of good records against the wiki and the records
        before them, then keep the ones that pass."""
        live = [summary for _, summary in window if summary.live]
        wiki_keys, wiki_skeletons = _wiki_names(
            {n.key for s in live for n in (s.title, *s.aliases)},
            {n.skeleton for s in live for n in (s.title, *s.aliases)},
        )
        for place, summary in window:
            if summary.live:
                problem = self._name_problem(summary, wiki_keys, wiki_skeletons)
                if problem is not None:
                    self.problems.append(Problem(place, *problem))
                    self.refused.add(place)
                    continue
            self._keep(place, summary)

    def _name_problem(self, summary, wiki_keys, wiki_skeletons) -> tuple[str, str] | None:
        for kind, name in [("title", summary.title), *(("alias", a) for a in summary.aliases)]:
            what = "This title" if kind == "title" else f"The alias “{name.name[:40]}”"
            holder = wiki_keys.get(name.key) or self.held.get(name.key)
            if holder is not None:
                return f"{what} is already used by {holder.named()}.", f"{kind}_taken"
            for found in (wiki_skeletons.get(name.skeleton), self.skeletons.get(name.skeleton)):
                if found is not None and found[0] != name.key:
                    return (
                        f"{what} looks the same as the name of {found[1].named()}: some of its "
                        "letters are look-alikes from another script.",
                        f"{kind}_lookalike",
                    )
        return None

    def _keep(self, place: str, summary: Summary) -> None:
        entry = Entry(place, len(self.by_index), summary)
        self.entries[place] = entry
        self.by_index.append(entry)
        self.file_titles.setdefault(summary.title.key, entry)
        if not summary.live:
            return
        holder = Holder(place, summary.title.name, entry.index)
        for name in (summary.title, *summary.aliases):
            self.held[name.key] = holder
            self.skeletons.setdefault(name.skeleton, (name.key, holder))
        self.held_alias_keys.update(alias.key for alias in summary.aliases)

    # --- after the whole file ---------------------------------------------------------------

    def resolve_contrasts(self) -> None:
        """Every title an explainer compares names an article of the file (by title, or by a
        published alias of a live one) or a published article of the wiki."""
        wanted = {
            names.name_key(title)
            for entry in self.accepted()
            for _, title in entry.summary.contrasts
        }
        wanted -= self.held.keys() | self.file_titles.keys()
        in_wiki = _published_in_wiki(wanted)
        for entry in self.accepted():
            for number, title in entry.summary.contrasts:
                key = names.name_key(title)
                holder = self.held.get(key)
                target = self.file_titles.get(key)
                if holder is not None:
                    found = ("file", holder.index)
                elif target is not None:
                    found = ("file", target.index)
                elif key in in_wiki:
                    found = ("wiki", in_wiki[key])
                else:
                    self.refuse(
                        entry.place,
                        f"revision {number}: There is no article called “{title}” to "
                        "contrast with.",
                        "unknown_article",
                    )
                    break
                if found == ("file", entry.index):
                    self.refuse(
                        entry.place,
                        f"revision {number}: An explainer cannot contrast with itself.",
                        "self_contrast",
                    )
                    break
                entry.contrasts[(number, title)] = found
        self._refuse_contrasts_with_refused()

    def _refuse_contrasts_with_refused(self) -> None:
        changed = True
        while changed:
            changed = False
            for entry in self.accepted():
                for (number, title), (where, target) in entry.contrasts.items():
                    if where == "file" and self.by_index[target] is None:
                        self.refuse(
                            entry.place,
                            f"revision {number}: “{title}”, which it contrasts with, is refused.",
                            "unknown_article",
                        )
                        changed = True
                        break

    def assign_slugs(self) -> None:
        """Live articles keep the slug they came with when it is free; the others get one as
        the editor would make it (the title's slug, then -2, -3 …)."""
        entries = self.accepted()
        bases = {entry.place: _slug_base(entry.summary.title.name) for entry in entries}
        asked = {e.summary.slug for e in entries if e.summary.slug} | set(bases.values())
        taken = _slugs_taken(asked)
        mine: set[str] = set()
        for entry in entries:
            given = entry.summary.slug
            if not entry.summary.live:
                entry.slug = given or bases[entry.place]
            elif given and given not in RESERVED_SLUGS and given not in taken | mine:
                entry.slug = given
                mine.add(given)
        derived, busy = Counter(bases[e.place] for e in entries if not e.slug), taken | mine
        crowded = {base for base, n in derived.items() if n > 1 or base in busy}
        taken |= _slugs_numbered(crowded)
        for entry in entries:
            if entry.slug:
                continue
            base = candidate = bases[entry.place]
            number = 2
            while candidate in taken or candidate in mine:
                candidate = f"{base}-{number}"
                number += 1
            entry.slug = candidate
            mine.add(candidate)

    def plan_users(self) -> list[Problem]:
        """Usernames the records use: existing accounts (case-insensitively) or new ones,
        with the header's email when it gives one. Returns the header's problems."""
        problems = []
        specs: dict[str, UserSpec] = {}
        for spec in self.header.users:
            lower = spec.username.lower()
            if lower in specs:
                problems.append(
                    Problem("header", f"the user {spec.username!r} is listed twice", "duplicate")
                )
            specs[lower] = spec
        for entry in self.accepted():
            for username in entry.summary.usernames:
                specs.setdefault(username.lower(), UserSpec(username))
        User = get_user_model()
        for part in chunks(specs):
            self.user_ids.update(
                User.objects.annotate(lower=Lower("username"))
                .filter(lower__in=part)
                .values_list("lower", "pk")
            )
        self.users = {lower: spec for lower, spec in specs.items() if lower not in self.user_ids}
        emails: dict[str, str] = {}
        for spec in self.users.values():
            if spec.email:
                if spec.email.lower() in emails:
                    problems.append(
                        Problem(
                            "header",
                            f"the email address of {spec.username!r} is also given to "
                            f"{emails[spec.email.lower()]!r}",
                            "email_taken",
                        )
                    )
                emails[spec.email.lower()] = spec.username
        for part in chunks(emails):
            for email in User.objects.annotate(lower=Lower("email")).filter(lower__in=part):
                problems.append(
                    Problem(
                        "header",
                        f"the email address of {emails[email.email.lower()]!r} belongs to an "
                        "existing account",
                        "email_taken",
                    )
                )
        return problems

    def plan_tags(self) -> list[Problem]:
        """Tags by name: an existing tag (by its name or an alias) is used as it is; one the
        header declares is made with its category and flags; any other is made as a topic
        tag marked for review. Returns the header's problems."""
        problems = []
        declared: dict[str, TagSpec] = {}
        for spec in self.header.tags:
            for key in [spec.key, *map(names.name_key, spec.aliases)]:
                if key in declared:
                    problems.append(
                        Problem(
                            "header",
                            f"the tag name {key!r} is given to two tags ({declared[key].name!r} "
                            f"and {spec.name!r})",
                            "tag_taken",
                        )
                    )
                declared[key] = spec
        used = {names.name_key(name): name for e in self.accepted() for name in e.summary.tag_names}
        self.tag_ids = _existing_tags(declared.keys() | used.keys())
        for spec in self.header.tags:
            alias_keys = [names.name_key(alias) for alias in spec.aliases]
            if spec.key in self.tag_ids:
                continue  # the wiki's tag stays as it is
            clash = [key for key in alias_keys if key in self.tag_ids]
            if clash:
                problems.append(
                    Problem(
                        "header",
                        f"the tag {spec.name!r} has an alias that names an existing tag "
                        f"({clash[0]!r})",
                        "tag_taken",
                    )
                )
            self.tags_new[spec.key] = spec
        for key, name in used.items():
            if key not in self.tag_ids and key not in declared:
                self.tags_new[key] = TagSpec(name=name, key=key, needs_review=True)
        return problems


# --- bulk look-ups -------------------------------------------------------------------------


def _wiki_names(keys, skeletons):
    """Live articles of the wiki holding any of `keys` (title or published alias), and those
    whose names have any of `skeletons`."""
    by_key: dict[str, Holder] = {}
    by_skeleton: dict[str, tuple[str, Holder]] = {}
    live = Article.objects.live()
    for part in chunks(keys):
        for key, title in live.filter(title_key__in=part).values_list("title_key", "title"):
            by_key[key] = Holder("", title)
        for key, title in Alias.objects.filter(key__in=part, article__in=live).values_list(
            "key", "article__title"
        ):
            by_key.setdefault(key, Holder("", title))
    for part in chunks(skeletons):
        rows = live.filter(title_skeleton__in=part).values_list(
            "title_skeleton", "title_key", "title"
        )
        for skeleton, key, title in rows:
            by_skeleton.setdefault(skeleton, (key, Holder("", title)))
        rows = Alias.objects.filter(skeleton__in=part, article__in=live).values_list(
            "skeleton", "key", "article__title"
        )
        for skeleton, key, title in rows:
            by_skeleton.setdefault(skeleton, (key, Holder("", title)))
    return by_key, by_skeleton


def _published_in_wiki(keys) -> dict[str, int]:
    """name key -> pk of the published, live article of the wiki with that title or alias."""
    found: dict[str, int] = {}
    published = Article.objects.published()
    for part in chunks(keys):
        found.update(published.filter(title_key__in=part).values_list("title_key", "pk"))
        for key, pk in Alias.objects.filter(key__in=part, article__in=published).values_list(
            "key", "article_id"
        ):
            found.setdefault(key, pk)
    return found


def _slug_base(title: str) -> str:
    """The slug publishing.slug_for starts from."""
    base = slugify(title, allow_unicode=True)[:240] or "article"
    return f"{base}-article" if base in RESERVED_SLUGS else base


def _slugs_taken(slugs) -> set[str]:
    """Which of `slugs` a live article or an old address (a redirect) of the wiki uses."""
    taken: set[str] = set()
    for part in chunks(slugs):
        taken.update(Article.objects.live().filter(slug__in=part).values_list("slug", flat=True))
        taken.update(
            SlugRedirect.objects.filter(old_slug__in=part).values_list("old_slug", flat=True)
        )
    return taken


def _slugs_numbered(bases) -> set[str]:
    """Slugs in use of the form `base-2`, `base-3` … for each of `bases`."""
    taken: set[str] = set()
    for base in bases:
        pattern = rf"^{re.escape(base)}-[0-9]+$"
        taken.update(
            Article.objects.live().filter(slug__regex=pattern).values_list("slug", flat=True)
        )
        taken.update(
            SlugRedirect.objects.filter(old_slug__regex=pattern).values_list("old_slug", flat=True)
        )
    return taken


def _existing_tags(keys) -> dict[str, int]:
    found: dict[str, int] = {}
    for part in chunks(keys):
        found.update(Tag.objects.filter(name_key__in=part).values_list("name_key", "pk"))
        for key, pk in TagAlias.objects.filter(name_key__in=part).values_list("name_key", "tag_id"):
            found.setdefault(key, pk)
    return found
