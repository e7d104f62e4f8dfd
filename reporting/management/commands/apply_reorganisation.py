from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agencies.sheets import FILE_MAX_BYTES, ImportFileError
from reporting.cycle.reorganisation import reorganisation_file_apply
from tasks.models import DraftHandling
from tasks.reorganisation import reorganisation_read


class Command(BaseCommand):
    help = ("Apply a reorganisation of the province's bodies from a CSV or XLSX file (README, 'Reorganisations'): "
            "create, rename, merge, split, abolish, from one effective date, in one transaction. Applying the same "
            "file again changes nothing. Exits with status 1 when a row has an error, or when the effective date is "
            "still ahead (the reorganisation is then kept, to be applied from that day; --dry-run previews it).")

    def add_arguments(self, parser):
        parser.add_argument("--file", required=True, help="the CSV or XLSX file")
        parser.add_argument("--dry-run", action="store_true", help="check the file and say what would happen")
        parser.add_argument("--drafts", choices=[c.value for c in DraftHandling], default=DraftHandling.MOVE,
                            help="open drafts of the bodies that end: move their text to the successor, or close "
                                 "them with a note (default: move)")
        parser.add_argument("--title", default="", help="the reorganisation's title (default: the file's 'Căn cứ')")

    def handle(self, *args, file, dry_run, drafts, title, **options):
        try:
            with Path(file).open("rb") as handle:
                parsed = reorganisation_read(data=handle.read(FILE_MAX_BYTES + 1))
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from None
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        reorganisation, result = reorganisation_file_apply(parsed=parsed, title=title, drafts=drafts,
                                                           dry_run=dry_run)
        for row in result.rows:
            change = row.change
            self.stdout.write(f"line {row.line}: {row.status} {change.action} {change.code} "
                              f"{' '.join(row.messages)}".rstrip())
        if parsed.error:
            self.stderr.write(parsed.error)
        if result.has_errors or parsed.error:
            raise CommandError("nothing applied: correct the rows with errors and run again")
        for line in result.lines():
            self.stdout.write(line)
        if result.not_yet:
            if not dry_run:
                raise CommandError(result.not_yet)
            self.stderr.write(result.not_yet)
        verb = "would change" if dry_run else "changed"
        if not result.changes_anything:
            self.stdout.write(f"{reorganisation}: already in effect, nothing {verb}")
        else:
            self.stdout.write(f"{reorganisation}: {verb}" + ("; dry run, nothing written" if dry_run else ""))
