from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agencies.models import User
from reporting.demo import demo_reports_create
from tasks.demo import DEMO_PASSWORD, demo_users_create


class Command(BaseCommand):
    help = ("Create the demo users listed in the README and demo reports in every state (only with DEBUG on). "
            "Safe to run again.")

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD)
        parser.add_argument("--no-reports", action="store_true", help="users only")

    def handle(self, *args, password, no_reports, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates users with a shared, published password; it runs only with DEBUG on.")
        for username, created in demo_users_create(password=password):
            self.stdout.write(f"{'created' if created else 'kept   '} {username}")
        self.stdout.write(f"Demo password for every user above: {password}")
        if not no_reports:
            count = demo_reports_create(today=timezone.localdate(), dfa=User.objects.get(username="dfa"))
            self.stdout.write(f"demo reports: {count} accepted" if count else "demo reports: already there")
