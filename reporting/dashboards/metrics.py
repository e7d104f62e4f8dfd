"""Every figure of the reporting cycle, defined once (số liệu). Dashboards, drill-downs, exports, the synthesis,
reminders and home pages all count through this module, so the same fact never shows two numbers.

Which reports count in a period (`COUNTED`): those sent, and those of bodies in existence on the report's due date
(agencies exist for a span of time, issue 15). The body that wrote a report keeps it, and it counts in its year. A
body merged or abolished after the deadline still owes that year's report; one merged earlier without sending anything
passed its work to its successor; one that came into being after the deadline (a commune of 01/07/2025 and a 2024
period still open) owes nothing for that year.

Among the reports that count, following DHIS2 (the first completion decides timeliness):
- expected: the agency is ordered (not only requested, IV.3–IV.4) to carry at least one of its tasks;
- submitted: expected and sent to the DFA at least once; missing: expected and never sent;
- on time: the *first* submission came before the end of the report's due date, local time; late: after it. The due
  date is the period's deadline in force unless the DFA granted the agency an extension (gia hạn), then the granted
  date (`reporting.models.due_in_force`, one rule in Python and SQL). A return by the DFA and a corrected version never
  make a report late;
- extended: the DFA granted an extension that gives the report a later due date than the period's; overdue: missing
  and past the report's own due date (an extended report is not overdue before its new date);
- accepted, returned (sent back by the DFA, not yet sent again) and waiting for review (sent, the DFA has not yet
  decided) split the submitted reports;
- voluntary: reports of organisations the plan only requests; counted apart, never late, missing or overdue;
- reporting rate = submitted / expected; on-time rate = on time / expected.
So, for every period: expected = submitted + missing; submitted = on time + late = accepted + returned + waiting.
"""
import datetime
from decimal import Decimal

from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, existed_on_q
from reporting.models import (
    Progress,
    Report,
    ReportingPeriod,
    ReportSection,
    ReportStatus,
    ReportVersion,
    due_in_force_sql,
)
from tasks.models import AssignmentRole, Plan


def _counted(prefix: str = "") -> Q:
    """The reports (or, with prefix "report__", the sections of reports) that count in their period: sent, or written
    by a body in existence on the report's due date (agencies.models.existed_on_q)."""
    return (Q(**{f"{prefix}first_submitted_at__isnull": False})
            | existed_on_q(due_in_force_sql(prefix), prefix=f"{prefix}agency__"))


COUNTED = _counted()

# each report's own due date: the period's deadline in force, or the date of the extension the DFA granted
DUE = due_in_force_sql()
SENT = Q(first_submitted_at__isnull=False)
# the first submission's local date (USE_TZ: `__date` converts to Asia/Ho_Chi_Minh) against the report's due date
SENT_ON_TIME = SENT & Q(first_submitted_at__date__lte=DUE)
SENT_LATE = SENT & Q(first_submitted_at__date__gt=DUE)
EXTENDED = Q(extended_due__gt=F("period__agency_due"))
EXPECTED = Q(expected=True)
VOLUNTARY = Q(expected=False)

# metric name → which of a period's counted reports it counts (each number links to that list)
METRICS = {
    "expected": EXPECTED,
    "submitted": EXPECTED & SENT,
    "on_time": EXPECTED & SENT_ON_TIME,
    "late": EXPECTED & SENT_LATE,
    "missing": EXPECTED & ~SENT,
    "accepted": EXPECTED & SENT & Q(status=ReportStatus.ACCEPTED),
    "returned": EXPECTED & SENT & Q(status=ReportStatus.RETURNED),
    "waiting": EXPECTED & SENT & ~Q(status__in=(ReportStatus.ACCEPTED, ReportStatus.RETURNED)),
    "extended": EXPECTED & EXTENDED,
    "voluntary": VOLUNTARY,
    "voluntary_submitted": VOLUNTARY & SENT,
}

