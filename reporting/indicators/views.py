"""The indicator catalogue (chỉ tiêu) of the current plan: everyone signed in reads it, the DFA edits it."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from reporting.indicators.forms import IndicatorForm
from reporting.permissions import dfa_required
from tasks.models import Indicator
from tasks.selectors import plan_current
from tasks.services import indicator_save


def _plan():
    plan = plan_current()
    if plan is None:
        raise Http404("No plan loaded")
    return plan


@require_safe
@login_required
def indicator_list(request):
    plan = _plan()
    indicators = plan.indicators.prefetch_related("tasks").order_by("position", "code")
    return render(request, "reporting/indicator_list.html", {"plan": plan, "indicators": indicators})


@require_http_methods(["GET", "POST"])
@dfa_required
def indicator_edit(request, pk=None):
    if pk:
        indicator = get_object_or_404(Indicator.objects.select_related("plan"), pk=pk)
        plan = indicator.plan
    else:
        plan = _plan()
        indicator = Indicator(plan=plan, suggested=True)
    form = IndicatorForm(request.POST or None, instance=indicator, plan=plan)
    if request.method == "POST":
        if form.is_valid():
            indicator_save(indicator=form.save(commit=False), tasks=form.cleaned_data["tasks"])
            messages.success(request, _("Indicator saved: %(name)s.") % {"name": form.instance.display_name})
            return redirect("indicator_list")
        messages.error(request, _("Some fields need correcting; nothing was saved yet."))
    return render(request, "reporting/indicator_form.html", {"plan": plan, "form": form, "indicator": indicator},
                  status=400 if form.errors else 200)
