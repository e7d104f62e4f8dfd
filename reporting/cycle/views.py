"""Pages of the reporting cycle. Each view asks one permission question, calls one service, renders."""
import logging
import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agencies.forms import pasted_controls_notice
from agencies.models import User
from agencies.parsing import parse_id
from reporting.cycle import extensions, services
from reporting.cycle.calendar import calendar_feed
from reporting.cycle.diff import versions_diff
from reporting.cycle.document import SENT_STATES, report_document_content, report_docx
from reporting.cycle.files import CONTENT_TYPES
from reporting.cycle.forms import (
    DocumentForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    FigureFormSet,
    IndicatorsForm,
    ReopenForm,
    ReportForm,
    ReviewForm,
    SectionForm,
    SubmitForm,
    figure_initial,
)
from reporting.cycle.selectors import (
    agency_assignments,
    agency_past_reports,
    difficulties_escalated,
    extensions_pending,
    period_overview,
    report_attachments,
    report_extensions,
    report_timeline,
    report_with_sections,
    review_queue,
)
from reporting.dashboards import metrics
from reporting.models import ReportingPeriod, ReportVersion
from reporting.permissions import (
    attachment_for,
    dfa_required,
    difficulties_visible_to,
    extension_to_decide,
    may_decide_extension,
    may_edit,
    may_read_synthesis,
    may_reopen,
    may_request_extension,
    may_review,
    readers_only,
    report_for,
    report_to_edit,
    synthesis_of,
)
from tasks.selectors import indicators_by_task, plan_current

log = logging.getLogger(__name__)


@require_safe
@login_required
def home(request):
    """Agency staff see what they owe; the DFA and leadership see the cycle; others are told to ask an admin."""
    user = request.user
    plan = plan_current()
    if plan is None:
        return render(request, "reporting/home_empty.html")
    today = timezone.localdate()
    if not plan.periods.exists():
        services.periods_ensure(plan=plan)
    period = services.period_current(plan=plan, today=today)
    if user.is_agency_staff:
        report = services.report_for_home(period=period, agency=user.agency, today=today)
        days_left = metrics.days_left_to_report(report, period, today) if period else None
        pending = extensions.extension_pending(report=report) if report else None
        return render(
            request,
            "reporting/home_agency.html",
            {
                "plan": plan, "period": period, "report": report, "today": today,
                "days_left": days_left,
                "days_overdue": -days_left if days_left is not None else None,
                "assignments": agency_assignments(agency=user.agency, plan=plan),
                "past_reports": agency_past_reports(agency=user.agency, exclude=report),
                "difficulties": difficulties_visible_to(user).select_related("task").order_by("-raised_at")[:10],
                "agency": user.agency,
                "pending_extension": pending,
                "can_request_extension": report is not None and pending is None and may_request_extension(user, report),
            },
        )
    if user.can_read_everything:
        escalated = difficulties_escalated(user=user)
        return render(
            request,
            "reporting/home_dfa.html",
            {"plan": plan, "period": period, "today": today, "periods": period_overview(plan=plan, today=today),
             "queue_count": review_queue(plan=plan).count(),
             "extensions_count": extensions_pending(plan=plan).count(),
             "escalated": escalated.select_related("agency", "task")[:10],
             "escalated_count": escalated.count(),
             "days_left": period.days_left(today) if period else None,
             "synthesis_days_left": period.synthesis_days_left(today) if period else None,
             "synthesis_readable": period is not None and may_read_synthesis(user, synthesis_of(period))},
        )
    return render(request, "reporting/home_empty.html", {"no_agency": True})


def _read_only(request, report):
    """To the report page, which says why it cannot be changed (Report.read_only_reason)."""
    messages.info(request, _("This report cannot be changed now."))
    return redirect("report_detail", pk=report.pk)


