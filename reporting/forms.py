import uuid

from django import forms
from django.forms.renderers import Jinja2
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.fields import CleanTextFormField
from tasks.models import Task

from .models import Difficulty, DifficultyKind, DifficultyStatus, ReportSection

TEXT_LIMIT = 20000  # characters per text field: several pages, far beyond any real section


def _limited_text(label, required=False, rows=4):
    return CleanTextFormField(
        label=label,
        required=required,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"max_length": _("At most %(limit_value)d characters (you typed %(show_value)d).")},
    )


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

    default_renderer = FAST_RENDERER

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap_classes(self.fields)

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f'{widget.attrs.get("class", "")} is-invalid'.strip()


class ReportForm(BootstrapFields, forms.Form):
    summary = _limited_text(_("Overall assessment"), rows=4)
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    anchor = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)


class SectionForm(BootstrapFields, forms.ModelForm):
    results = _limited_text(_("Results achieved"), rows=5)
    difficulties = _limited_text(_("Difficulties"), rows=3)
    proposals = _limited_text(_("Proposals"), rows=3)

    class Meta:
        model = ReportSection
        fields = ["progress", "results", "difficulties", "proposals"]


class FigureForm(BootstrapFields, forms.Form):
    label = CleanTextFormField(label=_("Indicator"), max_length=200, required=False,
                            widget=forms.TextInput(attrs={"placeholder": _("e.g. events held")}))
    value = forms.DecimalField(label=_("Value"), max_digits=18, decimal_places=2, required=False, localize=True)
    unit = CleanTextFormField(label=_("Unit"), max_length=50, required=False,
                           widget=forms.TextInput(attrs={"placeholder": _("e.g. events, USD million")}))

    def clean(self):
        data = super().clean()
        if data.get("label") and data.get("value") is None:
            self.add_error("value", _("Give a value for this indicator, or clear the row."))
        if data.get("value") is not None and not data.get("label"):
            self.add_error("label", _("Name the indicator this value measures."))
        return data

    def as_row(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("label"):
            return None
        return {"label": data["label"], "value": data["value"], "unit": data.get("unit", "")}


FigureFormSet = forms.formset_factory(FigureForm, extra=2, max_num=30, validate_max=True, renderer=FAST_RENDERER)


def figure_initial(section: ReportSection) -> list[dict]:
    return [{"label": f.label, "value": f.value, "unit": f.unit} for f in section.figures.all()]


def pasted_controls_notice(forms_) -> str:
    """A note naming the fields from which invisible characters pasted from another program were dropped (the text
    was saved without them, agencies/text.py), or "" when nothing was dropped. Read after the forms were cleaned."""
    labels = dict.fromkeys(
        str(field.label) for form in forms_ for field in form.fields.values() if getattr(field, "dropped_controls", False)
    )
    if not labels:
        return ""
    return gettext("Some invisible control characters pasted from another program were removed from: %(fields)s.") % {
        "fields": ", ".join(labels)}


class ReviewForm(forms.Form):
    comment = _limited_text(_("Comment to the agency"), rows=3)


class ReopenForm(forms.Form):
    reason = _limited_text(_("Reason for reopening"), required=True, rows=2)


class DifficultyForm(forms.ModelForm):
    text = _limited_text(_("Description"), required=True, rows=6)
    # a new one with every empty form; the same one when the form is sent twice (reporting.services.difficulty_raise)
    token = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)

    class Meta:
        model = Difficulty
        fields = ["kind", "task", "title", "text"]

    def __init__(self, *args, tasks=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].queryset = tasks if tasks is not None else Task.objects.none()
        self.fields["kind"].choices = DifficultyKind.choices


class DifficultyResponseForm(forms.Form):
    text = _limited_text(_("Response"), required=True, rows=4)
    status = forms.ChoiceField(label=_("New status"), choices=DifficultyStatus.choices)
