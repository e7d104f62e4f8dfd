from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reporting.cycle.services import ReportingError
from reporting.models import Synthesis
from reporting.synthesis.documents import synthesis_docx, synthesis_xlsx
from reporting.synthesis.review import review_content
from reporting.synthesis.review_documents import review_file
from tasks.selectors import plan_current


class Command(BaseCommand):
    help = ("Write a year's provincial synthesis (--year Y), or the mid-term or final review of a span of the plan's "
            "years (--from Y1 --to Y2), as DOCX (Decree 30/2020 layout) or XLSX.")

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="the year of a provincial synthesis")
        parser.add_argument("--from", type=int, dest="first", help="first year of a review (sơ kết, tổng kết)")
        parser.add_argument("--to", type=int, dest="last", help="last year of a review")
        parser.add_argument("--format", choices=["docx", "xlsx"], required=True)
        parser.add_argument("-o", "--output", required=True, help="file to write")

    def handle(self, *args, year, first, last, format, output, **options):
        if year is not None and (first is not None or last is not None):
            raise CommandError("Give either --year Y or --from Y1 --to Y2, not both.")
        if year is not None:
            body = self._synthesis(year, format)
        elif first is not None and last is not None:
            body = self._review(first, last, format)
        else:
            raise CommandError("Give --year Y for a year's synthesis, or both --from Y1 and --to Y2 for a review.")
        Path(output).write_bytes(body)
        self.stdout.write(f"wrote {output} ({len(body)} bytes)")

    def _synthesis(self, year: int, format: str) -> bytes:
        synthesis = (Synthesis.objects.filter(period__year=year, built_at__isnull=False)
                     .order_by("-period__plan__issued_on").first())
        if synthesis is None:
            raise CommandError(f"No synthesis built for {year}: run `build_synthesis --year {year}` first.")
        if format == "docx":
            signed_on = timezone.localtime(synthesis.finalised_at or synthesis.built_at).date()
            return synthesis_docx(synthesis.content, synthesis.narrative(), doc_number=synthesis.doc_number,
                                  signed_on=signed_on)
        return synthesis_xlsx(synthesis.content, synthesis.narrative())

    def _review(self, first: int, last: int, format: str) -> bytes:
        plan = plan_current()
        if plan is None:
            raise CommandError("No plan is loaded.")
        try:
            content = review_content(plan, first, last)
        except ReportingError as error:
            raise CommandError(str(error)) from error
        return review_file(content, format)