def _section_forms(report, sections, data=None):
    bundles = []
    by_task = indicators_by_task(plan=report.period.plan)
    for section in sections:
        prefix = f"s{section.pk}"
        bundles.append(
            {
                "section": section,
                "form": SectionForm(data, instance=section, prefix=prefix),
                "indicators": IndicatorsForm(
                    data, indicators=services.section_indicators(section, by_task), prefix=f"{prefix}-ind",
                    values={v.indicator_id: v.value for v in section.indicator_values.all()}),
                "figures": FigureFormSet(data, initial=figure_initial(section), prefix=f"{prefix}-fig"),
                "anchor": f"task-{section.task.code}",
            }
        )
    return bundles


def _render_edit(request, report, form, bundles, problems=None, status=200):
    problems = problems or []
    by_section = {}
    for section, message in problems:
        by_section.setdefault(section.pk if section else None, []).append(message)
    for bundle in bundles:
        bundle["problems"] = by_section.get(bundle["section"].pk, [])
    return render(
        request,
        "reporting/report_form.html",
        {"report": report, "form": form, "bundles": bundles, "general_problems": by_section.get(None, []),
         "attachments": report_attachments(report=report), "max_mb": services.settings.ATTACHMENT_MAX_MB,
         "accept": ".pdf,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png"},
        status=status,
    )


def _save_uploads(request, report, sections_by_id) -> int:
    """Attach every uploaded file; a refused file gets a message and does not stop the rest."""
    failures = 0
    for field, files in request.FILES.lists():
        section = None
        if field.startswith("file-s"):
            section = sections_by_id.get(parse_id(field[6:]))
            if section is None:
                failures += len(files)
                continue
        elif field != "file-report":
            continue
        for upload in files:
            try:
                services.attachment_add(report=report, section=section, upload=upload, user=request.user)
            except services.ReportingError as error:
                messages.error(request, str(error))
                failures += 1
    return failures


