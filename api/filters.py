"""Filters of the API's lists (django-filter): each one narrows a list the permissions already chose."""
import django_filters
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, AgencyKind
from reporting.dashboards.metrics import COUNTED, METRICS
from reporting.models import Difficulty, DifficultyKind, DifficultyStatus, Report, ReportStatus
from tasks.models import AssignmentRole, Task

METRIC_CHOICES = [(name, name) for name in METRICS]


class AgencyFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=AgencyKind.choices)
    active = django_filters.BooleanFilter()
    q = django_filters.CharFilter(method="search", label=_("Name or code (accents optional)"))

    class Meta:
        model = Agency
        fields = ["kind", "active"]

    def search(self, queryset, name, value):
        return queryset.search(value)


class TaskFilter(django_filters.FilterSet):
    group = django_filters.CharFilter(field_name="group__code", label=_("Task group code"))
    agency = django_filters.CharFilter(field_name="assignments__agency__code", distinct=True,
                                       label=_("Code of an agency assigned the task"))
    role = django_filters.ChoiceFilter(field_name="assignments__role", choices=AssignmentRole.choices, distinct=True)

    class Meta:
        model = Task
        fields = ["group", "agency", "role"]


class ReportFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)
    agency = django_filters.CharFilter(field_name="agency__code", label=_("Agency code"))
    metric = django_filters.ChoiceFilter(choices=METRIC_CHOICES, method="in_metric",
                                         label=_("Only the reports one figure counts (as the dashboard's links)"))

    class Meta:
        model = Report
        fields = ["status", "agency", "expected"]

    def in_metric(self, queryset, name, value):
        # the list is one period's reports already: what counts in it (COUNTED) and in the figure, as metrics says
        return queryset.filter(COUNTED).filter(METRICS[value])


class DifficultyFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DifficultyStatus.choices)
    kind = django_filters.ChoiceFilter(choices=DifficultyKind.choices)
    agency = django_filters.CharFilter(field_name="agency__code", label=_("Agency code"))
    task = django_filters.CharFilter(field_name="task__code", label=_("Task code"))
    year = django_filters.NumberFilter(field_name="period__year", label=_("Year of the reporting period"))

    class Meta:
        model = Difficulty
        fields = ["status", "kind", "agency", "task", "year"]
