from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from agencies.numbers import format_number


@pytest.mark.parametrize(("value", "vi", "en"), [
    (Decimal("1234.50"), "1.234,5", "1,234.5"),
    (Decimal("80.00"), "80", "80"),
    (10, "10", "10"),
    (Decimal("1234567.25"), "1.234.567,25", "1,234,567.25"),
    (Decimal("-0.5"), "-0,5", "-0.5"),
    (Decimal("1E+3"), "1.000", "1,000"),
    (None, "", ""),
    ("not a number", "", ""),
])
def test_one_number_format_per_language(value, vi, en):
    with translation.override("vi"):
        assert format_number(value) == vi
    with translation.override("en"):
        assert format_number(value) == en


def test_fixed_places_are_rounded_and_the_filter_says_the_same():
    with translation.override("vi"):
        assert format_number(Decimal("12.345"), decimals=1) == "12,3"
        assert Template("{% load numbers %}{{ v|number }} {{ v|number:1 }}").render(
            Context({"v": Decimal("1234.56")})) == "1.234,56 1.234,6"
