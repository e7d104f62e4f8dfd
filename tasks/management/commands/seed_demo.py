from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tasks.demo import DEMO_PASSWORD, demo_users_create


class Command(BaseCommand):
    help = "Create the demo users listed in the README (only with DEBUG on). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args, password, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates users with a shared, published password; it runs only with DEBUG on.")
        for username, created in demo_users_create(password=password):
            self.stdout.write(f"{'created' if created else 'kept   '} {username}")
        self.stdout.write(f"Demo password for every user above: {password}")
