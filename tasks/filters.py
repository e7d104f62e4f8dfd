import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency

from .models import AssignmentRole, Task


class TaskFilter(django_filters.FilterSet):
    agency = django_filters.ModelChoiceFilter(
        queryset=Agency.objects.active().order_by("kind", "sort_key"), label=_("Agency"), method="filter_assignment"
    )
    role = django_filters.ChoiceFilter(choices=AssignmentRole.choices, label=_("Role"), method="filter_assignment")

    class Meta:
        model = Task
        fields = ["agency", "role"]

    def filter_assignment(self, queryset, name, value):
        return queryset  # applied together in filter_queryset, so that agency and role speak of the same assignment

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        agency, role = self.form.cleaned_data.get("agency"), self.form.cleaned_data.get("role")
        condition = Q()
        if agency:
            condition &= Q(assignments__agency=agency)
        if role:
            condition &= Q(assignments__role=role)
        if condition:
            # a parent item (3.1) stays visible when one of its sub-tasks matches
            matching = Task.objects.filter(condition).values("pk")
            queryset = queryset.filter(Q(pk__in=matching) | Q(children__in=matching)).distinct()
        return queryset
