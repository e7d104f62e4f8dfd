import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from reporting.services import periods_recompute_all, reports_open_due


class Command(BaseCommand):
    help = "Create each plan year's reporting period (dates from the deadline rules) and the reports of periods that have opened."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")

    def handle(self, *args, today, **options):
        periods_recompute_all()
        created = reports_open_due(today=today or timezone.localdate())
        self.stdout.write(f"{created} reports created")
