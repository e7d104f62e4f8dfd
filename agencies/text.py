"""The one rule for text: what the app keeps of what people type, and what it lets out into documents.

Nothing a user types can break a page or a document (DESIGN, quality bars). Text pasted from Word or a PDF brings
invisible control characters (\\x01, \\x1b …) that XML forbids: stored as typed, they made every DOCX and XLSX of the
synthesis fail. So text is cleaned twice by the same rule: on the way in (agencies/fields.py, for every path into the
database) and on the way out (every DOCX, XLSX, CSV, e-mail and iCal), so that rows stored before the rule existed
cannot break a document either.

Kept: letters of every script, newlines, tabs. Normalised: line ends (CR LF, CR, Word's manual line break VT, page
break FF and the Unicode line and paragraph separators become "\\n"), non-breaking spaces (a plain space) and the
Unicode form (NFC: "ộ" typed as "o" and two combining marks is stored as one letter). Dropped: the other control
characters (C0, DEL, C1), the non-characters U+FFFE/U+FFFF, lone surrogates, zero-width spaces and byte-order marks,
and the bidirectional marks and overrides that can make text read differently from what it says.

Spreadsheets: a cell made of user text is always text, never a formula (XLSX) and never read as one (CSV, per the
OWASP guidance on CSV injection); the app's own numbers and dates stay numbers and dates.

Pure Python: every app may import it (it sits at the bottom of the stack, under agencies).
"""
import datetime
import decimal
import re
import unicodedata

__all__ = ["clean_text", "csv_cell", "safe_text", "sheet_cell"]

# Order matters: what is dropped goes first, so that "\r<ctrl>\n" still makes one line break.
_DROPPED = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x9f"  # C0 controls but \t \n \v \f \r, DEL, C1 controls
    "\u200b\u200e\u200f"  # zero-width space, left-to-right and right-to-left marks
    "\u202a-\u202e\u2066-\u2069"  # bidirectional embeddings, overrides and isolates
    "\ufeff\ufffe\uffff"  # byte-order mark (zero-width no-break space), non-characters
    "\ud800-\udfff]"  # lone surrogates (never valid text; JSON can carry them)
)
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\u2028\u2029]")
_NO_BREAK_SPACES = re.compile("[\u00a0\u202f]")


def clean_text(value: str) -> tuple[str, bool]:
    """Text as the app stores it, and whether something invisible was dropped (to tell the person who typed it)."""
    text, dropped = _DROPPED.subn("", value)
    text = _NO_BREAK_SPACES.sub(" ", _LINE_BREAKS.sub("\n", text))
    return unicodedata.normalize("NFC", text), bool(dropped)


def safe_text(value) -> str:
    """Any value as text that every writer accepts (XML of DOCX and XLSX, CSV, e-mail, iCal); None is empty."""
    if value is None:
        return ""
    return clean_text(str(value))[0]


_NUMBERS_AND_DATES = (int, float, decimal.Decimal, datetime.date, datetime.time, datetime.timedelta)


def sheet_cell(sheet, row: int, column: int, value):
    """Write ``value`` to an openpyxl cell and return the cell. Text is cleaned and always stored as text: openpyxl
    reads any string starting with "=" as a formula (and "#N/A" as an error), so a typed `=HYPERLINK(...)` would
    become a live link in the DFA's workbook. Numbers and dates (the app's own figures) are written as they are."""
    cell = sheet.cell(row=row, column=column)
    if value is None or isinstance(value, _NUMBERS_AND_DATES):  # bool is an int
        cell.value = value
    else:
        cell.value = safe_text(value)
        cell.data_type = "s"
    return cell


# OWASP, CSV injection: a cell that begins with one of these may be run as a formula by a spreadsheet program.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A value for ``csv.writer``: text cleaned and, when a spreadsheet could read it as a formula, prefixed with a
    single quote (OWASP), also when spaces come first; numbers stay numbers. Quoting is left to the csv module."""
    if value is None:
        return ""
    if isinstance(value, _NUMBERS_AND_DATES):
        return value
    text = safe_text(value)
    if text.startswith(_FORMULA_STARTS) or text.lstrip().startswith(_FORMULA_STARTS):
        return "'" + text
    return text
