"""Load the demo wiki: tags, articles with a realistic history, and (with DEBUG on) three
demo accounts whose password is generated on every run and printed."""

import io
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.groups import ensure_moderators_group
from files.models import File, Licence, file_key
from files.services import Details, upload
from talk import services as talk
from talk.models import Post
from wiki import moderation, names, watching
from wiki.demo import loader
from wiki.demo.images import DEMO_IMAGES
from wiki.editing import TEXT_FIELDS, revision_values, save_edit
from wiki.models import Article, Revision, RevisionStatus, Tag, TagAlias, normalize_title

DEMO_USERS = {
    "moderator": {"days": 400, "staff": True, "autoconfirmed": True},
    "editor": {"days": 120, "staff": False, "autoconfirmed": True},
    "newbie": {"days": 1, "staff": False, "autoconfirmed": False},
}
FEATURED = "Isekai vs. portal fantasy"


class Command(BaseCommand):
    help = "Load the demo content (idempotent). Demo accounts are made only when DEBUG is on."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Say what would be loaded.")

    def handle(self, *args, dry_run=False, **options):
        articles, tags, history = loader.articles(), loader.tags(), loader.history()
        if not settings.DEBUG:
            self.stdout.write(
                "Skipped: demo content comes with demo accounts, which exist only when "
                "DJANGO_DEBUG is on."
            )
            return
        if dry_run:
            self.stdout.write(f"Would load {len(tags)} tags and {len(articles)} articles.")
            return
        with transaction.atomic():
            users = self._users()
            self._tags(tags)
            self._pictures(users.get("moderator"))
            created = self._articles(articles, history, users)
            if created:
                self._talk(loader.talk(), users)
        self.stdout.write(self._summary(created))
        if users:
            password = secrets.token_urlsafe(9)
            for user in users.values():
                user.set_password(password)
                user.save(update_fields=["password"])
            self.stdout.write(
                self.style.SUCCESS(
                    "Demo accounts (password for all three, new on every run): "
                    f"moderator, editor, newbie / {password}\n"
                    "  Sign in as moderator at http://127.0.0.1:8000/admin/ "
                    "to see the review queue."
                )
            )

    def _summary(self, created: int) -> str:
        """What the wiki holds now, in the words a reader of the site would use."""
        published = Article.objects.published().count()
        waiting = Revision.objects.filter(status=RevisionStatus.PENDING)
        new_articles = waiting.filter(number=1).count()
        edits = waiting.count() - new_articles
        held = []
        if edits:
            held.append(f"{edits} edit{'s' if edits != 1 else ''}")
        if new_articles:
            held.append(f"{new_articles} new article{'s' if new_articles != 1 else ''}")
        posts = Post.objects.filter(status=RevisionStatus.PENDING).count()
        if posts:
            held.append(f"{posts} talk post{'s' if posts != 1 else ''}")
        listed = ", ".join(held[:-1]) + " and " + held[-1] if len(held) > 1 else "".join(held)
        queue = f"; {listed} waiting for review" if held else ""
        tags = Tag.objects.count()
        pictures = File.objects.visible().count()
        if not created:
            return f"Demo content is loaded already: {published} published articles{queue}."
        counts = f"{published} published articles, {tags} tags, {pictures} pictures"
        return f"Demo content: {counts}{queue}."

    def _users(self):
        User = get_user_model()
        group = ensure_moderators_group()
        users = {}
        for name, spec in DEMO_USERS.items():
            user, made = User.objects.get_or_create(
                username=name,
                defaults={
                    "email": f"{name}@example.com",
                    "email_confirmed_at": timezone.now(),
                    "date_joined": timezone.now() - timedelta(days=spec["days"]),
                    "is_staff": spec["staff"],
                    "is_autoconfirmed": spec["autoconfirmed"],
                },
            )
            if name == "moderator":
                user.groups.add(group)
            users[name] = user
        return users

    def _tags(self, tags):
        for spec in tags:
            tag, _ = Tag.objects.get_or_create(
                name_key=names.name_key(spec["name"]),
                defaults={
                    "name": spec["name"],
                    "category": spec["category"],
                    "is_adult": spec.get("adult", False),
                    "description": spec.get("description", "").strip(),
                },
            )
            for alias in spec.get("aliases", []):
                TagAlias.objects.get_or_create(
                    name_key=names.name_key(alias), defaults={"tag": tag, "name": alias}
                )

    def _values(self, spec, base=None):
        values = dict(base or {})
        for name in TEXT_FIELDS:
            if name in spec:
                value = spec[name]
                values[name] = (
                    "\n".join(value)
                    if isinstance(value, list)
                    else value.strip() + ("\n" if name == "body" else "")
                )
        if "tags" in spec:
            values["tags"] = list(
                Tag.objects.filter(name_key__in=[names.name_key(t) for t in spec["tags"]])
            )
        if "contrasts_with" in spec:
            values["contrasts_with"] = list(
                Article.objects.filter(
                    title_key__in=[normalize_title(t) for t in spec["contrasts_with"]]
                )
            )
        return values

    def _save(self, user, article, spec, values, kind=None, summary=""):
        outcome = save_edit(
            author=user,
            article=article,
            kind=kind or spec.get("kind", "term"),
            values=values,
            base_number=article.latest_revision.number if article else None,
            edit_summary=summary or spec.get("edit_summary", ""),
            is_minor=spec.get("minor", False),
            check_rate=False,
        )
        return outcome.revision

    def _pictures(self, moderator) -> int:
        """The demo's own illustrations (drawn by wiki/demo/images.py, CC BY-SA 4.0), before
        the articles that embed them."""
        if moderator is None:
            return 0
        made = 0
        for image in DEMO_IMAGES:
            if File.objects.filter(key=file_key(image.name)).exists():
                continue
            details = Details(
                name=image.name,
                licence=Licence.CC_BY_SA,
                alt_text=image.alt,
                own_work=True,
                description=image.description,
            )
            upload(user=moderator, fileobj=io.BytesIO(image.draw()), details=details)
            made += 1
        return made

    def _articles(self, articles, history, users):
        moderator, editor, newbie = (users.get(n) for n in ("moderator", "editor", "newbie"))
        drafts = [e for e in history.get("edit", []) if e.get("before")]
        later = [e for e in history.get("edit", []) if not e.get("before")]
        created = 0
        revisions = []
        for spec in articles:
            if Article.objects.filter(title_key=normalize_title(spec["title"])).exists():
                continue
            created += 1
            final = self._values(spec)
            article = None
            for draft in [d for d in drafts if d["article"] == spec["title"]]:
                values = {**final, **self._values(draft)}
                if article is None:
                    values["tags"] = final.get("tags", [])[:2]
                author = users.get(draft["user"]) or editor or moderator
                rev = self._save(
                    author, article, spec, values, summary=draft.get("edit_summary", "")
                )
                article, _ = rev.article, revisions.append(rev)
            author = editor if article is not None else moderator
            rev = self._save(
                author,
                article,
                spec,
                final,
                summary="Expand and cite sources" if article else "New article",
            )
            revisions.append(rev)
        if created and newbie is not None:
            for edit in later:
                article = Article.objects.get(title_key=normalize_title(edit["article"]))
                head = article.latest_revision
                values = self._values(edit, self._revision_values(head))
                revisions.append(self._save(newbie, article, edit, values))
            for spec in history.get("new_article", []):
                revisions.append(
                    self._save(
                        newbie,
                        None,
                        spec,
                        self._values(spec),
                        summary=spec.get("edit_summary", "New article"),
                    )
                )
        self._spread_in_time(revisions)
        for spec in articles:  # the Guidelines page: only moderators change it
            if spec.get("protection") and moderator is not None:
                article = Article.objects.get(title_key=normalize_title(spec["title"]))
                if article.protection != spec["protection"]:
                    moderation.set_protection(
                        article=article,
                        level=spec["protection"],
                        moderator=moderator,
                        reason="The wiki's own rules: moderators keep them.",
                    )
        if created:
            Article.objects.filter(title_key=normalize_title(FEATURED)).update(is_featured=True)
        return created

    def _talk(self, spec, users):
        """Threads on the talk pages (through the same services as the site: a new user's
        posts wait for review), and the demo users' watchlists."""
        for name, watched in spec.get("watch", {}).items():
            user = users.get(name)
            for title in watched.get("articles", []):
                article = Article.objects.get(title_key=normalize_title(title))
                watching.watch(user, article=article)
            for tag_name in watched.get("tags", []):
                watching.watch(user, tag=Tag.objects.get(name=tag_name))
        for thread in spec.get("thread", []):
            article = Article.objects.get(title_key=normalize_title(thread["article"]))
            first, *replies = thread["post"]
            opening = talk.start_thread(
                author=users[first["user"]],
                article=article,
                subject=thread["subject"],
                body=first["body"].strip(),
            )
            for post in replies:
                talk.reply(
                    author=users[post["user"]], thread=opening.thread, body=post["body"].strip()
                )

    def _revision_values(self, revision):
        values = revision_values(revision)
        values["tags"] = list(revision.tags.all())
        values["contrasts_with"] = list(revision.contrasts_with.all())
        return values

    def _spread_in_time(self, revisions):
        """Give the history believable dates: oldest first, a few days apart."""
        now = timezone.now()
        count = len(revisions)
        for index, rev in enumerate(revisions):
            when = now - timedelta(hours=(count - index) * 20)
            Revision.objects.filter(pk=rev.pk).update(created_at=when)
            if rev.number == 1:
                Article.objects.filter(pk=rev.article_id).update(created_at=when)
            Article.objects.filter(pk=rev.article_id, published_revision=rev).update(
                updated_at=when
            )
