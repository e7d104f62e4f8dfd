"""Text fields that store Vietnamese in NFC.

Text typed on some keyboards (and pasted from some PDFs) arrives decomposed (NFD): "ộ" as "o" plus two combining
marks. Stored that way it would not match searches, sort oddly and break exact comparisons, so every text field
normalises on the way in, whatever path the value took (forms, admin, services, the ORM).
"""
import unicodedata

from django.db import models


def nfc(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    return value


class NFCMixin:
    def to_python(self, value):
        return nfc(super().to_python(value))

    def get_prep_value(self, value):
        return nfc(super().get_prep_value(value))

    def pre_save(self, model_instance, add):
        value = nfc(super().pre_save(model_instance, add))
        setattr(model_instance, self.attname, value)
        return value


class NFCCharField(NFCMixin, models.CharField):
    pass


class NFCTextField(NFCMixin, models.TextField):
    pass


def fold(value: str) -> str:
    """Lower-case ASCII for accent-insensitive search: "Sở Ngoại vụ" → "so ngoai vu" (đ → d)."""
    value = unicodedata.normalize("NFD", (value or "").replace("Đ", "D").replace("đ", "d"))
    return " ".join("".join(c for c in value if unicodedata.category(c) != "Mn").lower().split())
