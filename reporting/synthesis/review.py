"""Mid-term and final reviews (sơ kết, tổng kết; section IV.1 of the plan): a synthesis over a span of the plan's
years, as plain data for reporting/synthesis/review_documents.py.

Nothing is counted here: every figure of a year is the figure of that year's synthesis and dashboards
(reporting.dashboards.metrics: `indicator_figures`, `task_progress`, `period_counts`), and the span total of an
indicator is `Indicator.combined` over the years' totals (a sum adds, a largest value takes the largest, a latest
value the last year's). Reads only; the number of queries grows with the years of the span, never with the agencies.
"""
from django.utils.translation import gettext as _

from reporting.cycle.services import ReportingError
from reporting.dashboards.metrics import (
    counted_reports,
    indicator_figures,
    last_versions,
    period_counts,
    task_progress,
    year_rates,
)
from reporting.models import ReportingPeriod
from reporting.synthesis.build import difficulties_raised
from tasks.models import Plan

MID_TERM, FINAL = "mid_term", "final"
# a task's difficulties persisted when they were reported in at least this many years of the span
PERSISTED_YEARS = 2
# how many agencies a persisted difficulty names before "và N cơ quan khác"
NAMED_AGENCIES = 3
PROGRESS_KEYS = ("expected", "reported", "completed", "in_progress", "ongoing", "no_progress", "unreported")


def review_span_check(plan: Plan, first: int, last: int) -> None:
    """A review covers whole years of the plan, the first no later than the last; anything else is refused with a
    message for the user."""
    if first > last:
        raise ReportingError(_("The first year of a review (%(first)s) cannot come after its last year (%(last)s).")
                             % {"first": first, "last": last})
    if first < plan.first_year or last > plan.last_year:
        raise ReportingError(_("A review covers the plan's years, %(first)s to %(last)s.")
                             % {"first": plan.first_year, "last": plan.last_year})


def review_kind(plan: Plan, last: int) -> str:
    """Tổng kết (final) for a span that ends in the plan's last year, sơ kết (mid-term) for one that ends before."""
    return FINAL if last == plan.last_year else MID_TERM


def review_content(plan: Plan, first: int, last: int) -> dict:
    """The review of the years `first`–`last` of `plan` as plain data (refused by `review_span_check`)."""
    review_span_check(plan, first, last)
    years = list(range(first, last + 1))
    periods = {p.year: p for p in ReportingPeriod.objects.filter(plan=plan, year__in=years).select_related("plan")}
    figures: dict[int, dict] = {}
    progress: dict[int, dict] = {}
    raised: dict[int, dict] = {}
    completeness: list[dict] = []
    for year in years:
        period = periods.get(year)
        if period is None:  # a year whose period has not opened yet: nothing reported, nothing to count
            completeness.append({"year": year, "counts": None})
            continue
        reports = list(counted_reports(period).select_related("agency"))
        versions = last_versions(period=period)
        figures[year] = indicator_figures(period=period, reports=reports, versions=versions)
        progress[year] = {row["task__code"]: row for row in task_progress(period=period)}
        completeness.append({"year": year, "counts": year_rates(period_counts(period=period))})
        raised[year] = _who_raised_difficulties(period, reports, versions)
    return {
        "plan": {"number": plan.number, "title": plan.title, "issued_on": plan.issued_on.isoformat(),
                 "first_year": plan.first_year, "last_year": plan.last_year},
        "first": first, "last": last, "years": years, "kind": review_kind(plan, last),
        "completeness": completeness,
        "groups": _groups(plan, years, figures, progress),
        "persisted": _persisted(plan, years, raised),
    }


def _groups(plan: Plan, years: list[int], figures: dict, progress: dict) -> list[dict]:
    """Per task group and task: the indicators per year and over the span, and the progress counts per year."""
    catalogue = {i.code: i for i in plan.indicators.all()}
    tasks = list(plan.tasks.order_by("sort_key"))
    groups = []
    for group in plan.groups.order_by("position"):
        rows = []
        for task in (t for t in tasks if t.group_id == group.pk):
            indicators = _task_indicators(task.code, years, figures, catalogue)
            task_years = [{"year": year, **_progress_of(progress[year].get(task.code))}
                          for year in years if year in progress and task.code in progress[year]]
            if indicators or task_years:
                rows.append({"code": task.code, "title": task.title, "indicators": indicators,
                             "progress": task_years})
        groups.append({"code": group.code, "title": group.title, "tasks": rows})
    return groups


def _progress_of(row: dict) -> dict:
    return {key: row[key] for key in PROGRESS_KEYS}


def _task_indicators(task_code: str, years: list[int], figures: dict, catalogue: dict) -> list[dict]:
    """A task's indicators that someone reported in the span, each with its total per year and over the span."""
    by_code: dict[str, dict] = {}
    for year in years:
        for item in figures.get(year, {}).get(task_code, []):
            row = by_code.setdefault(item["code"], {
                "code": item["code"], "name": item["name"], "unit": item["unit"], "kind": item["kind"],
                "combine": item["combine"], "position": item["position"], "by_year": dict.fromkeys(years),
            })
            row["by_year"][year] = item["total"]
    for row in by_code.values():
        row["total"] = catalogue[row["code"]].combined([row["by_year"][year] for year in years])
    return sorted(by_code.values(), key=lambda row: (row["position"], row["code"]))


def _who_raised_difficulties(period: ReportingPeriod, reports: list, versions: dict) -> dict[str, dict[str, str]]:
    """Task code → agency sort key → agency name: who reported a difficulty on the task in the period, in the
    difficulties of a submitted report's section or as a Difficulty record raised in the period's window."""
    raised: dict[str, dict[str, str]] = {}
    for report in reports:
        version = versions.get(report.pk)
        if version is None:
            continue
        for task_code, section in version.content.get("sections", {}).items():
            if (section.get("difficulties") or "").strip():
                raised.setdefault(task_code, {})[report.agency.sort_key] = report.agency.name
    for task_code, sort_key, name in (difficulties_raised(period)
                                      .values_list("task__code", "agency__sort_key", "agency__name")):
        raised.setdefault(task_code, {})[sort_key] = name
    return raised


def _persisted(plan: Plan, years: list[int], raised: dict[int, dict]) -> list[dict]:
    """Tasks whose difficulties came back: reported in `PERSISTED_YEARS` or more years of the span, with the years
    and the agencies (the first `NAMED_AGENCIES` in Vietnamese order, and how many more)."""
    out = []
    for task in plan.tasks.order_by("sort_key"):
        in_years = [year for year in years if task.code in raised.get(year, {})]
        if len(in_years) < PERSISTED_YEARS:
            continue
        agencies: dict[str, str] = {}
        for year in in_years:
            agencies.update(raised[year][task.code])
        names = [agencies[key] for key in sorted(agencies)]
        out.append({"code": task.code, "title": task.title, "years": in_years,
                    "agencies": names[:NAMED_AGENCIES], "more": max(len(names) - NAMED_AGENCIES, 0),
                    "agency_count": len(names)})
    return out
