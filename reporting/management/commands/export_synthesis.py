from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reporting.models import Synthesis
from reporting.synthesis.documents import synthesis_docx, synthesis_xlsx


class Command(BaseCommand):
    help = "Write a year's provincial synthesis as DOCX (Decree 30/2020 layout) or XLSX."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--format", choices=["docx", "xlsx"], required=True)
        parser.add_argument("-o", "--output", required=True, help="file to write")

    def handle(self, *args, year, format, output, **options):
        synthesis = (Synthesis.objects.filter(period__year=year, built_at__isnull=False)
                     .order_by("-period__plan__issued_on").first())
        if synthesis is None:
            raise CommandError(f"No synthesis built for {year}: run `build_synthesis --year {year}` first.")
        if format == "docx":
            signed_on = timezone.localtime(synthesis.finalised_at or synthesis.built_at).date()
            body = synthesis_docx(synthesis.content, synthesis.narrative(), doc_number=synthesis.doc_number,
                                  signed_on=signed_on)
        else:
            body = synthesis_xlsx(synthesis.content, synthesis.narrative())
        Path(output).write_bytes(body)
        self.stdout.write(f"wrote {output} ({len(body)} bytes)")
