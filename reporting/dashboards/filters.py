import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from agencies.forms import bootstrap_classes
from agencies.models import Agency, AgencyKind
from agencies.parsing import SEARCH_MAX_CHARS, SEARCH_MAX_WORDS, search_words
from reporting.dashboards.metrics import METRICS, agency_named
from reporting.models import Report, ReportStatus
from tasks.models import AssignmentRole, Task

STATUS_CHOICES = [
    ("missing", _("Not submitted")),
    (ReportStatus.SUBMITTED, _("Waiting for review")),
    (ReportStatus.RETURNED, _("Returned for changes")),
    (ReportStatus.ACCEPTED, _("Accepted")),
]
# each status of the filter is one figure of reporting.dashboards.metrics (the values are in bookmarked addresses)
STATUS_METRICS = {"missing": "missing", ReportStatus.SUBMITTED: "waiting", ReportStatus.RETURNED: "returned",
                  ReportStatus.ACCEPTED: "accepted"}
SORTS = {
    "agency": ("agency__sort_key",), "-agency": ("-agency__sort_key",),
    "submitted": ("submitted_at", "agency__sort_key"), "-submitted": ("-submitted_at", "agency__sort_key"),
    # days late follow the first submission (reporting.dashboards.metrics): the latest first submission is the most
    # days late
    "late": (F("first_submitted_at").asc(nulls_first=True), "agency__sort_key"),
    "-late": (F("first_submitted_at").desc(nulls_last=True), "agency__sort_key"),
    "status": ("status", "agency__sort_key"), "-status": ("-status", "agency__sort_key"),
}


OPTION, SELECTED = '<option value="{}">{}</option>', '<option value="{}" selected>{}</option>'


class CompactSelect(forms.Select):
    """A plain <select> written in Python: Django renders every option through its own template, which made the
    dashboard's filter form (a task list of some fifty options) a large share of the page's time (bench/LOAD.md,
    bench/bench_dashboards.py). Same markup as forms.Select for flat choices."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join("", "{}", (
            (format_html(SELECTED if option["selected"] else OPTION, option["value"], option["label"]),)
            for _group, group_options, _index in widget["optgroups"] for option in group_options
        ))
        return format_html("<select name=\"{}\"{}>{}</select>", widget["name"], flatatt(widget["attrs"]), options)


class AgencyReportFilter(django_filters.FilterSet):
    """The DFA's table of agencies for one period: kind, status, late, lead of a task, and accent-insensitive search."""

    q = django_filters.CharFilter(label=_("Search"), method="search", widget=forms.TextInput(
        attrs={"placeholder": _("e.g. ngoai vu"), "maxlength": SEARCH_MAX_CHARS}))
    kind = django_filters.ChoiceFilter(label=_("Kind"), field_name="agency__kind", choices=AgencyKind.choices,
                                       widget=CompactSelect)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=STATUS_CHOICES, method="by_status",
                                         widget=CompactSelect)
    late = django_filters.BooleanFilter(label=_("Late"), method="by_late",
                                        widget=CompactSelect(choices=[("", "---------"), ("true", _("Yes")),
                                                                      ("false", _("No"))]))
    lead_of = django_filters.ModelChoiceFilter(label=_("Lead of task"), queryset=Task.objects.order_by("sort_key"),
                                               method="by_lead", widget=CompactSelect)
    sort = django_filters.ChoiceFilter(label=_("Sort by"), method="by_sort", empty_label=None,
                                       widget=CompactSelect, choices=[
        ("agency", _("Agency")), ("-submitted", _("Latest submission")), ("submitted", _("Earliest submission")),
        ("-late", _("Most days late")), ("status", _("Status"))])

    class Meta:
        model = Report
        fields: list[str] = []

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is not None:  # the tasks of the plan on the dashboard, not of every plan
            self.filters["lead_of"].queryset = Task.objects.filter(plan=plan).order_by("sort_key")
            self.form.fields["lead_of"].queryset = self.filters["lead_of"].queryset
        self.search_note = ""
        bootstrap_classes(self.form.fields)

    def search(self, queryset, name, value):
        if search_words(value).shortened:
            self.search_note = _("Only the first %(words)d words (%(chars)d characters) of your search were used.") % {
                "words": SEARCH_MAX_WORDS, "chars": SEARCH_MAX_CHARS}
        return queryset.filter(agency__in=Agency.objects.search(value))

    def by_status(self, queryset, name, value):
        return queryset.filter(METRICS[STATUS_METRICS[value]])

    def by_late(self, queryset, name, value):
        return queryset.filter(METRICS["late"]) if value else queryset.filter(METRICS["on_time"])

    def by_lead(self, queryset, name, value):
        return queryset.filter(agency__assignments__task=value,
                               agency__assignments__role=AssignmentRole.LEAD).distinct()

    def by_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["agency"]))


def agency_choice_label(agency: Agency, today: datetime.date) -> str:
    """An agency as the across-years page offers it: a body that has ended is marked so, with its last day."""
    if agency.exists_on(today) or (agency.exists_from is not None and agency.exists_from > today):
        return str(agency)  # exists (or is about to): agencies.models.existed_on_q
    if agency.exists_until is not None:
        return _("%(name)s (ended, last day %(day)s)") % {"name": agency,
                                                          "day": agency.exists_until.strftime("%d/%m/%Y")}
    return _("%(name)s (ended)") % {"name": agency}


class AgencyLineForm(forms.Form):
    """The across-years page's choice of one agency whose line to show, by code (the address is bookmarked and
    exported), and whether its line follows the bodies it succeeds (agencies.models.Agency.lineage)."""

    agency = forms.CharField(label=_("The line of one agency"), required=False,
                             widget=CompactSelect(attrs={"class": "form-select form-select-sm"}))
    lineage = forms.BooleanField(label=_("with the earlier years of the bodies it succeeds"), required=False,
                                 widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    def __init__(self, data, *, agencies):
        """`agencies`: the ones that may be chosen (reporting.dashboards.metrics.agencies_with_a_line), read once."""
        super().__init__(data)
        agencies, today = list(agencies), timezone.localdate()
        self.agencies = agencies
        self.fields["agency"].widget.choices = [("", "---------")] + [
            (agency.code, agency_choice_label(agency, today)) for agency in agencies]

    def clean_agency(self) -> Agency | None:
        code = self.cleaned_data["agency"]
        if not code:
            return None
        agency = agency_named(self.agencies, code)
        if agency is None:
            raise ValidationError(_("No agency with the code “%(code)s” has reports in this plan."),
                                  params={"code": Truncator(code).chars(40)})
        return agency

    def chosen(self) -> tuple[Agency | None, bool]:
        """The agency chosen (None: none, or a code that is not offered) and whether to follow its line."""
        if not self.is_valid():
            return None, False
        return self.cleaned_data["agency"], self.cleaned_data["lineage"]
