"""`{% load numbers %}{{ value|number }}` — the one number format of pages (agencies.numbers.format_number)."""
from django import template

from agencies.numbers import format_number

register = template.Library()


@register.filter
def number(value, decimals=None):
    return format_number(value, decimals=int(decimals) if decimals not in (None, "") else None)
