"""Text fields that store text as the app keeps it (agencies/text.py): in NFC, without invisible control characters.

Text typed on some keyboards (and pasted from some PDFs) arrives decomposed (NFD): "ộ" as "o" plus two combining
marks. Stored that way it would not match searches, sort oddly and break exact comparisons; text pasted from Word
or a PDF brings control characters that break every document made from it. So every text field cleans on the way in,
whatever path the value took (forms, admin, services, the ORM), and its form field says whether it dropped something.
"""
import unicodedata

from django import forms
from django.db import models

from .text import clean_text


def _clean(value):
    if isinstance(value, str):
        return clean_text(value)[0]
    return value


class CleanTextFormField(forms.CharField):
    """A form's text field that cleans what was typed (agencies/text.py) and remembers whether it dropped invisible
    characters, so that the page can tell the person (``dropped_controls``, reset on each clean)."""

    dropped_controls = False

    def to_python(self, value):
        self.dropped_controls = False
        if isinstance(value, str):
            value, self.dropped_controls = clean_text(value)
        return super().to_python(value)


class NFCMixin:
    def to_python(self, value):
        return _clean(super().to_python(value))

    def get_prep_value(self, value):
        return _clean(super().get_prep_value(value))

    def pre_save(self, model_instance, add):
        value = _clean(super().pre_save(model_instance, add))
        setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": CleanTextFormField, **kwargs})


# the mixin's formfield(**kwargs) is looser than the stubs' signature, which it passes on unchanged
class NFCCharField(NFCMixin, models.CharField):  # type: ignore[misc]
    pass


class NFCTextField(NFCMixin, models.TextField):  # type: ignore[misc]
    pass


def fold(value: str) -> str:
    """Lower-case ASCII for accent-insensitive search: "Sở Ngoại vụ" → "so ngoai vu" (đ → d)."""
    value = unicodedata.normalize("NFD", (value or "").replace("Đ", "D").replace("đ", "d"))
    return " ".join("".join(c for c in value if unicodedata.category(c) != "Mn").lower().split())


# Vietnamese alphabetical order (f, j, w, z, for foreign names, where the Latin alphabet puts them)
_LETTERS = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()
_LETTER_CODES = {unicodedata.normalize("NFD", letter): f"{20 + i:02d}" for i, letter in enumerate(_LETTERS)}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: they make other letters (ă, â, ơ …)
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}  # huyền, hỏi, ngã, sắc, nặng
_SEPARATOR = " "


def vi_sort_key(value: str) -> str:
    """An ASCII key that sorts Vietnamese names in dictionary order on any database, e.g. for "ORDER BY".

    Letters compare first, in the Vietnamese alphabet (a < ă < â < b … d < đ < e … o < ô < ơ … u < ư), so that
    "Đông Sơn" comes after "Cẩm Thủy" and before "Hà Trung", not after "Yên Định" as in code-point order; then the
    tones, letter by letter: no mark < huyền < hỏi < ngã < sắc < nặng (Hoàng Phê's dictionary). Case is ignored,
    digits come before letters, and any run of spaces or punctuation counts as one separator, which sorts first.
    """
    chars: list[list[str]] = []  # [letter (NFD, with its letter marks), tone]
    for char in unicodedata.normalize("NFD", (value or "").lower()):
        after_letter = bool(chars) and chars[-1][0] != _SEPARATOR
        if char in _TONES and after_letter:
            chars[-1][1] = _TONES[char]
        elif char in _LETTER_MARKS and after_letter:
            chars[-1][0] += char
        elif char in _TONES or char in _LETTER_MARKS:
            continue
        elif char.isalnum():
            chars.append([char, "0"])
        elif unicodedata.category(char) != "Mn" and chars and chars[-1][0] != _SEPARATOR:
            chars.append([_SEPARATOR, "0"])  # other accents (of foreign names) are ignored
    while chars and chars[-1][0] == _SEPARATOR:
        chars.pop()
    return "".join(_letter_code(letter) for letter, _tone in chars) + " " + "".join(tone for _letter, tone in chars)


def _letter_code(letter: str) -> str:
    """Two digits per letter of vi_sort_key: separators first, then digits, then the Vietnamese alphabet."""
    if letter == _SEPARATOR:
        return "00"
    if letter.isdecimal():
        return f"{10 + int(letter):02d}"
    return _LETTER_CODES.get(letter) or _LETTER_CODES.get(letter[0], "99")
