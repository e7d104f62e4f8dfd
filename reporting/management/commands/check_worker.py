import json

from celery.exceptions import TimeoutError as CeleryTimeout
from django.core.management.base import BaseCommand, CommandError

from reporting.delivery.tasks import worker_health


class Command(BaseCommand):
    help = "Send a task through the broker and wait for a worker to answer (checks broker, worker and database)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=15.0)

    def handle(self, *args, timeout, **options):
        try:
            result = worker_health.delay().get(timeout=timeout)
        except CeleryTimeout:
            raise CommandError(
                f"No worker answered within {timeout:g} s. Is `celery -A plan119 worker` running?"
            ) from None
        self.stdout.write(json.dumps({"worker": "ok", **result}))
