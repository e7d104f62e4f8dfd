"""Reads that feed the reporting pages."""

from django.db.models import Count, Prefetch, Q

from agencies.models import Agency
from tasks.models import Assignment, Plan

from .models import Attachment, Report, ReportStatus, SectionFigure


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


def period_overview(*, plan: Plan):
    """Each period with counts of reports per status, for the DFA's home page."""
    return plan.periods.annotate(
        n_reports=Count("reports", filter=Q(reports__expected=True)),
        n_submitted=Count("reports", filter=Q(reports__expected=True, reports__submitted_at__isnull=False)),
        n_waiting=Count("reports", filter=Q(reports__status=ReportStatus.SUBMITTED)),
        n_accepted=Count("reports", filter=Q(reports__status=ReportStatus.ACCEPTED)),
        n_late=Count("reports", filter=Q(reports__days_late__gt=0)),
    ).order_by("-year")


def agency_past_reports(*, agency: Agency, exclude: Report | None = None):
    queryset = Report.objects.filter(agency=agency).select_related("period", "period__plan").order_by("-period__year")
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    return queryset
