"""Forms of the agency's report and of the DFA's review."""
from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.fields import CleanTextFormField
from agencies.forms import FAST_RENDERER, BootstrapFields, NumberTextInput, limited_text
from reporting.models import ReportSection


class ReportForm(BootstrapFields, forms.Form):
    summary = limited_text(_("Overall assessment"), rows=4)
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    anchor = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)


class SubmitForm(forms.Form):
    """The confirmation of a submission: the version of the report the agency saw when it confirmed."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class SectionForm(BootstrapFields, forms.ModelForm):
    results = limited_text(_("Results achieved"), rows=5)
    difficulties = limited_text(_("Difficulties"), rows=3)
    proposals = limited_text(_("Proposals"), rows=3)

    class Meta:
        model = ReportSection
        fields = ["progress", "results", "difficulties", "proposals"]


class FigureForm(BootstrapFields, forms.Form):
    label = CleanTextFormField(label=_("Indicator"), max_length=200, required=False,
                            widget=forms.TextInput(attrs={"placeholder": _("e.g. events held")}))
    value = forms.DecimalField(label=_("Value"), max_digits=18, decimal_places=2, required=False, localize=True,
                               widget=NumberTextInput)
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


# django-stubs 5.2 does not know formset_factory's renderer argument (Django 4.0+)
FigureFormSet = forms.formset_factory(  # type: ignore[call-arg]
    FigureForm, extra=2, max_num=30, validate_max=True, renderer=FAST_RENDERER)


def figure_initial(section: ReportSection) -> list[dict]:
    return [{"label": f.label, "value": f.value, "unit": f.unit} for f in section.figures.all()]


class ReviewForm(forms.Form):
    comment = limited_text(_("Comment to the agency"), rows=3)


class ReopenForm(forms.Form):
    reason = limited_text(_("Reason for reopening"), required=True, rows=2)
