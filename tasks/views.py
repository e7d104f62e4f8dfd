from itertools import groupby

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from .filters import TaskFilter
from .models import AssignmentRole, AssignmentSource, Plan, Task
from .selectors import plan_current, plan_tasks, task_assignments


def _plan_or_404(pk: int | None) -> Plan:
    plan = get_object_or_404(Plan.objects.select_related("issuer"), pk=pk) if pk else plan_current()
    if plan is None:
        raise Http404("No plan loaded")
    return plan


@require_safe
@login_required
def plan_detail(request, pk=None):
    """Section II of the plan: every task group and task with its lead and co-operating agencies."""
    plan = _plan_or_404(pk)
    task_filter = TaskFilter(request.GET or None, queryset=Task.objects.all())
    tasks = plan_tasks(plan=plan, queryset=task_filter.qs)
    groups = [(group, list(items)) for group, items in groupby(tasks, key=lambda t: t.group)]
    return render(
        request,
        "tasks/plan_detail.html",
        {"plan": plan, "groups": groups, "filter": task_filter, "sections": plan.sections.all(),
         "rules": plan.deadline_rules.all(), "LEAD": AssignmentRole.LEAD},
    )


@require_safe
@login_required
def task_detail(request, pk):
    task = get_object_or_404(Task.objects.select_related("plan", "group", "parent"), pk=pk)
    assignments = list(task_assignments(task=task))
    return render(
        request,
        "tasks/task_detail.html",
        {
            "task": task,
            "children": task.children.order_by("sort_key"),
            "named": [a for a in assignments if a.source != AssignmentSource.ALL_AGENCIES],
            "group_members": [a for a in assignments if a.source == AssignmentSource.ALL_AGENCIES],
            "LEAD": AssignmentRole.LEAD,
        },
    )
