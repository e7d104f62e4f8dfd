"""Form helpers every room uses: long text fields with a limit, Bootstrap classes, the note about dropped characters."""
from django import forms
from django.forms.renderers import BaseRenderer, Jinja2
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.fields import CleanTextFormField
from agencies.numbers import format_number

TEXT_LIMIT = 20000  # characters per text field: several pages, far beyond any real section


def limited_text(label, required=False, rows=4):
    return CleanTextFormField(
        label=label,
        required=required,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"max_length": _("At most %(limit_value)d characters (you typed %(show_value)d).")},
    )


class NumberTextInput(forms.TextInput):
    """A number as people write it in the active language, without trailing zeros: "80", "1234,5" (agencies.numbers),
    never "80,00"; what someone typed (bound data, perhaps wrong) is shown back as typed."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, str):
            return value
        return format_number(value, grouping=False) or None


# Django's own widget templates, drawn by Jinja2: the same markup as the default renderer in a fraction of the time
# (the report form draws some 60 widgets). Only for the forms below: the admin's widgets have no Jinja2 templates.
FAST_RENDERER = Jinja2()


def bootstrap_classes(fields) -> None:
    """The Bootstrap 5 class of each visible widget, as crispy-forms would add it."""
    for field in fields.values():
        if not isinstance(field.widget, forms.HiddenInput):
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f'{field.widget.attrs.get("class", "")} {css}'.strip()


class BootstrapFields:
    """Bootstrap 5 classes on the widgets, as crispy-forms adds them, for forms drawn field by field with
    templates/partials/field.html: crispy's own field template was most of the time of a long report form
    (bench/LOAD.md)."""

    default_renderer: BaseRenderer | type[BaseRenderer] | None = FAST_RENDERER

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_classes(self.fields)

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f'{widget.attrs.get("class", "")} is-invalid'.strip()


def pasted_controls_notice(forms_) -> str:
    """A note naming the fields from which invisible characters pasted from another program were dropped (the text
    was saved without them, agencies/text.py), or "" when nothing was dropped. Read after the forms were cleaned."""
    labels = dict.fromkeys(
        str(field.label) for form in forms_ for field in form.fields.values()
        if getattr(field, "dropped_controls", False)
    )
    if not labels:
        return ""
    return gettext("Some invisible control characters pasted from another program were removed from: %(fields)s.") % {
        "fields": ", ".join(labels)}
