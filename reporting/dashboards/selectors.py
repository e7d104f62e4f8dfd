"""Reads behind the DFA's and leadership's dashboards. Every function answers in a fixed number of queries.

What each figure counts is defined once, in reporting.dashboards.metrics; this module lays those figures out for the
pages.
"""
import datetime
import logging
from collections import defaultdict

from django.core.cache import cache
from django.db.models import Count, Max, Sum

from agencies.models import Agency
from reporting.dashboards.metrics import (
    SECTION_SENT,
    counted_reports_by_year,
    period_counts,
    years_series,
)
from reporting.models import Report, ReportingPeriod, ReportSection
from tasks.models import AssignmentRole, Plan, Task

log = logging.getLogger(__name__)


def dashboard_stats(*, period: ReportingPeriod, today: datetime.date) -> dict:
    """Headline figures of one period (reporting.dashboards.metrics) and the days left, in one query."""
    counts = period_counts(period=period)
    counts["days_left"] = period.days_left(today)
    counts["synthesis_days_left"] = period.synthesis_days_left(today)
    return counts


def task_matrix(*, period: ReportingPeriod, agency_ids: list[int]):
    """Tasks × the given agencies (a page of columns): each cell the section's progress, lead marked."""
    sections = ReportSection.objects.filter(report__period=period, report__agency_id__in=agency_ids).values(
        "task_id", "task__code", "report_id", "report__agency_id", "progress", "role", "report__submitted_at"
    )
    cells: defaultdict[int, dict] = defaultdict(dict)
    for s in sections:
        cells[s["task_id"]][s["report__agency_id"]] = {
            "progress": s["progress"] if s["report__submitted_at"] else "", "lead": s["role"] == AssignmentRole.LEAD,
            "submitted": s["report__submitted_at"] is not None, "report_id": s["report_id"], "code": s["task__code"],
        }
    return cells


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
    """Per period: the sent, ordered sections (reporting.dashboards.metrics) counted by (task id, progress).

    A period's counts are kept in the cache under its stamp and counted again only when the stamp moves: in
    November only the current period's reports change, and the seven other years are not read again.
    The stamps are read before the counts, so counts stored under a stamp are never older than it.
    """
    stamps = _period_stamps(plan=plan)
    keys = {period_id: f"progress-by-year:{period_id}:{':'.join(map(str, stamp))}"
            for period_id, stamp in stamps.items()}
    try:
        counts = cache.get_many(list(keys.values()))
    except Exception:  # a shared cache that is down (CACHE_URL) costs a recount, never the page
        log.warning("Cache unavailable; counting the dashboards' progress again", exc_info=True)
        counts = {}
    out = {period_id: counts[key] for period_id, key in keys.items() if key in counts}
    stale = [period_id for period_id in keys if period_id not in out]
    if stale:
        rows = (
            ReportSection.objects.filter(SECTION_SENT, report__period_id__in=stale, requested=False)
            .values_list("report__period_id", "task_id", "progress").annotate(n=Count("pk")).order_by()
        )
        fresh: dict[int, dict] = {period_id: {} for period_id in stale}
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

    One row per task with any: {"task_id", "code", "years": {year: {progress: n}}}. A sent report always counts
    in its year (reporting.dashboards.metrics), so merging or retiring an agency later changes nothing here.
    """
    counts = _submitted_progress_counts(plan=plan)
    years = dict(plan.periods.values_list("pk", "year"))
    by_task: defaultdict[int, defaultdict[int, dict]] = defaultdict(lambda: defaultdict(dict))
    for period_id, by_progress in counts.items():
        for (task_id, progress), n in by_progress.items():
            if n:
                by_task[task_id][years[period_id]][progress or "none"] = n
    return [
        {"task_id": task_id, "code": code, "years": dict(sorted(by_task[task_id].items()))}
        for task_id, code in Task.objects.filter(pk__in=by_task).order_by("sort_key").values_list("pk", "code")
    ]


def agency_line(*, plan: Plan, agency: Agency, lineage: bool) -> dict:
    """One agency's figures per plan year, as the province's (reporting.dashboards.metrics.years_series): of its own
    reports only, or with `lineage` also of the bodies it succeeds (Agency.lineage), whose reports of earlier years
    then count in its line. Each year names the bodies whose reports its figures count, and those reports
    (`reported_by`: agency and report id, Vietnamese order); a year in which a predecessor sent its report before it
    ended and the successor owes one too names both. A fixed number of queries, one more per level of the line.
    """
    bodies = agency.lineage() if lineage else [agency]
    by_id = {body.pk: body for body in bodies}
    counted = counted_reports_by_year(plan=plan, agency_ids=list(by_id))
    rows = years_series(plan=plan, agency_ids=list(by_id))
    for row in rows:
        reports = counted.get(row["year"], {})
        row["reported_by"] = [{"agency": by_id[pk], "report_id": reports[pk]}
                              for pk in sorted(reports, key=lambda pk: (by_id[pk].sort_key, pk))]
    return {"agency": agency, "lineage": lineage, "bodies": bodies, "years": rows}
