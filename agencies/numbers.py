"""One way to write a number for people: `1.234,5` in Vietnamese, `1,234.5` in English, never a trailing `,00`.

Pages (the `number` template filter in agencies/templatetags/numbers.py), forms, documents and e-mails all call
`format_number`; spreadsheets keep real numbers in their cells.
"""
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils import formats, translation
from django.utils.translation import gettext as _


def format_number(value, *, decimals: int | None = None, grouping: bool = True) -> str:
    """`value` grouped by thousands in the active language; `decimals` fixes the places (rounded), else as few as
    needed. Without `grouping` (a form's input: "1234,5", what the field reads back), the decimal separator only.

    None and anything that is not a number give "" (a blank cell, not "None").
    """
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    if not number.is_finite():
        return ""
    if decimals is not None:
        number = number.quantize(Decimal(1).scaleb(-decimals))
    elif number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    else:
        number = number.normalize()
    return formats.number_format(number, decimal_pos=decimals, use_l10n=True, force_grouping=grouping)


class NotANumber(ValueError):
    """What a person typed is not a number in the page's language; the message says how to write one."""


def _number_pattern() -> re.Pattern:
    thousands = re.escape(formats.get_format("THOUSAND_SEPARATOR"))
    decimal = re.escape(formats.get_format("DECIMAL_SEPARATOR"))
    return re.compile(rf"[+-]?(?:[0-9]{{1,3}}(?:{thousands}[0-9]{{3}})+|[0-9]+)(?:{decimal}[0-9]+)?")


def format_number_vi(value, *, decimals: int | None = None) -> str:
    """`format_number` in Vietnamese whatever the language of the request: the documents people sign (1.234,5)."""
    with translation.override("vi"):
        return format_number(value, decimals=decimals)


def parse_number(text: str) -> Decimal:
    """A number as people write it in the active language: `1.234,5`, `1234,5` or `1 234,5` in Vietnamese.

    Pasted text is forgiven its spaces (also non-breaking ones) and full-width digits; what is ambiguous
    (`12.5` in Vietnamese, where `.` groups thousands) is refused rather than guessed.
    """
    cleaned = unicodedata.normalize("NFKC", text or "")
    cleaned = re.sub(r"\s", "", cleaned).replace("\u2212", "-")
    if not _number_pattern().fullmatch(cleaned):
        raise NotANumber(_("Write a number like %(example)s.") % {"example": format_number(Decimal("1234.5"))})
    thousands = formats.get_format("THOUSAND_SEPARATOR")
    decimal = formats.get_format("DECIMAL_SEPARATOR")
    return Decimal(cleaned.replace(thousands, "").replace(decimal, "."))
