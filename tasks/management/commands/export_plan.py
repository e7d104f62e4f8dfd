import json

from django.core.management.base import BaseCommand, CommandError

from tasks.models import Plan
from tasks.services import plan_export


class Command(BaseCommand):
    help = "Print a plan, its items and who is assigned them, as JSON on stdout."

    def add_arguments(self, parser):
        parser.add_argument("--plan", default=None,
                            help="plan number, e.g. 119/KH-UBND (default: the only or latest plan)")

    def handle(self, *args, plan, **options):
        plans = Plan.objects.all()
        chosen = plans.filter(number=plan).first() if plan else plans.first()
        if chosen is None:
            raise CommandError(
                f"No plan {plan!r}. Run load_plan first." if plan else "No plan loaded. Run load_plan first."
            )
        self.stdout.write(json.dumps(plan_export(plan=chosen), ensure_ascii=False, indent=2))
