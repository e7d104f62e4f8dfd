"""The DFA's synthesis page: build (with progress), edit the narrative, download DOCX/XLSX, finalise; the mid-term
and final reviews (sơ kết, tổng kết) of a span of years."""
from collections.abc import Sequence
from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agencies.fields import CleanTextFormField
from agencies.forms import TEXT_LIMIT, pasted_controls_notice
from reporting.cycle.services import ReportingError
from reporting.dashboards.metrics import DEFINITIONS, LABELS
from reporting.models import ReportingPeriod, Synthesis, SynthesisState
from reporting.permissions import dfa_required, may_read_figures, readers_only, synthesis_for, synthesis_to_edit
from reporting.synthesis import drafting
from reporting.synthesis.build import synthesis_edit, synthesis_finalise, synthesis_set_state
from reporting.synthesis.documents import synthesis_docx, synthesis_xlsx
from reporting.synthesis.review import FINAL, review_content, review_span_check
from reporting.synthesis.review_documents import review_file
from tasks.models import Plan
from tasks.selectors import plan_current

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _text(label, rows: int, help_text=""):
    return CleanTextFormField(label=label, required=False, max_length=TEXT_LIMIT, help_text=help_text,
                              widget=forms.Textarea(attrs={"rows": rows}))


MACHINE_DRAFT = gettext_lazy("Leave empty to print the draft shown below.")


class NarrativeForm(forms.Form):
    """The DFA's own words: the narrative parts, and one box per drafted task paragraph (`p-<task code>`, with
    `ok-<task code>` to confirm a paragraph whose figures changed after it was edited)."""

    doc_number = CleanTextFormField(label=gettext_lazy("Document number"), max_length=20, required=False)
    introduction = _text(gettext_lazy("Introduction"), 4)
    assessment = _text(gettext_lazy("Overall assessment"), 6)
    shortcomings = _text(gettext_lazy("II. Shortcomings and causes"), 5, MACHINE_DRAFT)
    directions = _text(gettext_lazy("III. Directions for next year"), 5, MACHINE_DRAFT)
    proposals = _text(gettext_lazy("Proposals to the Provincial People's Committee"), 4, MACHINE_DRAFT)
    lock_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, tasks: Sequence[dict] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.task_codes = [t["code"] for t in tasks]
        for task in tasks:
            self.fields[f"p-{task['code']}"] = _text(f"{task['code']}. {task['title']}", 4)
            self.fields[f"ok-{task['code']}"] = forms.BooleanField(
                required=False, label=gettext_lazy("I have reread it: keep my wording"))

    def paragraphs(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"p-{code}", "") for code in self.task_codes}

    def checked(self) -> set[str]:
        return {code for code in self.task_codes if self.cleaned_data.get(f"ok-{code}")}


def _tasks(synthesis) -> list[dict]:
    """The drafted task paragraphs as the page shows them: text printed, edited or not, figures changed since."""
    if synthesis is None:
        return []
    out = []
    for group in synthesis.content.get("groups", []):
        for task in group.get("tasks", []):
            text, edited, stale = drafting.task_text(task, synthesis.paragraphs)
            out.append({"code": task["code"], "title": task["title"], "group": group["code"], "text": text,
                        "edited": edited, "stale": stale, "draft": task.get("draft", "")})
    return out


class ReviewForm(forms.Form):
    """The span of a mid-term or final review: two of the plan's years and the file wanted."""

    first = forms.TypedChoiceField(label=gettext_lazy("From year"), coerce=int)
    last = forms.TypedChoiceField(label=gettext_lazy("To year"), coerce=int)
    format = forms.ChoiceField(choices=[("docx", "DOCX"), ("xlsx", "XLSX")], widget=forms.HiddenInput,
                               required=False)

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        years = [(year, str(year)) for year in plan.years()]
        for name in ("first", "last"):
            cast(forms.TypedChoiceField, self.fields[name]).choices = years

    def clean(self):
        data = super().clean()
        if "first" in data and "last" in data:
            try:
                review_span_check(self.plan, data["first"], data["last"])
            except ReportingError as error:
                raise ValidationError(str(error)) from error
        return data


def review_form_for(plan: Plan, *, last: int | None = None, data=None) -> ReviewForm:
    """The review form, by default from the plan's first year to `last` (or its last year)."""
    return ReviewForm(data, plan=plan, initial={"first": plan.first_year, "last": last or plan.last_year})


def _period(year: int) -> ReportingPeriod:
    return get_object_or_404(ReportingPeriod.objects.select_related("plan").order_by("-plan__issued_on"), year=year)


