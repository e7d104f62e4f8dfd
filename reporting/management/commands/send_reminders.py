import datetime
import json

from django.core.management.base import BaseCommand

from reporting.delivery.reminders import reminders_send_due


class Command(BaseCommand):
    help = "Send the reminders due on a day, each exactly once. Ends with one JSON line of counts."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None,
                            help="YYYY-MM-DD (default: today)")
        parser.add_argument("--dry-run", action="store_true", help="print what would be sent; send and record nothing")

    def handle(self, *args, today, dry_run, **options):
        from django.utils import timezone

        result = reminders_send_due(today=today or timezone.localdate(), dry_run=dry_run, out=self.stdout)
        self.stdout.write(json.dumps({key: result[key] for key in ("date", "sent", "skipped", "failed")}))
