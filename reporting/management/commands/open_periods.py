import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from reporting.cycle.services import periods_recompute_all, reports_open_due


class Command(BaseCommand):
    help = ("Create each plan year's reporting period (dates from the deadline rules) and the reports of periods "
            "that have opened.")

    def add_arguments(self, parser):
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None,
                            help="YYYY-MM-DD (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="say which periods have opened, change nothing")

    def handle(self, *args, today, dry_run, **options):
        day = today or timezone.localdate()
        if dry_run:
            from reporting.models import PeriodStatus, ReportingPeriod

            opened = (ReportingPeriod.objects.filter(status=PeriodStatus.OPEN, opens_on__lte=day)
                     .values_list("year", flat=True))
            self.stdout.write(f"open for submission on {day}: {sorted(opened)}")
            return
        periods_recompute_all()
        created = reports_open_due(today=day)
        self.stdout.write(f"{created} reports created")
