"""Reads that feed the reporting pages."""
import datetime

from django.db.models import Prefetch

from agencies.models import Agency
from reporting.dashboards.metrics import metric_counts_by_year
from reporting.models import (
    Attachment,
    DifficultyStatus,
    IndicatorValue,
    PeriodPhase,
    Report,
    ReportStatus,
    SectionFigure,
)
from reporting.permissions import difficulties_visible_to
from tasks.models import Assignment, Plan


def agency_assignments(*, agency: Agency, plan: Plan):
    return (
        Assignment.objects.filter(agency=agency, task__plan=plan)
        .select_related("task", "task__group")
        .order_by("task__sort_key")
    )


def report_with_sections(*, report: Report):
    """Sections with tasks, figures and attachments, in plan order, in a fixed number of queries."""
    return (
        report.sections.select_related("task", "task__parent")
        .prefetch_related(
            Prefetch("figures", queryset=SectionFigure.objects.order_by("id")),
            Prefetch("indicator_values", queryset=IndicatorValue.objects.select_related("indicator")
                     .order_by("indicator__position", "indicator__code")),
            Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at")),
        )
        .order_by("task__sort_key")
    )


def report_timeline(*, report: Report):
    return report.events.select_related("actor").order_by("at", "id")


def report_attachments(*, report: Report):
    return report.attachments.filter(section__isnull=True).order_by("uploaded_at")


def review_queue(*, plan: Plan | None = None):
    """Submitted reports waiting for the DFA, oldest first (late ones are marked on the page)."""
    queryset = Report.objects.filter(status=ReportStatus.SUBMITTED).select_related("agency", "period", "submitted_by")
    if plan is not None:
        queryset = queryset.filter(period__plan=plan)
    return queryset.order_by("submitted_at", "pk")


OVERVIEW_METRICS = ("expected", "submitted", "late", "waiting", "accepted")


def period_overview(*, plan: Plan, today: datetime.date) -> list:
    """Each period, newest first, with its counts of reports as the dashboards count them (`p.counts`: metric, n).

    Same definitions as the dashboards (active agencies; expected reports but for "waiting"), so that the home
    page and the dashboard never show two different figures for the same thing. Two queries.
    """
    by_year = metric_counts_by_year(plan=plan, metrics=OVERVIEW_METRICS)
    periods = list(plan.periods.order_by("-year"))
    for period in periods:
        counts = by_year.get(period.year, {})
        period.counts = [(name, counts.get(name, 0)) for name in OVERVIEW_METRICS]  # type: ignore[attr-defined]
        period.phase_now = PeriodPhase(period.phase(today))  # type: ignore[attr-defined]  # .label on the page
    return periods


def difficulties_escalated(*, user):
    """What the DFA took to the Provincial People's Committee, latest first: what leadership has to decide."""
    return difficulties_visible_to(user).filter(status=DifficultyStatus.ESCALATED).order_by("-updated_at", "-pk")


def agency_past_reports(*, agency: Agency, exclude: Report | None = None):
    queryset = Report.objects.filter(agency=agency).select_related("period", "period__plan").order_by("-period__year")
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    return queryset