# The words the dashboards' help and the README's table use for each figure.
DEFINITIONS = {
    "expected": _("Reports of agencies the plan orders to carry at least one task (requested organisations are counted "
                  "apart)."),
    "submitted": _("Expected reports sent to the DFA at least once."),
    "on_time": _("Submitted reports whose first submission came before the end of the due date (local time). A report "
                 "returned by the DFA and sent again stays on time."),
    "late": _("Submitted reports whose first submission came after the due date."),
    "missing": _("Expected reports never sent to the DFA."),
    "accepted": _("Submitted reports the DFA accepted."),
    "returned": _("Submitted reports the DFA sent back for changes that have not been sent again yet."),
    "waiting": _("Submitted reports waiting for the DFA's review (including corrected versions sent again)."),
    "extended": _("Expected reports whose deadline the DFA extended: their due date is the granted date, and they "
                  "count on time up to it."),
    "voluntary": _("Organisations the plan requests (not orders) to take part; their reports are voluntary, counted "
                   "apart and never late."),
    "voluntary_submitted": _("Requested organisations that sent a report."),
    "reporting_rate": _("Submitted ÷ expected."),
    "on_time_rate": _("On time ÷ expected."),
}

LABELS = {
    "expected": _("Expected"), "submitted": _("Submitted"), "on_time": _("On time"), "late": _("Late"),
    "missing": _("Missing"), "accepted": _("Accepted"), "returned": _("Returned"), "waiting": _("Waiting for review"),
    "extended": _("Extended"),
    "voluntary": _("Requested (voluntary)"), "voluntary_submitted": _("Voluntary reports sent"),
    "reporting_rate": _("Reporting rate"), "on_time_rate": _("On-time rate"),
}


def rate_percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def counted_reports(period: ReportingPeriod) -> QuerySet:
    """The reports that count in `period` (see the module's docstring)."""
    return Report.objects.filter(period=period).filter(COUNTED)


def with_rates(counts: dict) -> dict:
    return {**counts, "reporting_rate": rate_percent(counts["submitted"], counts["expected"]),
            "on_time_rate": rate_percent(counts["on_time"], counts["expected"])}


def period_counts(*, period: ReportingPeriod) -> dict:
    """Every figure of one period and both rates, in one query."""
    # aggregate aliases may not shadow model fields ("expected"), hence the n_ prefix
    raw = counted_reports(period).aggregate(**{f"n_{name}": Count("pk", filter=q) for name, q in METRICS.items()})
    return with_rates({name: raw[f"n_{name}"] for name in METRICS})


def reports_for_metric(*, period: ReportingPeriod, metric: str) -> QuerySet:
    """The reports behind one figure, in Vietnamese order of their agencies."""
    return (counted_reports(period).filter(METRICS[metric]).select_related("agency", "period")
            .order_by("agency__sort_key"))


def reports_with_metrics(*, period: ReportingPeriod) -> QuerySet:
    """The reports that count in `period`, each annotated `in_<metric>` (True or False) for every figure of METRICS:
    which figures a report counts in, per agency, in one query (the API's per-agency figures)."""
    # CASE, not the bare condition: a comparison with a NULL (no submission yet, no extension) is NULL in SQL, never
    # False
    flags = {f"in_{name}": Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())
             for name, q in METRICS.items()}
    return counted_reports(period).annotate(**flags).select_related("agency").order_by("agency__sort_key")


def reports_to_chase(*, period: ReportingPeriod) -> QuerySet:
    """Missing reports of agencies that still exist: whom a reminder run writes to about the deadline."""
    return counted_reports(period).filter(METRICS["missing"], agency__active=True)


def reports_overdue(*, period: ReportingPeriod, today: datetime.date) -> QuerySet:
    """Missing reports past their own due date (a report given an extension is not overdue before its new date)."""
    return reports_for_metric(period=period, metric="missing").alias(due=DUE).filter(due__lt=today)


def reports_to_invite(*, period: ReportingPeriod) -> QuerySet:
    """Requested organisations that exist and have sent nothing yet: invited to report, never chased as late."""
    return counted_reports(period).filter(VOLUNTARY & ~SENT, agency__active=True)


def _counted_in_plan(plan: Plan, agency_ids) -> QuerySet:
    """The reports that count in their years across `plan`; only those of `agency_ids` when given."""
    reports = Report.objects.filter(period__plan=plan).filter(COUNTED)
    return reports if agency_ids is None else reports.filter(agency_id__in=agency_ids)