@require_http_methods(["GET", "POST"])
@login_required
def report_edit(request, pk):
    """The agency's report form: save a draft at any time, submit when every led task has its results."""
    report = report_to_edit(request.user, pk)
    if not report.is_editable():
        return _read_only(request, report)
    services.report_sync_sections(report=report)
    sections = list(report_with_sections(report=report))
    if request.method == "GET":
        form = ReportForm(initial={"summary": report.summary, "next_year": report.next_year,
                                   "lock_version": report.lock_version})
        return _render_edit(request, report, form, _section_forms(report, sections))

    form = ReportForm(request.POST)
    bundles = _section_forms(report, sections, request.POST)
    valid = form.is_valid() & all([b["form"].is_valid() & b["indicators"].is_valid() & b["figures"].is_valid()
                                   for b in bundles])
    if not valid:
        messages.error(request,
                       _("Some fields need correcting (marked below). Nothing was saved yet; what you typed is kept."))
        return _render_edit(request, report, form, bundles, status=400)
    try:
        report = services.report_save_draft(
            report=report,
            user=request.user,
            lock_version=form.cleaned_data["lock_version"],
            summary=form.cleaned_data["summary"],
            next_year=form.cleaned_data["next_year"],
            sections={b["section"].pk: b["form"].cleaned_data for b in bundles},
            indicators={b["section"].pk: b["indicators"].values() for b in bundles},
            figures={b["section"].pk: [row for f in b["figures"] if (row := f.as_row())] for b in bundles},
        )
    except services.StaleReport as error:
        messages.error(request, str(error))
        return _render_edit(request, report, form, bundles, status=409)
    except services.ReportingError as error:
        messages.error(request, str(error))
        return _render_edit(request, report, form, bundles, status=400)

    if notice := pasted_controls_notice([form, *(f for b in bundles for f in (b["form"], *b["figures"]))]):
        messages.warning(request, notice)
    failed_uploads = _save_uploads(request, report, {s.pk: s for s in sections})
    _delete_attachment(request, report)
    anchor = form.cleaned_data.get("anchor") or ""
    if request.POST.get("action") == "submit":
        if not failed_uploads:
            return _to_confirmation(request, report)
        messages.warning(request, _("Your draft was saved, but not submitted: a file could not be attached."))
    messages.success(
        request, _("Draft saved at %(time)s.") % {"time": timezone.localtime().strftime("%H:%M")}
    )
    url = reverse("report_edit", args=[report.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


def _delete_attachment(request, report) -> None:
    """The form's "remove" button next to an attachment (an id that is not the report's is ignored)."""
    delete_id = parse_id(request.POST.get("delete_attachment"))
    attachment = report.attachments.filter(pk=delete_id).first() if delete_id is not None else None
    if attachment is not None:
        services.attachment_delete(attachment=attachment)
        messages.info(request, _("%(name)s was removed.") % {"name": attachment.original_name})


def _refused(request, report, problems):
    """The form again, the draft saved, with what keeps the report from being submitted marked on its sections."""
    report.refresh_from_db()
    form = ReportForm(initial={"summary": report.summary, "next_year": report.next_year,
                               "lock_version": report.lock_version})
    sections = list(report_with_sections(report=report))
    return _render_edit(request, report, form, _section_forms(report, sections), problems=problems)


def _to_confirmation(request, report):
    """After saving: what keeps the report from being submitted is shown on the form at once; otherwise the agency
    confirms on its own page (a submission cannot be undone)."""
    problems = services.report_problems(report)
    if problems:
        messages.warning(request, _("Your draft was saved, but not submitted.") + " "
                         + str(services.IncompleteReport(problems)))
        return _refused(request, report, problems)
    return redirect("report_submit", pk=report.pk)


@require_http_methods(["GET", "POST"])
@login_required
def report_submit(request, pk):
    """Confirm, then submit to the DFA: the page names what is left blank; the service refuses what is missing."""
    report = report_to_edit(request.user, pk)
    if not report.is_editable():
        return _read_only(request, report)
    if request.method == "POST":
        form = SubmitForm(request.POST)
        # a form that lost its version is treated as out of date: the agency sees the page again and confirms
        return _submit(request, report, form.cleaned_data["lock_version"] if form.is_valid() else -1)
    return render(request, "reporting/report_submit.html", {
        "report": report, "problems": services.report_problems(report), "blanks": services.report_blanks(report),
        "form": SubmitForm(initial={"lock_version": report.lock_version}),
    })


def _submit(request, report, lock_version):
    """Submit the draft the agency confirmed; whatever stops it, the draft stays saved and the agency is told why."""
    try:
        services.report_submit(report=report, user=request.user, lock_version=lock_version)
    except services.IncompleteReport as error:
        messages.warning(request, _("Your draft was saved, but not submitted.") + " " + str(error))
        return _refused(request, report, error.problems)
    except services.StaleReport:
        messages.warning(request, _("The report changed after you opened this page. Check it again, then confirm."))
        return redirect("report_submit", pk=report.pk)
    except services.ReportingError as error:
        messages.error(request, str(error))
        return redirect("report_detail", pk=report.pk)
    except DatabaseError:  # e.g. the database restarted between saving and submitting: the draft is kept
        log.exception("Submitting report %s failed after its draft was saved", report.pk)
        messages.error(request, _("Your draft was saved, but the report could not be submitted just now "
                                  "(the database did not answer). Please press Submit again in a moment."))
        return redirect("report_submit", pk=report.pk)
    report.refresh_from_db()
    if report.days_late and report.version == 1:  # a corrected version is never late (reporting.dashboards.metrics)
        messages.warning(
            request,
            _("Report submitted to the DFA, %(days)d day(s) after the deadline. A confirmation e-mail is on its way.")
            % {"days": report.days_late},
        )
    else:
        messages.success(request, _("Report submitted to the DFA. A confirmation e-mail is on its way."))
    return redirect("report_detail", pk=report.pk)


@require_safe
@login_required
def report_detail(request, pk):
    report = report_for(request.user, pk)
    user = request.user
    extension_list = list(report_extensions(report=report))
    pending = next((e for e in extension_list if e.is_pending), None)
    return render(
        request,
        "reporting/report_detail.html",
        {
            "report": report,
            "sections": report_with_sections(report=report),
            "attachments": report_attachments(report=report),
            "events": report_timeline(report=report),
            "can_edit": may_edit(user, report) and report.is_editable(),
            "can_review": may_review(user, report),
            "can_reopen": may_reopen(user, report),
            "review_form": ReviewForm(),
            "reopen_form": ReopenForm(),
            "document_form": DocumentForm(),
            "document_is_draft": report.status not in SENT_STATES,
            "versions": report.versions.order_by("number").values_list("number", flat=True),
            "extensions": extension_list, "pending_extension": pending,
            "can_request_extension": pending is None and may_request_extension(user, report),
            "can_decide_extension": pending is not None and may_decide_extension(user),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def extension_request(request, pk):
    """Agency staff ask the DFA for more time to send their report (reporting.cycle.extensions)."""
    report = report_to_edit(request.user, pk)
    if not may_request_extension(request.user, report) and request.method == "GET":
        messages.info(request, _("An extension cannot be requested for this report now."))
        return redirect("report_detail", pk=report.pk)
    form = ExtensionRequestForm(request.POST or None)
    window = extensions.extension_window(report=report, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        try:
            extensions.extension_request(report=report, user=request.user, reason=form.cleaned_data["reason"],
                                         proposed_date=form.cleaned_data["proposed_date"])
        except services.ReportingError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your request was sent to the DFA. You will be told of its decision by e-mail "
                                        "and here."))
            return redirect("report_detail", pk=report.pk)
    return render(request, "reporting/extension_form.html", {"report": report, "form": form, "window": window},
                  status=400 if request.method == "POST" else 200)


@require_POST
@login_required
def extension_decide(request, pk):
    """The DFA grants an extension (to the date it chooses, the proposed one by default) or refuses it with a reason."""
    extension = extension_to_decide(request.user, pk)
    form = ExtensionDecisionForm(request.POST)
    decision = request.POST.get("decision")
    if not form.is_valid():
        messages.error(request, _("Check the date and the comment: %(errors)s")
                       % {"errors": " ".join(str(e) for errors in form.errors.values() for e in errors)})
    elif decision not in ("grant", "refuse"):
        messages.error(request, _("Choose to grant or to refuse the extension."))
    else:
        try:
            if decision == "grant":
                extension = extensions.extension_grant(extension=extension, user=request.user,
                                                       granted_date=form.cleaned_data["granted_date"],
                                                       comment=form.cleaned_data["comment"])
                messages.success(request, _("Extension granted: the report is now due on %(date)s.")
                                 % {"date": extension.granted_date.strftime("%d/%m/%Y")})
            else:
                extensions.extension_refuse(extension=extension, user=request.user,
                                            comment=form.cleaned_data["comment"])
                messages.success(request, _("Extension refused; the agency is told why."))
        except services.ReportingError as error:
            messages.error(request, str(error))
    return redirect("report_detail", pk=extension.report_id)


@require_safe
@dfa_required
def extension_list(request):
    """Extension requests waiting for the DFA's decision, oldest first."""
    return render(request, "reporting/extension_list.html", {"extensions": extensions_pending()})


@require_POST
@dfa_required
def report_review(request, pk):
    """Accept, or return with a comment on the report and optionally on sections."""
    report = report_for(request.user, pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The comment is too long."))
        return redirect("report_detail", pk=report.pk)
    decision = request.POST.get("decision")
    try:
        if decision == "accept":
            services.report_accept(report=report, user=request.user, comment=form.cleaned_data["comment"])
            messages.success(request, _("Report accepted and locked."))
        elif decision == "return":
            section_comments = {
                s.pk: request.POST.get(f"comment-s{s.pk}", "")[:20000] for s in report.sections.all()
            }
            services.report_return(report=report, user=request.user, comment=form.cleaned_data["comment"],
                                   section_comments=section_comments)
            messages.success(request, _("Report returned to the agency with your comments."))
        else:
            messages.error(request, _("Choose to accept or to return the report."))
    except services.ReportingError as error:
        messages.error(request, str(error))
    return redirect("report_detail", pk=report.pk)


@require_POST
@dfa_required
def report_reopen(request, pk):
    report = report_for(request.user, pk)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for reopening the report."))
        return redirect("report_detail", pk=report.pk)
    try:
        services.report_reopen(report=report, user=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("Report reopened for %(agency)s.") % {"agency": report.agency})
        if notice := pasted_controls_notice([form]):
            messages.warning(request, notice)
    except services.ReportingError as error:
        messages.error(request, str(error))
    return redirect("report_detail", pk=report.pk)


@require_safe
@login_required
def report_document(request, pk):
    """The report as the agency's signed document (DOCX): whoever may read the report may download it (report_for);
    what it says and when it is a draft is reporting.cycle.document's rule."""
    report = report_for(request.user, pk)
    form = DocumentForm(request.GET)
    if not form.is_valid():
        errors = " ".join(error for field_errors in form.errors.values() for error in field_errors)
        messages.error(request, _("The document was not made: %(errors)s") % {"errors": errors})
        return redirect("report_detail", pk=report.pk)
    content = report_document_content(report)
    body = report_docx(content, doc_number=form.cleaned_data["number"], signer=form.cleaned_data["signer"],
                       signer_title=form.cleaned_data["signer_title"])
    response = HttpResponse(body, content_type=CONTENT_TYPES["docx"])
    name = f"bao-cao-{report.period.year}-{report.agency.code}{'-du-thao' if content['draft'] else ''}.docx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_safe
@login_required
def report_versions(request, pk):
    """Compare two submitted versions (default: the last two)."""
    report = report_for(request.user, pk)
    numbers = list(report.versions.order_by("number").values_list("number", flat=True))
    if not numbers:
        raise Http404
    def pick(name, default):
        number = parse_id(request.GET.get(name))
        return number if number in numbers else default
    new = pick("b", numbers[-1])
    old = pick("a", numbers[-2] if len(numbers) > 1 else numbers[-1])
    a = get_object_or_404(ReportVersion, report=report, number=old)
    b = get_object_or_404(ReportVersion, report=report, number=new)
    view = "inline" if request.GET.get("view") == "inline" else "side"
    return render(
        request,
        "reporting/report_versions.html",
        {"report": report, "a": a, "b": b, "numbers": numbers, "view": view,
         "blocks": versions_diff(a.content, b.content)},
    )


@require_safe
@login_required
def attachment_download(request, pk):
    """Attachments are never public files: every download asks who is asking."""
    attachment = attachment_for(request.user, pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=CONTENT_TYPES.get(attachment.kind) or mimetypes.guess_type(attachment.original_name)[0],
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
@dfa_required
def review_queue_view(request):
    today = timezone.localdate()
    return render(request, "reporting/review_queue.html", {"reports": review_queue(), "today": today,
                                                            "extensions_count": extensions_pending().count()})


@require_safe
@readers_only
def period_list(request):
    plan = plan_current()
    if plan is None:
        raise Http404
    services.periods_ensure(plan=plan)
    today = timezone.localdate()
    periods = period_overview(plan=plan, today=today)
    return render(request, "reporting/period_list.html", {"plan": plan, "periods": periods, "today": today})


@require_POST
@dfa_required
def period_close(request, pk):
    period = get_object_or_404(ReportingPeriod, pk=pk)
    if request.POST.get("reopen"):
        services.period_reopen(period=period, user=request.user)
        messages.success(request, _("The %(year)s period is open again.") % {"year": period.year})
    else:
        try:
            services.period_close(period=period, user=request.user)
        except services.ReportingError as error:
            messages.error(request, str(error))
            return redirect("period_list")
        messages.success(request,
                         _("The %(year)s period is closed; its reports are read-only.") % {"year": period.year})
    return redirect("period_list")


@require_safe
def calendar_view(request, token):
    """No login: calendar programs cannot sign in. The secret address is the credential."""
    user = User.objects.filter(calendar_token=token, is_active=True).select_related("agency").first()
    if user is None or len(token) < 20:
        raise Http404
    response = HttpResponse(calendar_feed(user=user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="plan119.ics"'
    return response
