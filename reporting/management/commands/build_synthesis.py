import datetime

from django.core.management.base import BaseCommand, CommandError

from reporting.cycle.services import ReportingError
from reporting.models import ReportingPeriod
from reporting.synthesis.build import syntheses_build_due, synthesis_build


class Command(BaseCommand):
    help = "Build the provincial synthesis of one year, or (with --today) every synthesis due for its nightly rebuild."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int)
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None, help="YYYY-MM-DD")
        parser.add_argument("--dry-run", action="store_true", help="say what would be built, build nothing")

    def handle(self, *args, year, today, dry_run, **options):
        if year:
            period = ReportingPeriod.objects.filter(year=year).order_by("-plan__issued_on").first()
            if period is None:
                raise CommandError(f"No reporting period for {year}.")
            if dry_run:
                self.stdout.write(f"would build the {year} synthesis")
                return
            try:
                synthesis = synthesis_build(period=period, today=today)
            except ReportingError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"built the {year} synthesis from {len(synthesis.built_from)} report(s)")
            return
        from django.utils import timezone

        day = today or timezone.localdate()
        if dry_run:
            due = (ReportingPeriod.objects.filter(agency_due__lte=day, synthesis_due__gte=day)
                  .values_list("year", flat=True))
            self.stdout.write(f"would build: {list(due)}")
            return
        self.stdout.write(f"built periods: {syntheses_build_due(today=day)}")