def metric_counts_by_year(*, plan: Plan, metrics, agency_ids=None) -> dict[int, dict[str, int]]:
    """Per plan year that has reports: how many each of `metrics` counts, in one query. With `agency_ids`, only the
    reports of those bodies (an agency's line on the across-years page, agencies.models.Agency.lineage)."""
    rows = (
        _counted_in_plan(plan, agency_ids)
        .values("period__year")
        .annotate(**{f"n_{name}": Count("pk", filter=METRICS[name]) for name in metrics})
        .order_by()
    )
    return {r["period__year"]: {name: r[f"n_{name}"] for name in metrics} for r in rows}


def counted_reports_by_year(*, plan: Plan, agency_ids) -> dict[int, dict[int, int]]:
    """Per plan year: which of `agency_ids` have an expected report that counts in it, agency id → report id, i.e.
    the reports the year's figures of years_series(agency_ids=…) are made of. One query."""
    rows = _counted_in_plan(plan, agency_ids).filter(EXPECTED).values_list("period__year", "agency_id", "pk").order_by()
    out: dict[int, dict[int, int]] = {}
    for year, agency_id, report_id in rows:
        out.setdefault(year, {})[agency_id] = report_id
    return out


def agencies_with_a_line(*, plan: Plan) -> QuerySet:
    """The agencies whose line the across-years page and the API can show, in Vietnamese order: those with at least
    one expected report that counts in a year of `plan`, and every body that succeeds one of them (merged_into,
    agencies.models.Agency.lineage) — a successor has its predecessors' years before its first report of its own.
    Requested organisations only ever report voluntarily, outside the figures. One query per level of succession."""
    ids = set(_counted_in_plan(plan, None).filter(EXPECTED).values_list("agency_id", flat=True).distinct())
    level = ids
    while level:
        level = set(Agency.objects.filter(pk__in=level, merged_into__isnull=False)
                    .values_list("merged_into_id", flat=True)) - ids
        ids |= level
    return Agency.objects.filter(pk__in=ids).order_by("sort_key", "code")


def agency_named(agencies, code: str) -> Agency | None:
    """Of `agencies` (those whose line can be shown, agencies_with_a_line), the one `code` names: written
    exactly, else in another case ("stc" for "STC"); the first in their order. The page and the API alike."""
    agencies = list(agencies)
    return (next((agency for agency in agencies if agency.code == code), None)
            or next((agency for agency in agencies if agency.code.upper() == code.upper()), None))


YEAR_METRICS = ("expected", "submitted", "on_time", "late", "missing")


def years_series(*, plan: Plan, agency_ids=None) -> list[dict]:
    """Every plan year's figures of YEAR_METRICS with the reporting rate and on-time rate, in one query: of the whole
    province, or with `agency_ids` of those bodies' reports only."""
    by_year = metric_counts_by_year(plan=plan, metrics=YEAR_METRICS, agency_ids=agency_ids)
    out = []
    for year in plan.years():
        r = by_year.get(year, dict.fromkeys(YEAR_METRICS, 0))
        out.append({"year": year, **year_rates(r)})
    return out


def year_rates(counts: dict) -> dict:
    """A year's counts with both rates; a year with nothing expected yet has no rate (None: a gap in a chart, a dash
    in a table), not 0 %."""
    return with_rates(counts) if counts["expected"] else {**counts, "reporting_rate": None, "on_time_rate": None}


def days_left_to_report(report: Report | None, period: ReportingPeriod, today: datetime.date) -> int | None:
    """Days until the report's own due date (a granted extension's, else the period's) for a report still owed; None
    when nothing is owed (sent and not returned, or voluntary: a requested organisation is never overdue)."""
    if report is None:
        return period.days_left(today)
    if not report.expected or (report.first_submitted_at and report.status != ReportStatus.RETURNED):
        return None
    return report.days_left(today)


# --- Per-task progress ------------------------------------------------------------------------------

# the sections that count for a task: ordered (not requested) ones of the counted reports
COUNTED_SECTIONS = _counted("report__")
SECTION_SENT = Q(report__first_submitted_at__isnull=False)


def sections_counted(*, period: ReportingPeriod) -> QuerySet:
    return ReportSection.objects.filter(report__period=period, requested=False).filter(COUNTED_SECTIONS)


