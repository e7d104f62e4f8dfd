"""Reads that feed the plan pages."""
from django.db.models import Prefetch

from .models import Assignment, AssignmentSource, Indicator, Plan, Task


def plan_current() -> Plan | None:
    """The plan shown by default: the most recently issued one."""
    return Plan.objects.select_related("issuer").first()


def plan_tasks(*, plan: Plan, queryset=None):
    """Tasks of a plan with their group and named assignments, in plan order, in a fixed number of queries."""
    named = Assignment.objects.exclude(source=AssignmentSource.ALL_AGENCIES).select_related("agency").order_by(
        "role", "agency__sort_key"
    )
    queryset = queryset if queryset is not None else Task.objects.all()
    return (
        queryset.filter(plan=plan)
        .select_related("group", "parent")
        .prefetch_related(Prefetch("assignments", queryset=named, to_attr="named_assignments"))
        .order_by("sort_key")
    )


def task_assignments(*, task: Task):
    return task.assignments.select_related("agency").order_by("role", "-source", "agency__kind", "agency__sort_key")


def indicators_by_task(*, plan: Plan) -> dict[int, list[Indicator]]:
    """The plan's indicators per task id, in catalogue order (two queries). Whether one is asked of a given agency's
    section is `Indicator.asked_of`."""
    by_task: dict[int, list[Indicator]] = {}
    for indicator in plan.indicators.prefetch_related("tasks").order_by("position", "code"):
        for task in indicator.tasks.all():
            by_task.setdefault(task.pk, []).append(indicator)
    return by_task
