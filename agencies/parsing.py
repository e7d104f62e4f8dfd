"""Values read from a request (query strings, form fields), parsed in one place for the whole project.

At the bottom of the stack so that every app may use it: agencies → tasks → reporting.
"""
import re

# Both AutoField and BigAutoField accept 1 … 2**31 - 1 on every database we run on (SQLite, PostgreSQL).
ID_MAX = 2**31 - 1
_ASCII_ID = re.compile(r"[0-9]{1,10}")


def parse_id(raw) -> int | None:
    """The id that `raw` spells in ASCII digits, when the database can hold it (1 … ID_MAX); None otherwise.

    Not str.isdigit(): it accepts "²" and "١٢", which int() then refuses or reads as another number; nor int() alone,
    which accepts " 7" and "+7" and numbers too large for the database (OverflowError, a 500).
    """
    if not isinstance(raw, str) or not _ASCII_ID.fullmatch(raw):
        return None
    value = int(raw)
    return value if 1 <= value <= ID_MAX else None