def sections_for(*, period: ReportingPeriod, task_id: int | None = None, progress: str | None = None, lead_only=False):
    """The sections behind one per-task figure: of sent reports (their latest state), one task, one progress status."""
    queryset = sections_counted(period=period).filter(SECTION_SENT)
    if task_id:
        queryset = queryset.filter(task_id=task_id)
    if progress:
        queryset = queryset.filter(progress="" if progress == "none" else progress)
    if lead_only:
        queryset = queryset.filter(role=AssignmentRole.LEAD)
    return queryset.select_related("report__agency", "task").order_by("task__sort_key", "report__agency__sort_key")


PROGRESS_VALUES = frozenset(Progress.values)


def task_progress(*, period: ReportingPeriod) -> list[dict]:
    """Per task: how many ordered sections it has (assigned), how many were sent (reported), how many of those are at
    each progress status ("no progress": not started or not given), and how many were not reported. One query."""
    rows = (
        sections_counted(period=period)
        .values_list("task_id", "task__code", "task__title", "task__title_en", "task__sort_key", "progress")
        .annotate(n=Count("pk"), sent=Count("pk", filter=SECTION_SENT))
        .order_by()
    )
    tasks: dict[int, dict] = {}
    for task_id, code, title, title_en, sort_key, progress, n, sent in rows:
        row = tasks.get(task_id)
        if row is None:
            row = tasks[task_id] = {"task_id": task_id, "task__code": code, "task__title": title,
                                    "task__title_en": title_en,
                                    "task__sort_key": sort_key, "expected": 0, "reported": 0, "none": 0,
                                    **dict.fromkeys(Progress.values, 0)}
        row["expected"] += n
        row["reported"] += sent
        row[progress if progress in PROGRESS_VALUES else "none"] += sent
    out = sorted(tasks.values(), key=lambda row: row["task__sort_key"])
    for row in out:
        row["no_progress"] = row["not_started"] + row["none"]
        row["unreported"] = row["expected"] - row["reported"]
    return out


# --- Indicators (chỉ tiêu) ---------------------------------------------------------------------------------------

def last_versions(*, period: ReportingPeriod) -> dict[int, ReportVersion]:
    """Report id → its last submitted version: what the DFA has (a draft being typed never counts)."""
    versions: dict[int, ReportVersion] = {}
    for version in ReportVersion.objects.filter(report__period=period).order_by("report_id", "number"):
        versions[version.report_id] = version  # the highest number wins
    return versions


def indicator_figures(*, period: ReportingPeriod, reports=None, versions=None) -> dict[str, list[dict]]:
    """Task code → the task's indicators, catalogue order, each with every agency's value and the total.

    Values come from the last submitted version of each report that counts in the period (`COUNTED`: a body merged
    after sending keeps its values in its year). Requested organisations' values are listed and totalled apart
    (`voluntary_total`) and never enter `total`. `Indicator.combined` makes the total (sum, largest, latest — in
    order of submission). A total is None when no agency gave a value, which is not 0.
    """
    reports = reports if reports is not None else list(counted_reports(period).select_related("agency"))
    versions = versions if versions is not None else last_versions(period=period)
    catalogue = {i.code: i for i in period.plan.indicators.all()}
    given: dict[tuple[str, str], list] = {}
    for report in sorted((r for r in reports if r.pk in versions), key=lambda r: (versions[r.pk].submitted_at, r.pk)):
        for task_code, section in versions[report.pk].content.get("sections", {}).items():
            for item in section.get("indicators", []):
                if item.get("code") in catalogue:
                    given.setdefault((task_code, item["code"]), []).append(
                        (report.agency.sort_key, {"agency": report.agency.name, "agency_code": report.agency.code,
                                                  "value": Decimal(item["value"]), "expected": report.expected}))
    out: dict[str, list[dict]] = {}
    for (task_code, code), keyed in given.items():
        indicator = catalogue[code]
        values = [value for _key, value in keyed]
        ordered = [v["value"] for v in values if v["expected"]]
        voluntary = [v["value"] for v in values if not v["expected"]]
        out.setdefault(task_code, []).append({
            "code": code, "name": indicator.name, "unit": indicator.unit, "kind": indicator.kind,
            "combine": indicator.combine, "position": indicator.position,
            "values": [v for _key, v in sorted(keyed, key=lambda kv: (not kv[1]["expected"], kv[0]))],
            "total": indicator.combined(ordered), "voluntary_total": indicator.combined(voluntary),
        })
    for items in out.values():
        items.sort(key=lambda item: (item["position"], item["code"]))
    return out
