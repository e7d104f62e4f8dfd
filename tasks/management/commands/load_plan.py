from django.core.management.base import BaseCommand

from tasks.services import BUNDLED_PLAN, plan_load, read_plan_file


class Command(BaseCommand):
    help = "Load the bundled Plan 119/KH-UBND (or another plan file) into the database. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(BUNDLED_PLAN), help="plan JSON file (default: the bundled Plan 119)")

    def handle(self, *args, file, **options):
        report = plan_load(data=read_plan_file(file))
        for line in report.lines():
            self.stdout.write(line)
