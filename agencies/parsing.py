"""Values read from a request (query strings, form fields), parsed in one place for the whole project.

At the bottom of the stack so that every app may use it: agencies → tasks → reporting.
"""
import re
from typing import NamedTuple

from .fields import fold

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


# Every search word is one more condition in the query: a pasted page (some 1,100 words) made SQLite refuse it
# ("Expression tree is too large") and PostgreSQL crawl. Agency names are a few words long.
SEARCH_MAX_WORDS = 10
SEARCH_MAX_CHARS = 200


class SearchWords(NamedTuple):
    words: list[str]
    shortened: bool  # some of what was typed was left out: say so to the user


def search_words(text: str) -> SearchWords:
    """The words to look for, accent- and case-folded ("Sở Ngoại vụ" → so, ngoai, vu): at most SEARCH_MAX_WORDS of
    them and SEARCH_MAX_CHARS characters in all, the first ones typed."""
    words, used = [], 0
    all_words = fold(text or "").split()
    for word in all_words[:SEARCH_MAX_WORDS]:
        if used >= SEARCH_MAX_CHARS:
            break
        words.append(word[:SEARCH_MAX_CHARS - used])
        used += len(words[-1])
    return SearchWords(words, sum(map(len, words)) < sum(map(len, all_words)))
