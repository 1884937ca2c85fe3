from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.groups import ensure_moderators_group


class Command(BaseCommand):
    help = "Make a user a moderator: staff status (admin access) and the Moderators group."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--dry-run", action="store_true", help="Say what would change.")

    @transaction.atomic
    def handle(self, username, dry_run=False, **options):
        user = get_user_model().objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f"No user called {username!r}.")
        if dry_run:
            self.stdout.write(f"Would make {user.username} a moderator.")
            return
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(ensure_moderators_group())
        self.stdout.write(self.style.SUCCESS(f"{user.username} is now a moderator."))
