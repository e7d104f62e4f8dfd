"""Reads behind the DFA's and leadership's dashboards. Every function answers in a fixed number of queries.

Definitions follow DHIS2: reporting rate = submitted / expected; on-time rate = submitted before the end of the
due date (local time) / expected. "Expected" reports are those of agencies the plan orders (not the requested
organisations, whose reports are voluntary).
"""
import datetime
import logging
from collections import defaultdict

from django.core.cache import cache
from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q, Sum

from tasks.models import AssignmentRole, Plan, Task

from .models import Progress, Report, ReportingPeriod, ReportSection, ReportStatus

log = logging.getLogger(__name__)

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
    return period_reports(period).filter(METRICS[metric]).select_related("agency", "period").order_by("agency__sort_key")


def sections_for(*, period: ReportingPeriod, task_id: int | None = None, progress: str | None = None, lead_only=False):
    """Sections of submitted reports (the last submission's state), optionally one task and one progress status."""
    queryset = ReportSection.objects.filter(report__period=period, report__submitted_at__isnull=False, report__agency__active=True)
    if task_id:
        queryset = queryset.filter(task_id=task_id)
    if progress:
        queryset = queryset.filter(progress="" if progress == "none" else progress)
    if lead_only:
        queryset = queryset.filter(role=AssignmentRole.LEAD)
    return queryset.select_related("report__agency", "task").order_by("task__sort_key", "report__agency__sort_key")


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


def metric_counts_by_year(*, plan: Plan, metrics) -> dict[int, dict[str, int]]:
    """Per plan year that has reports: how many each of `metrics` counts (active agencies, as on every dashboard)."""
    rows = (
        Report.objects.filter(period__plan=plan, agency__active=True)
        .values("period__year")
        .annotate(**{f"n_{name}": Count("pk", filter=METRICS[name]) for name in metrics})
        .order_by()
    )
    return {r["period__year"]: {name: r[f"n_{name}"] for name in metrics} for r in rows}


def years_series(*, plan: Plan) -> list[dict]:
    """Reporting rate and on-time rate per plan year, in one query."""
    by_year = metric_counts_by_year(plan=plan, metrics=("expected", "submitted", "on_time", "late", "missing"))
    out = []
    for year in plan.years():
        r = by_year.get(year, {"expected": 0, "submitted": 0, "on_time": 0, "late": 0, "missing": 0})
        # a year with nothing expected yet has no rate (None: a gap in the chart, a dash in the table), not 0 %
        out.append({"year": year, **{k: r[k] for k in ("expected", "submitted", "on_time", "late", "missing")},
                    "reporting_rate": rate_percent(r["submitted"], r["expected"]) if r["expected"] else None,
                    "on_time_rate": rate_percent(r["on_time"], r["expected"]) if r["expected"] else None})
    return out


PROGRESS_CACHE_SECONDS = 15 * 60


def _period_stamps(*, plan: Plan) -> dict[int, tuple]:
    """Per period of the plan: a stamp that changes whenever its submitted sections' progress counts may change.

    Every write that changes a report's sections or its submission (save, submit, return, accept, reopen, a section
    added or removed for a changed assignment, an admin edit) raises the report's lock_version, which never goes
    down; a report added or deleted changes the count or the highest id. So two equal stamps mean equal counts.
    """
    rows = (
        Report.objects.filter(period__plan=plan).values("period_id")
        .annotate(n=Count("pk"), last=Max("pk"), submitted=Count("submitted_at"), edits=Sum("lock_version"))
        .order_by()
    )
    return {r["period_id"]: (r["n"], r["last"], r["submitted"], r["edits"]) for r in rows}


def _submitted_progress_counts(*, plan: Plan) -> dict[int, dict[tuple[int, str], int]]:
    """Per period: submitted sections counted by (task id, progress), every agency included.

    A period's counts are kept in the cache under its stamp and counted again only when the stamp moves: in
    November only the current period's reports change, and the seven other years are not read again.
    The stamps are read before the counts, so counts stored under a stamp are never older than it.
    """
    stamps = _period_stamps(plan=plan)
    keys = {period_id: f"progress-by-year:{period_id}:{':'.join(map(str, stamp))}" for period_id, stamp in stamps.items()}
    try:
        counts = cache.get_many(list(keys.values()))
    except Exception:  # a shared cache that is down (CACHE_URL) costs a recount, never the page
        log.warning("Cache unavailable; counting the dashboards' progress again", exc_info=True)
        counts = {}
    out = {period_id: counts[key] for period_id, key in keys.items() if key in counts}
    stale = [period_id for period_id in keys if period_id not in out]
    if stale:
        rows = (
            ReportSection.objects.filter(report__period_id__in=stale, report__submitted_at__isnull=False)
            .values_list("report__period_id", "task_id", "progress").annotate(n=Count("pk")).order_by()
        )
        fresh = {period_id: {} for period_id in stale}
        for period_id, task_id, progress, n in rows:
            fresh[period_id][(task_id, progress)] = n
        try:
            cache.set_many({keys[period_id]: value for period_id, value in fresh.items()}, PROGRESS_CACHE_SECONDS)
        except Exception:
            log.warning("Cache unavailable; the dashboards' progress counts are not kept", exc_info=True)
        out.update(fresh)
    return out


def progress_by_year(*, plan: Plan) -> list[dict]:
    """Per task (in plan order) and year: counts of submitted sections by progress status ("none": not given).

    One row per task with any: {"task_id", "code", "years": {year: {progress: n}}}. Agencies no longer active are
    left out, as everywhere on the dashboards: their few sections are counted live and taken off the cached
    all-agency counts, so retiring or merging an agency shows at once.
    """
    counts = _submitted_progress_counts(plan=plan)
    retired = (
        ReportSection.objects.filter(report__period__plan=plan, report__submitted_at__isnull=False, report__agency__active=False)
        .values_list("report__period_id", "task_id", "progress").annotate(n=Count("pk")).order_by()
    )
    copied = set()
    for period_id, task_id, progress, n in retired:
        if period_id not in copied:
            counts[period_id] = dict(counts[period_id])  # never change a cached value in place
            copied.add(period_id)
        counts[period_id][(task_id, progress)] -= n
    years = dict(plan.periods.values_list("pk", "year"))
    by_task = defaultdict(lambda: defaultdict(dict))
    for period_id, period_counts in counts.items():
        for (task_id, progress), n in period_counts.items():
            if n:
                by_task[task_id][years[period_id]][progress or "none"] = n
    return [
        {"task_id": task_id, "code": code, "years": dict(sorted(by_task[task_id].items()))}
        for task_id, code in Task.objects.filter(pk__in=by_task).order_by("sort_key").values_list("pk", "code")
    ]


def overdue_reports(*, period: ReportingPeriod, today: datetime.date):
    if period.days_left(today) >= 0:
        return Report.objects.none()
    return reports_for_metric(period=period, metric="missing")
