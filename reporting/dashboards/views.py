"""Dashboards: completeness, timeliness and progress for the DFA (and read-only for leadership)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from agencies.models import Agency, AgencyKind
from agencies.parsing import parse_id
from reporting.cycle.services import period_current
from reporting.dashboards.filters import AgencyLineForm, AgencyReportFilter
from reporting.dashboards.metrics import (
    DEFINITIONS,
    EXPECTED,
    LABELS,
    METRICS,
    agencies_with_a_line,
    counted_reports,
    reports_for_metric,
    reports_overdue,
    sections_for,
    task_progress,
    years_series,
)
from reporting.dashboards.selectors import (
    agency_line,
    dashboard_stats,
    progress_by_year,
    task_matrix,
)
from reporting.dashboards.tables import table_response
from reporting.models import Difficulty, DifficultyStatus, Progress, ReportingPeriod, ReportStatus
from reporting.permissions import dfa_required, may_read_synthesis, readers_only, synthesis_of
from tasks.models import Task
from tasks.selectors import plan_current

PAGE = 50
# the headline cards, in order, with their border
HEADLINE = (("expected", ""), ("submitted", ""), ("on_time", ""), ("late", "border-warning"),
            ("missing", "border-danger"),
            ("accepted", ""), ("returned", ""), ("waiting", ""), ("extended", "border-info"))


def _period(year: int | None) -> ReportingPeriod:
    plan = plan_current()
    if plan is None:
        raise Http404
    if year is None:
        period = period_current(plan=plan, today=timezone.localdate())
        if period is None:
            raise Http404
        return period
    return get_object_or_404(ReportingPeriod.objects.select_related("plan"), plan=plan, year=year)


def _pager_query(request) -> str:
    """The current filters, to carry over to the next page."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode() + "&" if params else ""


def _stamp(moment, empty: str = "") -> str:
    """A date and time as the dashboards show it (dd/mm/yyyy hh:mm, local time); `empty` when there is none."""
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else empty


def _status_label(report) -> str:
    return str(_("Not submitted")) if report.submitted_at is None else report.get_status_display()


def _agency_rows(reports) -> list[dict]:
    """The agency table's rows, labels and dates prepared here: the same in template tags cost most of the page."""
    kinds = {value: str(label) for value, label in AgencyKind.choices}
    statuses = {value: str(label) for value, label in ReportStatus.choices}
    badges = {ReportStatus.ACCEPTED: "text-bg-success", ReportStatus.SUBMITTED: "text-bg-primary"}
    detail = reverse("report_detail", args=[0])
    return [{
        "url": detail.replace("/0/", f"/{r.pk}/"), "agency": str(r.agency),
        "kind": kinds.get(r.agency.kind, r.agency.kind),
        "status": statuses.get(r.status, r.status) if r.submitted_at else None,
        "badge": badges.get(r.status, "text-bg-warning"),
        "late": ngettext("%(days)s day late", "%(days)s days late", r.days_late) % {"days": r.days_late}
        if r.days_late else "",
        "submitted": _stamp(r.submitted_at, "—"),
        "version": r.version,
    } for r in reports]


