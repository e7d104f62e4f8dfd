"""Forms of the agency's report and of the DFA's review."""
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agencies.fields import CleanTextFormField
from agencies.forms import FAST_RENDERER, BootstrapFields, bootstrap_classes, limited_text
from agencies.numbers import NotANumber, format_number, parse_number
from reporting.models import ReportSection
from tasks.models import Indicator


class ReportForm(BootstrapFields, forms.Form):
    summary = limited_text(_("Overall assessment"), rows=4)
    next_year = limited_text(_("Plans for next year"), rows=3)
    next_year.help_text = _("What your agency plans to do next year; the DFA gathers it into the synthesis.")
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    anchor = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)


class SectionForm(BootstrapFields, forms.ModelForm):
    results = limited_text(_("Results achieved"), rows=5)
    difficulties = limited_text(_("Difficulties"), rows=3)
    proposals = limited_text(_("Proposals"), rows=3)

    class Meta:
        model = ReportSection
        fields = ["progress", "results", "difficulties", "proposals"]


class IndicatorValueField(forms.CharField):
    """One catalogue indicator, typed as people write numbers (`1.234,5` in Vietnamese); checked by the indicator's
    own rule (`Indicator.check_value`: counts whole and not negative …)."""

    def __init__(self, *, indicator: Indicator, **kwargs):
        self.indicator = indicator
        attrs = {"inputmode": "numeric" if indicator.kind == "count" else "decimal", "autocomplete": "off",
                 "maxlength": self.LONGEST}
        super().__init__(label=indicator.display_name, help_text=indicator.display_unit, required=False,
                         widget=forms.TextInput(attrs=attrs), **kwargs)

    LONGEST = 40

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > self.LONGEST:
            raise ValidationError(_("At most %(limit)d characters.") % {"limit": self.LONGEST})
        try:
            return parse_number(text)
        except NotANumber as error:
            raise ValidationError(str(error)) from None

    def validate(self, value):
        super().validate(value)
        if value is not None:
            self.indicator.check_value(value)


class IndicatorsForm(BootstrapFields, forms.Form):
    """The catalogue indicators asked of one section of a report, one field each (`i<indicator id>`)."""

    def __init__(self, data=None, *, indicators: list[Indicator], values: dict, prefix: str):
        initial = {f"i{i.pk}": format_number(values.get(i.pk)) for i in indicators}
        self.indicators = indicators
        super().__init__(data, initial=initial, prefix=prefix)
        for indicator in indicators:
            self.fields[f"i{indicator.pk}"] = IndicatorValueField(indicator=indicator)
        bootstrap_classes(self.fields)  # BootstrapFields styled the fields of the class; these came after

    def values(self) -> dict:
        """Indicator id → value, None where the field was left empty (a value cleared)."""
        return {indicator.pk: self.cleaned_data.get(f"i{indicator.pk}") for indicator in self.indicators}


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


# django-stubs 5.2 does not know formset_factory's renderer argument (Django 4.0+)
FigureFormSet = forms.formset_factory(  # type: ignore[call-arg]
    FigureForm, extra=2, max_num=30, validate_max=True, renderer=FAST_RENDERER)


def figure_initial(section: ReportSection) -> list[dict]:
    return [{"label": f.label, "value": f.value, "unit": f.unit} for f in section.figures.all()]


class ReviewForm(forms.Form):
    comment = limited_text(_("Comment to the agency"), rows=3)


class ReopenForm(forms.Form):
    reason = limited_text(_("Reason for reopening"), required=True, rows=2)


class DocumentForm(forms.Form):
    """What the agency types on its document before downloading it (reporting.cycle.document): all optional."""

    number = CleanTextFormField(label=_("Document number"), max_length=20, required=False,
                                help_text=_("For example 12 or 12/BC-SCT; leave it blank for the clerk to fill in."))
    signer = CleanTextFormField(label=_("Signed by"), max_length=100, required=False)
    signer_title = CleanTextFormField(
        label=_("Signer's title"), max_length=100, required=False,
        help_text=_("Blank: the head of the agency. A deputy signs on the head's behalf (KT.), anyone else by the "
                    "head's order (TL.)."))
