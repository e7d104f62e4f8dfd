"""Difficulties and proposals (closing paragraph of the plan): agencies raise them with the DFA, the DFA responds.

Thin views: who may see what lives in permissions, every write in services.
"""
import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from agencies.forms import pasted_controls_notice
from agencies.models import Agency
from agencies.parsing import parse_id
from reporting.cycle import services
from reporting.difficulties import services as difficulty_services
from reporting.difficulties.forms import DifficultyForm, DifficultyResponseForm
from reporting.models import Difficulty, DifficultyKind, DifficultyStatus
from reporting.permissions import (
    difficulties_visible_to,
    difficulty_for,
    difficulty_to_respond,
    may_respond,
    readers_or_staff_only,
    staff_required,
)
from tasks.models import Task
from tasks.selectors import plan_current

PAGE_SIZE = 50


class DifficultyFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DifficultyStatus.choices, label=gettext_lazy("Status"))
    agency = django_filters.ModelChoiceFilter(queryset=Agency.objects.order_by("kind", "sort_key"),
                                              label=gettext_lazy("Agency"))
    task = django_filters.ModelChoiceFilter(queryset=Task.objects.order_by("-plan__issued_on", "sort_key"),
                                            label=gettext_lazy("Task"))
    kind = django_filters.ChoiceFilter(choices=DifficultyKind.choices, label=gettext_lazy("Kind"))

    class Meta:
        model = Difficulty
        fields = ["status", "agency", "task", "kind"]


@require_safe
@readers_or_staff_only
def difficulty_list(request):
    """The DFA's list of every difficulty (filterable by status, agency and task); an agency's own for its staff."""
    user = request.user
    queryset = (
        difficulties_visible_to(user)
        .select_related("agency", "task")
        .annotate(n_responses=Count("responses"))
        .order_by("-raised_at", "-pk")
    )
    difficulty_filter = DifficultyFilter(request.GET or None, queryset=queryset)
    page = Paginator(difficulty_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reporting/difficulty_list.html",
        {"filter": difficulty_filter, "page_obj": page, "difficulties": page.object_list,
         "can_raise": user.is_agency_staff, "show_agency_filter": user.can_read_everything},
    )


def _tasks_of(agency, plan):
    if plan is None:
        return Task.objects.none()
    return Task.objects.filter(assignments__agency=agency, plan=plan).distinct().order_by("sort_key")


@require_http_methods(["GET", "POST"])
@staff_required
def difficulty_create(request):
    """Agency staff raise a difficulty or proposal about one of their agency's tasks."""
    user = request.user
    plan = plan_current()
    tasks = _tasks_of(user.agency, plan)
    if request.method == "POST":
        form = DifficultyForm(request.POST, tasks=tasks)
        if form.is_valid():
            data = form.cleaned_data
            period = plan.periods.filter(year=timezone.localdate().year).first()
            try:
                difficulty = difficulty_services.difficulty_raise(
                    agency=user.agency, task=data["task"], kind=data["kind"], title=data["title"], text=data["text"],
                    user=user, period=period, token=data["token"],
                )
            except services.ReportingError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request,
                                 _("Your difficulty or proposal was sent to the Department of Foreign Affairs."))
                if notice := pasted_controls_notice([form]):
                    messages.warning(request, notice)
                return redirect("difficulty_detail", pk=difficulty.pk)
    else:
        task_id = parse_id(request.GET.get("task"))
        form = DifficultyForm(initial={"task": task_id} if task_id else {}, tasks=tasks)
    return render(request, "reporting/difficulty_form.html", {"form": form, "plan": plan})


@require_http_methods(["GET", "POST"])
@login_required
def difficulty_detail(request, pk):
    """The difficulty with the DFA's responses; DFA officers answer it here and set its status."""
    form = None
    if request.method == "POST":
        difficulty = difficulty_to_respond(request.user, pk)
        form = DifficultyResponseForm(request.POST)
        if form.is_valid():
            try:
                difficulty_services.difficulty_respond(
                    difficulty=difficulty, user=request.user, text=form.cleaned_data["text"],
                    status=form.cleaned_data["status"]
                )
            except services.ReportingError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Your response was saved and the status updated."))
                if notice := pasted_controls_notice([form]):
                    messages.warning(request, notice)
                return redirect("difficulty_detail", pk=difficulty.pk)
    else:
        difficulty = difficulty_for(request.user, pk)
        if may_respond(request.user):
            form = DifficultyResponseForm(initial={"status": difficulty.status})
    responses = difficulty.responses.select_related("author").order_by("at", "id")
    return render(
        request,
        "reporting/difficulty_detail.html",
        {"difficulty": difficulty, "responses": responses, "form": form},
    )