@require_safe
@readers_only
def dashboard(request, year=None):
    period = _period(year)
    today = timezone.localdate()
    table = AgencyReportFilter(request.GET or None, plan=period.plan,
                               queryset=reports_for_metric(period=period, metric="expected"))
    rows = table.qs
    export = table_response(
        request, filename=f"bao-cao-{period.year}-don-vi",
        headers=[_("Code"), _("Agency"), _("Kind"), _("Status"), _("Submitted"), _("Days late"), _("Version")],
        rows=([r.agency.code, r.agency.name, r.agency.get_kind_display(), _status_label(r),
               _stamp(r.submitted_at), r.days_late, r.version]
              for r in rows.iterator()),
    )
    if export:
        return export
    shown = rows.only("status", "expected", "submitted_at", "first_submitted_at", "version", "agency__name",
                      "agency__name_en", "agency__kind", "period__agency_due", "extended_due")
    page = Paginator(shown, PAGE).get_page(request.GET.get("page"))
    page.rows = _agency_rows(page)
    stats = dashboard_stats(period=period, today=today)
    overdue = reports_overdue(period=period, today=today)
    voluntary = reports_for_metric(period=period, metric="voluntary")
    return render(request, "reporting/dashboard.html", {
        "period": period, "today": today, "stats": stats, "definitions": DEFINITIONS,
        "synthesis_readable": may_read_synthesis(request.user, synthesis_of(period)),
        "headline": [{"name": name, "label": LABELS[name], "n": stats[name], "definition": DEFINITIONS[name],
                      "css": css}
                     for name, css in HEADLINE],
        "definition_list": [{"label": LABELS[name], "definition": text} for name, text in DEFINITIONS.items()],
        "voluntary": _agency_rows(voluntary),
        "table": table, "page": page,
        # overdue: missing reports past their own due date (an extension moves it)
        "overdue": overdue[:PAGE], "overdue_count": overdue.count(),
        "years": period.plan.years(),
        "escalated": Difficulty.objects.filter(status=DifficultyStatus.ESCALATED).select_related("agency", "task")[:20],
        "query": request.GET.urlencode(), "table_query": _pager_query(request),
    })


@require_safe
@readers_only
def dashboard_tasks(request, year):
    """By task: how far each task has got this period, every number a link to the sections it counts."""
    period = _period(year)
    progress = task_progress(period=period)
    english = request.LANGUAGE_CODE == "en"
    for row in progress:
        row["title"] = row["task__title_en"] if english and row["task__title_en"] else row["task__title"]
    export = table_response(
        request, filename=f"nhiem-vu-{period.year}",
        headers=[_("Item"), _("Task"), _("Assigned"), _("Reported"), _("Completed"), _("In progress"),
                 _("Ongoing / recurring"), _("No progress")],
        rows=([r["task__code"], r["title"], r["expected"], r["reported"], r["completed"], r["in_progress"],
               r["ongoing"], r["no_progress"]] for r in progress),
    )
    if export:
        return export
    return render(request, "reporting/dashboard_tasks.html", {
        "period": period, "progress": progress, "sections_url": reverse("dashboard_sections", args=[period.year]),
        "query": request.GET.urlencode(),
    })


@require_safe
@readers_only
def dashboard_reports(request, year):
    """The reports behind one headline number."""
    period = _period(year)
    metric = request.GET.get("metric", "expected")
    if metric not in METRICS:
        raise Http404
    reports = reports_for_metric(period=period, metric=metric)
    export = table_response(
        request, filename=f"bao-cao-{year}-{metric}",
        headers=[_("Agency"), _("Status"), _("Due"), _("Submitted"), _("Days late")],
        rows=([r.agency.name, _status_label(r), r.due_date.strftime("%d/%m/%Y"), _stamp(r.submitted_at),
               r.days_late] for r in reports.iterator()),
    )
    if export:
        return export
    return render(request, "reporting/dashboard_reports.html", {
        "period": period, "metric": metric, "metric_label": LABELS[metric], "definition": DEFINITIONS[metric],
        "page": Paginator(reports, PAGE).get_page(request.GET.get("page")),
        "query": request.GET.urlencode(), "extra": _pager_query(request)})


@require_safe
@readers_only
def dashboard_sections(request, year):
    """The report sections behind one number of the task progress table."""
    period = _period(year)
    task_id = request.GET.get("task")
    progress = request.GET.get("progress") or None
    if progress and progress not in (*Progress.values, "none"):
        raise Http404
    task = get_object_or_404(Task, pk=parse_id(task_id), plan=period.plan) if task_id else None  # pk=None: none found
    sections = sections_for(period=period, task_id=task.pk if task else None, progress=progress)
    export = table_response(
        request, filename=f"nhiem-vu-{year}",
        headers=[_("Task"), _("Agency"), _("Role"), _("Progress"), _("Results achieved")],
        rows=([s.task.code, s.report.agency.name, s.get_role_display(), s.get_progress_display(), s.results]
              for s in sections.iterator()),
    )
    if export:
        return export
    return render(request, "reporting/dashboard_sections.html", {
        "period": period, "task": task, "progress": progress,
        "page": Paginator(sections, PAGE).get_page(request.GET.get("page")),
        "query": request.GET.urlencode(), "extra": _pager_query(request)})


