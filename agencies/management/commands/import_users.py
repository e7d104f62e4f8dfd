from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from agencies.people import people_import, people_read
from agencies.sheets import FILE_MAX_BYTES, ImportFileError


class Command(BaseCommand):
    help = ("Import agencies' staff from a CSV or XLSX file (columns: Họ và tên / full_name, Thư điện tử / email, "
            "Mã đơn vị / agency_code, Vai trò / role; README, 'People and accounts'). Every new person is created and "
            "invited by e-mail, in one transaction, unless a row has an error; people who already have an account are "
            "left as they are. Exits with status 1 when a row has an error.")

    def add_arguments(self, parser):
        parser.add_argument("--file", required=True, help="the CSV or XLSX file")
        parser.add_argument("--dry-run", action="store_true", help="check the file and say what would happen")

    def handle(self, *args, file, dry_run, **options):
        try:
            with Path(file).open("rb") as handle:
                data = handle.read(FILE_MAX_BYTES + 1)
            rows = people_read(name=file, data=data)
        except OSError as error:
            raise CommandError(f"{file}: {error.strerror}") from None
        except ImportFileError as error:
            raise CommandError(str(error)) from None
        result = people_import(rows=rows, apply=not dry_run)
        labels = {"new": "created" if result.applied else "new", "exists": "exists", "error": "ERROR"}
        for row in result.rows:
            self.stdout.write(f"line {row.line}: {labels[row.status]} {row.email} {' '.join(row.messages)}".rstrip())
        if result.error:
            self.stderr.write(result.error)
        self.stdout.write(f"{result.new_count} {labels['new']}, {result.existing_count} existing (unchanged), "
                          f"{result.error_count} with errors" + ("; dry run, nothing written" if dry_run else ""))
        if result.has_errors:
            raise CommandError("nothing imported: correct the rows with errors and run again")
