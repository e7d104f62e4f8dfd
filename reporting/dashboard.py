"""Reads behind the DFA's and leadership's dashboards. Every function answers in a fixed number of queries.

Definitions follow DHIS2: reporting rate = submitted / expected; on-time rate = submitted before the end of the
due date (local time) / expected. "Expected" reports are those of agencies the plan orders (not the requested
organisations, whose reports are voluntary).
"""
import datetime
from collections import defaultdict

from django.db.models import BooleanField, Count, ExpressionWrapper, Q

from tasks.models import AssignmentRole, Plan

from .models import Progress, Report, ReportingPeriod, ReportSection, ReportStatus

# metric name → which reports it counts (each dashboard number links to this list)
METRICS = {
    "expected": Q(expected=True),
    "submitted": Q(expected=True, submitted_at__isnull=False),
    "on_time": Q(expected=True, submitted_at__isnull=False, days_late=0),
    "late": Q(expected=True, submitted_at__isnull=False, days_late__gt=0),
    "missing": Q(expected=True, submitted_at__isnull=True),
    "accepted": Q(expected=True, status=ReportStatus.ACCEPTED),
    "returned": Q(expected=True, status=ReportStatus.RETURNED),
    "waiting": Q(status=ReportStatus.SUBMITTED),
    "voluntary": Q(expected=False, submitted_at__isnull=False),
}


def rate_percent(part, whole):
    return round(100.0 * part / whole, 1) if whole else 0.0


def period_reports(period: ReportingPeriod):
    return Report.objects.filter(period=period, agency__active=True)


def dashboard_stats(*, period: ReportingPeriod, today: datetime.date) -> dict:
    """Headline figures of one period, in one query."""
    # aggregate aliases may not shadow model fields ("expected"), hence the n_ prefix
    raw = period_reports(period).aggregate(**{f"n_{name}": Count("pk", filter=q) for name, q in METRICS.items()})
    counts = {name: raw[f"n_{name}"] for name in METRICS}
    counts["reporting_rate"] = rate_percent(counts["submitted"], counts["expected"])
    counts["on_time_rate"] = rate_percent(counts["on_time"], counts["expected"])
    counts["days_left"] = period.days_left(today)
    counts["synthesis_days_left"] = period.synthesis_days_left(today)
    return counts


def reports_for_metric(*, period: ReportingPeriod, metric: str):
    return period_reports(period).filter(METRICS[metric]).select_related("agency", "period").order_by("agency__name")


def sections_for(*, period: ReportingPeriod, task_id: int | None = None, progress: str | None = None, lead_only=False):
    """Sections of submitted reports (the last submission's state), optionally one task and one progress status."""
    queryset = ReportSection.objects.filter(report__period=period, report__submitted_at__isnull=False, report__agency__active=True)
    if task_id:
        queryset = queryset.filter(task_id=task_id)
    if progress:
        queryset = queryset.filter(progress="" if progress == "none" else progress)
    if lead_only:
        queryset = queryset.filter(role=AssignmentRole.LEAD)
    return queryset.select_related("report__agency", "task").order_by("task__sort_key", "report__agency__name")


PROGRESS_VALUES = frozenset(Progress.values)


def task_progress(*, period: ReportingPeriod):
    """Per task: how many submitted sections are at each progress status, and how many are not reported.

    One count per (task, progress, submitted) added up here: the same figures as one filtered COUNT per status,
    for a fraction of the query-building time (bench/bench_dashboards.py)."""
    submitted = ExpressionWrapper(Q(report__submitted_at__isnull=False), output_field=BooleanField())
    rows = (
        ReportSection.objects.filter(report__period=period, report__agency__active=True, requested=False)
        .values_list("task_id", "task__code", "task__title", "task__title_en", "task__sort_key", "progress")
        .annotate(submitted=submitted, n=Count("pk"))
        .order_by()
    )
    tasks = {}
    for task_id, code, title, title_en, sort_key, progress, is_submitted, n in rows:
        row = tasks.get(task_id)
        if row is None:
            row = tasks[task_id] = {"task_id": task_id, "task__code": code, "task__title": title, "task__title_en": title_en,
                                    "task__sort_key": sort_key, "expected": 0, "reported": 0, **dict.fromkeys(Progress.values, 0)}
        row["expected"] += n
        if is_submitted:
            row["reported"] += n
            if progress in PROGRESS_VALUES:
                row[progress] += n
    out = sorted(tasks.values(), key=lambda row: row["task__sort_key"])
    for row in out:
        row["no_progress"] = row["not_started"] + (row["reported"] - sum(row[p] for p in Progress.values))
        row["unreported"] = row["expected"] - row["reported"]
    return out


def task_matrix(*, period: ReportingPeriod, agency_ids: list[int]):
    """Tasks × the given agencies (a page of columns): each cell the section's progress, lead marked."""
    sections = ReportSection.objects.filter(report__period=period, report__agency_id__in=agency_ids).values(
        "task_id", "task__code", "report_id", "report__agency_id", "progress", "role", "report__submitted_at"
    )
    cells = defaultdict(dict)
    for s in sections:
        cells[s["task_id"]][s["report__agency_id"]] = {
            "progress": s["progress"] if s["report__submitted_at"] else "", "lead": s["role"] == AssignmentRole.LEAD,
            "submitted": s["report__submitted_at"] is not None, "report_id": s["report_id"], "code": s["task__code"],
        }
    return cells


def years_series(*, plan: Plan) -> list[dict]:
    """Reporting rate and on-time rate per plan year, in one query."""
    rows = (
        Report.objects.filter(period__plan=plan, agency__active=True)
        .values("period__year")
        .annotate(**{f"n_{name}": Count("pk", filter=METRICS[name]) for name in ("expected", "submitted", "on_time", "late", "missing")})
        .order_by("period__year")
    )
    by_year = {r["period__year"]: {k[2:]: v for k, v in r.items() if k.startswith("n_")} for r in rows}
    out = []
    for year in plan.years():
        r = by_year.get(year, {"expected": 0, "submitted": 0, "on_time": 0, "late": 0, "missing": 0})
        # a year with nothing expected yet has no rate (None: a gap in the chart, a dash in the table), not 0 %
        out.append({"year": year, **{k: r[k] for k in ("expected", "submitted", "on_time", "late", "missing")},
                    "reporting_rate": rate_percent(r["submitted"], r["expected"]) if r["expected"] else None,
                    "on_time_rate": rate_percent(r["on_time"], r["expected"]) if r["expected"] else None})
    return out


def progress_by_year(*, plan: Plan) -> dict:
    """Per task and year: counts of submitted sections by progress status (for the across-years chart)."""
    rows = (
        ReportSection.objects.filter(report__period__plan=plan, report__submitted_at__isnull=False, report__agency__active=True)
        .values("task__code", "task__sort_key", "report__period__year", "progress")
        .annotate(n=Count("pk"))
        .order_by("task__sort_key", "report__period__year")
    )
    out = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for r in rows:
        out[r["task__code"]][r["report__period__year"]][r["progress"] or "none"] += r["n"]
    return out


def overdue_reports(*, period: ReportingPeriod, today: datetime.date):
    if period.days_left(today) >= 0:
        return Report.objects.none()
    return reports_for_metric(period=period, metric="missing")
