from django.core.management.base import BaseCommand

from plan119.folders import folders_create


class Command(BaseCommand):
    help = "Create the folders the settings name (SQLite database, embedded broker, e-mail files, uploads)."

    def handle(self, *args, **options):
        for folder in folders_create():
            self.stdout.write(f"created {folder}")
