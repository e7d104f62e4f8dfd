"""Reading a CSV or XLSX file that an admin uploads (the staff import, agencies/people.py; a reorganisation,
tasks/reorganisation.py): one reader for every file, since every file is attacker input.

At most FILE_MAX_BYTES and ROWS_MAX rows; an XLSX is judged from its zip directory before it is opened (at most
UNPACKED_MAX_BYTES unpacked, PARTS_MAX parts) and read by openpyxl through defusedxml; a CSV is read as UTF-8 (with or
without the byte-order mark Excel writes), UTF-16 with a byte-order mark (Excel's "Unicode text") or else
Windows-1258 (Excel's "CSV" on a Vietnamese Windows), separated by commas, semicolons or tabs. A formula in a cell is
text like any other (never computed). Whatever the file holds, the answer is ImportFileError with a message, never
another exception.
"""
import codecs
import csv
import datetime
import io
import re
import zipfile

from django.utils import translation
from django.utils.translation import gettext as _

from .fields import fold
from .text import clean_text

FILE_MAX_BYTES = 2 * 1024 * 1024  # some 20,000 rows of CSV: a province has a few hundred officials
ROWS_MAX = 5000
UNPACKED_MAX_BYTES = 20 * 1024 * 1024
PARTS_MAX = 200


class ImportFileError(Exception):
    """The file as a whole cannot be read (too large, not a spreadsheet, no header …); the message says why."""


def header_key(text: str) -> str:
    """A column's name compared without accents, case, spaces or punctuation ("Thư điện tử" = "THU_DIEN_TU")."""
    return re.sub(r"[^a-z0-9]", "", fold(clean_text(text)[0]))


def choice_spellings(choices, aliases: dict) -> dict[str, str]:
    """Every accepted spelling of a choice in a cell (header_key): its value, its label in English and Vietnamese,
    and `aliases` (choice → spellings) — role, action, kind of agency alike."""
    names = {}
    for choice in choices:
        spellings = [choice.value, *aliases.get(choice, ())]
        for language in ("en", "vi"):
            with translation.override(language):
                spellings.append(str(choice.label))
        names.update({header_key(spelling): choice.value for spelling in spellings})
    return names


def sheet_records(table: list[list[str]], *, columns: dict[str, tuple], required: tuple):
    """The rows after the first of `table`, as (line number, {column: cleaned text}), empty rows left out. The first
    row names the columns, in any of the spellings `columns` lists (column → names, the README's first); a missing
    `required` column raises ImportFileError naming what is expected."""
    headers = {header_key(name): column for column, names in columns.items() for name in names}
    found: dict[str, int] = {}
    for index, name in enumerate(table[0]):
        column = headers.get(header_key(name))
        if column and column not in found:
            found[column] = index
    missing = [columns[c][0] for c in required if c not in found]
    if missing:
        raise ImportFileError(
            _("The first row must name the columns; missing: %(columns)s. Expected: %(expected)s.") % {
                "columns": ", ".join(missing), "expected": "; ".join(names[0] for names in columns.values())})
    for line, values in enumerate(table[1:], start=2):
        cells = {column: clean_text(values[index])[0].strip() if index < len(values) else ""
                 for column, index in found.items()}
        if any(cells.values()):
            yield line, cells


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1258")
    except UnicodeDecodeError:
        message = _("The file is not text in a known encoding: save it as “CSV UTF-8” or as .xlsx.")
        raise ImportFileError(message) from None


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise ImportFileError(_("The CSV file cannot be read: check that its quotes are closed.")) from None


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # only here: importing openpyxl costs every process that never reads a sheet

    not_a_workbook = _("The file is not an Excel workbook (.xlsx) that can be read: save it again as .xlsx or CSV.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if len(parts) > PARTS_MAX or sum(part.file_size for part in parts) > UNPACKED_MAX_BYTES:
                raise ImportFileError(_("The workbook is too large once unpacked; keep only the list of people in it."))
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        try:
            sheet = workbook.worksheets[0]
            rows = []
            for values in sheet.iter_rows(values_only=True):
                rows.append([_cell(value) for value in values])
                if len(rows) > ROWS_MAX + 1:
                    break
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001 - whatever openpyxl or zipfile trip on, the admin gets a message, not a 500
        raise ImportFileError(not_a_workbook) from None
    return rows


def sheet_table(*, data: bytes) -> list[list[str]]:
    """Every row of a CSV file or of an XLSX file's first sheet, as text (cells not yet cleaned); at least one row.
    Raises ImportFileError with a message for the admin."""
    if not data:
        raise ImportFileError(_("The file is empty."))
    if len(data) > FILE_MAX_BYTES:
        raise ImportFileError(_("The file is larger than %(size)d MB.") % {"size": FILE_MAX_BYTES // (1024 * 1024)})
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_("Old Excel files (.xls) are not read: save the file as .xlsx or CSV."))
    table = _xlsx_rows(data) if data.startswith(b"PK\x03\x04") else _csv_rows(data)
    if not table:
        raise ImportFileError(_("The file is empty."))
    if len(table) > ROWS_MAX + 1:
        raise ImportFileError(_("The file has more than %(rows)d rows; split it.") % {"rows": ROWS_MAX})
    return table
