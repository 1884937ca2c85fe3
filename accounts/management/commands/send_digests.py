from django.core.management.base import BaseCommand

from accounts.notices import send_digests


class Command(BaseCommand):
    help = "Mail each user the notices they get in a daily digest (run once a day)."

    def handle(self, *args, **options):
        sent = send_digests()
        self.stdout.write(f"Sent {sent} digest{'s' if sent != 1 else ''}.")
