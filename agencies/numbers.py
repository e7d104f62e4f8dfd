"""One way to write a number for people: `1.234,5` in Vietnamese, `1,234.5` in English, never a trailing `,00`.

Pages (the `number` template filter in agencies/templatetags/numbers.py), forms, documents and e-mails all call
`format_number`; spreadsheets keep real numbers in their cells.
"""
from decimal import Decimal, InvalidOperation

from django.utils import formats


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