@require_http_methods(["GET", "POST"])
@login_required
def synthesis_page(request, year):
    period = _period(year)
    if request.method == "POST":
        synthesis = synthesis_to_edit(request.user, period)
        tasks = _tasks(synthesis)
        form = NarrativeForm(request.POST, tasks=tasks)
        if form.is_valid():
            data = form.cleaned_data
            try:
                synthesis_edit(synthesis=synthesis, user=request.user, lock_version=data["lock_version"],
                               introduction=data["introduction"], assessment=data["assessment"],
                               shortcomings=data["shortcomings"], directions=data["directions"],
                               proposals=data["proposals"], doc_number=data["doc_number"],
                               paragraphs=form.paragraphs(), checked=form.checked())
                messages.success(request, _("Narrative saved."))
                if notice := pasted_controls_notice([form]):
                    messages.warning(request, notice)
                return redirect("synthesis", year=year)
            except ReportingError as error:
                messages.error(request, str(error))
        else:
            messages.error(request, _("Some fields need correcting; nothing was saved yet."))
    else:
        synthesis = synthesis_for(request.user, period)
        tasks = _tasks(synthesis)
        form = NarrativeForm(initial={**synthesis.narrative(), "doc_number": synthesis.doc_number,
                                      "lock_version": synthesis.lock_version,
                                      **{f"p-{t['code']}": t["text"] for t in tasks}},
                             tasks=tasks) if synthesis and request.user.is_dfa_officer else None
    content = synthesis.content if synthesis else {}
    for task in tasks:
        task["field"] = form[f"p-{task['code']}"] if form else None
        task["ok"] = form[f"ok-{task['code']}"] if form else None
    return render(request, "reporting/synthesis.html", {
        "period": period, "synthesis": synthesis, "form": form, "content": content, "figures": _figures(content),
        "tasks": tasks, "stale": sum(t["stale"] for t in tasks), "drafts": content.get("drafts", {}),
        "narrative_fields": [form[name] for name in ("doc_number", "introduction", "assessment", "shortcomings",
                                                     "directions", "proposals")] if form else [],
        "review_form": review_form_for(period.plan, last=period.year) if may_read_figures(request.user) else None})


# the synthesis page's table of figures, in this order, with the words of reporting.dashboards.metrics
SYNTHESIS_FIGURES = ("expected", "submitted", "on_time", "late", "missing", "accepted", "returned", "waiting",
                     "reporting_rate", "on_time_rate", "voluntary", "voluntary_submitted")


def _figures(content: dict) -> list[dict]:
    completeness = content.get("completeness", {})
    return [{"name": name, "label": LABELS[name], "definition": DEFINITIONS[name], "value": completeness.get(name),
             "rate": name.endswith("_rate")} for name in SYNTHESIS_FIGURES]


@require_POST
@dfa_required
def synthesis_build_view(request, year):
    from reporting.delivery.tasks import build_synthesis

    period = _period(year)
    synthesis, _created = Synthesis.objects.get_or_create(period=period)
    if synthesis.is_final:
        messages.error(request, _("The synthesis has been finalised and can no longer change."))
        return redirect("synthesis", year=year)
    synthesis_set_state(synthesis.pk, SynthesisState.QUEUED, progress=0, error="")
    try:
        build_synthesis.delay(period.pk)
    except Exception:
        synthesis_set_state(synthesis.pk, SynthesisState.FAILED, error="broker unavailable")
        messages.error(request, _("The background worker cannot be reached; try again in a moment."))
    return redirect("synthesis", year=year)


@require_safe
@dfa_required
def synthesis_status(request, year):
    """Polled by the page while a build runs."""
    synthesis = get_object_or_404(Synthesis, period=_period(year))
    return JsonResponse({"state": synthesis.build_state(), "progress": synthesis.progress,
                         "built_at": timezone.localtime(synthesis.built_at).strftime("%d/%m/%Y %H:%M")
                         if synthesis.built_at else None})


@require_POST
@dfa_required
def synthesis_finalise_view(request, year):
    synthesis = get_object_or_404(Synthesis, period=_period(year))
    try:
        synthesis_finalise(synthesis=synthesis, user=request.user)
        messages.success(request, _("The synthesis is final; the %(year)s period is closed.") % {"year": year})
    except ReportingError as error:
        messages.error(request, str(error))
    return redirect("synthesis", year=year)


@require_safe
@login_required
def synthesis_download(request, year, fmt):
    if fmt not in ("docx", "xlsx"):
        raise Http404
    synthesis = synthesis_for(request.user, _period(year))
    if synthesis is None or synthesis.built_at is None:
        raise Http404
    if fmt == "docx":
        body = synthesis_docx(synthesis.content, synthesis.narrative(), doc_number=synthesis.doc_number,
                              signed_on=timezone.localtime(synthesis.finalised_at or synthesis.built_at).date())
        response = HttpResponse(body, content_type=DOCX)
    else:
        response = HttpResponse(synthesis_xlsx(synthesis.content, synthesis.narrative()), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="bao-cao-tong-hop-KH119-{year}.{fmt}"'
    return response


@require_safe
@readers_only
def review_download(request):
    """A mid-term or final review as DOCX or XLSX (the form's two buttons); without a span, or with a wrong one, the
    form again with what to correct. Whoever reads every agency's figures reads the reviews: the DFA, who drafts
    them, and leadership, to whom they are addressed; made on the spot from submitted reports, a review has no draft
    to finalise first (unlike may_read_synthesis)."""
    plan = plan_current()
    if plan is None:
        raise Http404
    if not request.GET:
        return render(request, "reporting/review.html", {"plan": plan, "review_form": review_form_for(plan)})
    form = review_form_for(plan, data=request.GET)
    if not form.is_valid():
        return render(request, "reporting/review.html", {"plan": plan, "review_form": form}, status=400)
    first, last, fmt = form.cleaned_data["first"], form.cleaned_data["last"], form.cleaned_data["format"] or "docx"
    content = review_content(plan, first, last)
    response = HttpResponse(review_file(content, fmt), content_type=DOCX if fmt == "docx" else XLSX)
    kind = "tong-ket" if content["kind"] == FINAL else "so-ket"
    response["Content-Disposition"] = f'attachment; filename="{kind}-KH119-{first}-{last}.{fmt}"'
    return response
