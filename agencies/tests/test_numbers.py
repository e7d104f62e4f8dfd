from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from agencies.numbers import NotANumber, format_number, parse_number


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


@pytest.mark.parametrize(("text", "expected"), [
    ("1.234,5", Decimal("1234.5")), ("1234,5", Decimal("1234.5")), ("1 234,5", Decimal("1234.5")),
    ("1\u00a0234", Decimal("1234")), ("1.500", Decimal("1500")), ("７", Decimal("7")), (" 80 ", Decimal("80")),
    ("-3", Decimal("-3")), ("1.234.567", Decimal("1234567")),
])
def test_numbers_as_vietnamese_officials_write_them(text, expected):
    with translation.override("vi"):
        assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["12.5", "1,234.5", "abc", "", "1.2.3", "=1+1", "1e5", "1.23,4", "١٢"])
def test_what_is_ambiguous_or_not_a_number_is_refused_with_an_example(text):
    with translation.override("vi"), pytest.raises(NotANumber, match="1.234,5"):
        parse_number(text)


def test_english_pages_read_english_numbers():
    with translation.override("en"):
        assert parse_number("1,234.5") == Decimal("1234.5")
        with pytest.raises(NotANumber):
            parse_number("1.234,5")