@require_safe
@readers_only
def dashboard_matrix(request, year):
    """Tasks × assigned agencies, a page of agencies at a time."""
    period = _period(year)
    agencies = Agency.objects.filter(pk__in=counted_reports(period).filter(EXPECTED).values("agency_id")).order_by(
        "kind", "sort_key")
    page = Paginator(agencies, 25).get_page(request.GET.get("page"))
    columns = list(page.object_list)
    tasks = list(period.plan.tasks.leaves().order_by("sort_key"))
    cells = task_matrix(period=period, agency_ids=[a.pk for a in columns])
    grid = [(t, [cells.get(t.pk, {}).get(a.pk) for a in columns]) for t in tasks]
    # label, colour and link of each cell prepared once here: hundreds of {% url %} tags and nested loops in the
    # template cost more than the queries (bench/LOAD.md)
    labels = dict(Progress.choices)
    detail = reverse("report_detail", args=[0]).replace("/0/", "/{}/")
    for _task, row in grid:
        for cell in row:
            if cell:
                label = labels.get(cell["progress"], "—") if cell["progress"] else "—"
                cell["label"] = f"★ {label}" if cell["lead"] else label
                cell["url"] = detail.format(cell["report_id"]) + f"#task-{cell['code']}"
                cell["css"] = ("fw-bold " if cell["lead"] else "") + (
                    "table-secondary" if not cell["submitted"] else "table-success" if cell["progress"] == "completed"
                    else "table-warning" if cell["progress"] == "not_started" else "")
    export = table_response(
        request, filename=f"ma-tran-{year}", headers=[_("Task")] + [a.name for a in columns],
        rows=([t.code] + [((c["progress"] or "-") + (" *" if c["lead"] else "")) if c else "" for c in row]
              for t, row in grid),
    )
    if export:
        return export
    return render(request, "reporting/dashboard_matrix.html", {"period": period, "page": page, "columns": columns,
                                                               "grid": grid, "labels": dict(Progress.choices),
                                                               "query": request.GET.urlencode(),
                                                               "extra": _pager_query(request)})


SHOWN = [Progress.COMPLETED, Progress.IN_PROGRESS, Progress.ONGOING, Progress.NOT_STARTED]  # the caption's order


def _year_headers() -> list[str]:
    return [_("Expected"), _("Submitted"), _("On time"), _("Late"), _("Missing"), _("Reporting rate"),
            _("On-time rate")]


def _year_figures(row: dict) -> list:
    return [row["expected"], row["submitted"], row["on_time"], row["late"], row["missing"], row["reporting_rate"],
            row["on_time_rate"]]


def _years_export(request, *, series, progress, line):
    """The across-years page's tables as files: ?table=progress, ?table=agency (the line chosen), else the rates."""
    table = request.GET.get("table")
    if table == "agency":
        if line is None:  # no agency, or a bad one: the page says so
            return None
        lineage = "-ke-thua" if line["lineage"] else ""
        return table_response(
            request, filename=f"theo-nam-{slugify(line['agency'].code)}{lineage}",
            headers=[_("Year"), _("Reported by"), *_year_headers()],
            rows=([r["year"], "; ".join(str(item["agency"]) for item in r["reported_by"]), *_year_figures(r)]
                  for r in line["years"]),
        )
    if table == "progress":
        labels = dict(Progress.choices)
        return table_response(
            request, filename="tien-do-theo-nam", headers=[_("Task"), _("Year"), *(labels[p] for p in SHOWN)],
            rows=([row["code"], year, *(counts.get(p, 0) for p in SHOWN)]
                  for row in progress for year, counts in row["years"].items()),
        )
    return table_response(request, filename="theo-nam", headers=[_("Year"), *_year_headers()],
                          rows=([r["year"], *_year_figures(r)] for r in series))


@require_safe
@readers_only
def dashboard_years(request):
    """Across the plan's years: rates per year and progress per task per year; with ?agency=<code> one agency's line
    too, and with &lineage=1 its line follows the bodies it succeeds (issue 15)."""
    plan = plan_current()
    if plan is None:
        raise Http404
    series = years_series(plan=plan)
    progress = progress_by_year(plan=plan)
    line_form = AgencyLineForm(request.GET, agencies=agencies_with_a_line(plan=plan))
    agency, lineage = line_form.chosen()
    line = agency_line(plan=plan, agency=agency, lineage=lineage) if agency else None
    if line is None and request.GET.get("table") == "agency" and not line_form.errors:
        line_form.add_error("agency", _("Choose the agency whose line to download."))
    export = _years_export(request, series=series, progress=progress, line=line)
    if export:
        return export
    years = list(plan.years())
    labels = dict(Progress.choices)
    # each count links to the sections it counts (that year, that task, that status). The links are written here:
    # a few thousand of them through template tags cost more than all the rest of the page (bench/LOAD.md). Only
    # integers and the escaped status labels go into them.
    link = ('<a href="' + reverse("dashboard_sections", args=[9999]).replace("9999", "{year}")
            + '?task={task}&amp;progress={progress}" title="{label}">{n}</a>')
    titles = {p: str(escape(str(labels[p]))) for p in SHOWN}  # translated once, not once per link

    def links(task_id, year, counts):
        parts = (link.format(year=year, task=task_id, progress=p, label=titles[p], n=int(counts.get(p, 0)))
                 for p in SHOWN)
        # safe: integers, fixed status values and escaped labels only
        return mark_safe(" / ".join(parts))  # noqa: S308  # nosec B308 B703

    progress_rows = [
        (row["code"], [links(row["task_id"], year, row["years"][year]) if year in row["years"] else None
                       for year in years])
        for row in progress
    ]
    per_task = {row["code"]: {p: [row["years"].get(y, {}).get(p, 0) for y in years] for p in Progress.values}
                for row in progress}
    chart = {
        "years": years,
        "reporting_rate": [r["reporting_rate"] for r in series], "on_time_rate": [r["on_time_rate"] for r in series],
        "labels": {"reporting_rate": _("Reporting rate (%)"), "on_time_rate": _("On-time rate (%)"),
                   **{p: str(label) for p, label in Progress.choices}},
        "progress": {p: [sum(counts[p][i] for counts in per_task.values()) for i in range(len(years))]
                     for p in Progress.values},
        "tasks": per_task,
    }
    line_query = ""
    if line:
        chart["line"] = {"label": _("Reporting rate of %(agency)s (%%)") % {"agency": line["agency"]},
                         "reporting_rate": [r["reporting_rate"] for r in line["years"]]}
        line_query = urlencode({"table": "agency", "agency": line["agency"].code,
                                **({"lineage": 1} if lineage else {})})
    return render(request, "reporting/dashboard_years.html", {
        "plan": plan, "series": series, "years": years, "progress_rows": progress_rows, "chart": chart,
        "line_form": line_form, "line": line, "line_query": line_query,
    })


@require_POST
@dfa_required
def dashboard_remind(request, year):
    """Queue a reminder now, for one overdue agency or all; at most once per recipient and day."""
    from reporting.delivery.tasks import remind_now

    period = _period(year)
    agency = request.POST.get("agency", "all")
    agency_ids = None if agency == "all" else [parse_id(agency)]
    if agency_ids and (agency_ids[0] is None or not counted_reports(period).filter(agency_id=agency_ids[0]).exists()):
        raise Http404
    try:
        remind_now.delay(period.pk, agency_ids, timezone.localdate().isoformat())
        messages.success(request, _("Reminder queued. Each recipient gets at most one reminder of this kind per day."))
    except Exception:
        messages.error(request, _("The background worker cannot be reached; try again in a moment."))
    return redirect(reverse("dashboard_year", args=[period.year]) + "#overdue")
