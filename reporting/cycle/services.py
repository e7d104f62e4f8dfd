"""Writes of the reporting cycle: periods, reports, submission, review, attachments, difficulties.

IV.2: every assigned agency evaluates its results and reports to the Provincial People's Committee through the
DFA before 5 November each year; IV.1: the DFA synthesises before 15 November.
"""
import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency
from reporting.cycle.files import UnpackedTooLarge, classify_upload
from reporting.delivery.feed import feed_record
from reporting.delivery.outbox import outbox_record
from reporting.models import (
    Attachment,
    DayOff,
    EventKind,
    FeedKind,
    IndicatorValue,
    PeriodStatus,
    Report,
    ReportEvent,
    ReportingPeriod,
    ReportSection,
    ReportStatus,
    ReportVersion,
    SectionFigure,
)
from tasks.models import Assignment, DeadlineKind, DeadlineRule, Plan
from tasks.selectors import indicators_by_task

log = logging.getLogger(__name__)

SECTION_FIELDS = ("progress", "results", "difficulties", "proposals")


class ReportingError(Exception):
    """A rule of the reporting cycle refused the action; `str()` is a message for the user."""


class PeriodClosed(ReportingError):
    pass


class ReportLocked(ReportingError):
    pass


class StaleReport(ReportingError):
    """Someone else saved the report after this form was opened (optimistic locking)."""

    def __init__(self, report: Report):
        self.report = report
        who = report.updated_by.get_full_name() or report.updated_by.username if report.updated_by else _("someone")
        when = timezone.localtime(report.updated_at).strftime("%d/%m/%Y %H:%M")
        super().__init__(
            _("%(who)s saved this report at %(when)s, after you opened it. Your changes were not saved; "
              "they are still in the form below. Reload the report to see the other changes, then apply yours again.")
            % {"who": who, "when": when}
        )


@dataclass
class IncompleteReport(ReportingError):
    problems: list[tuple[ReportSection | None, str]]

    def __str__(self):
        return _("The report cannot be submitted yet: %(count)d section(s) need attention.") % {
            "count": len(self.problems)
        }


# --- Periods --------------------------------------------------------------------------------------

def _opening_date(year: int) -> datetime.date:
    month, day = settings.REPORTING_OPENS_ON
    return datetime.date(year, month, day)


def period_dates(*, plan: Plan, year: int, rules: dict[str, DeadlineRule], days_off: set[datetime.date]) -> dict:
    """The dates a period gets from the plan's rules, before any override: opening, both deadlines, data window."""
    agency_due = rules[DeadlineKind.AGENCY_REPORT].due_date(year, days_off)
    synthesis_due = rules[DeadlineKind.SYNTHESIS].due_date(year, days_off)
    if year <= plan.first_year:
        covers_from = plan.issued_on
    else:
        covers_from = rules[DeadlineKind.AGENCY_REPORT].due_date(year - 1, days_off) + datetime.timedelta(days=1)
    return {
        "opens_on": _opening_date(year),
        "agency_due": agency_due,
        "synthesis_due": synthesis_due,
        "covers_from": covers_from,
        "covers_to": agency_due,
    }


def _apply_dates(period: ReportingPeriod, computed: dict) -> bool:
    effective = {
        "opens_on": period.opens_on_override or computed["opens_on"],
        "agency_due": period.agency_due_override or computed["agency_due"],
        "synthesis_due": period.synthesis_due_override or computed["synthesis_due"],
        "covers_from": computed["covers_from"],
        "covers_to": period.agency_due_override or computed["covers_to"],
    }
    changed = False
    for name, value in effective.items():
        if getattr(period, name, None) != value:
            setattr(period, name, value)
            changed = True
    return changed


def periods_ensure(*, plan: Plan) -> list[ReportingPeriod]:
    """One period per plan year (2023–2030 for Plan 119), dates from the plan's deadline rules; recomputes open ones.

    Closed periods keep their dates. Called after a rule, an override or the list of days off changes.
    """
    rules = {r.kind: r for r in plan.deadline_rules.all()}
    if not {DeadlineKind.AGENCY_REPORT, DeadlineKind.SYNTHESIS} <= set(rules):
        return []
    days_off = set(DayOff.objects.values_list("date", flat=True))
    existing = {p.year: p for p in plan.periods.all()}
    periods = []
    for year in plan.years():
        period = existing.get(year) or ReportingPeriod(plan=plan, year=year)
        if period.pk and period.is_closed:
            periods.append(period)
            continue
        if _apply_dates(period, period_dates(plan=plan, year=year, rules=rules, days_off=days_off)) or not period.pk:
            period.save()
        periods.append(period)
    return periods


def periods_recompute_all() -> None:
    for plan in Plan.objects.all():
        periods_ensure(plan=plan)


@transaction.atomic
def day_off_save(*, day_off: DayOff) -> DayOff:
    """Add or change an extra day off (a swapped working day, a bridge holiday).

    A deadline that moves to the next working day may land on it, so every open period of every plan is recomputed.
    """
    day_off.full_clean()
    day_off.save()
    periods_recompute_all()
    return day_off


@transaction.atomic
def days_off_delete(*, days_off) -> None:
    """Remove extra days off (one or many) and recompute every open period once: a deadline may move back."""
    for day_off in list(days_off):
        day_off.delete()  # one by one, so that history records each
    periods_recompute_all()


@transaction.atomic
def deadline_rule_save(*, rule: DeadlineRule) -> DeadlineRule:
    """Add or change a yearly deadline of a plan (IV.1, IV.2): the periods not yet closed take the new dates."""
    rule.full_clean()
    rule.save()
    periods_ensure(plan=rule.plan)
    return rule


@transaction.atomic
def period_dates_override(
    *,
    period: ReportingPeriod,
    opens_on: datetime.date | None,
    agency_due: datetime.date | None,
    synthesis_due: datetime.date | None,
) -> ReportingPeriod:
    """Move one year's dates away from the plan's rules (None: back to the rule's date). A closed period keeps its
    dates."""
    period.opens_on_override = opens_on
    period.agency_due_override = agency_due
    period.synthesis_due_override = synthesis_due
    period.save(update_fields=["opens_on_override", "agency_due_override", "synthesis_due_override"])
    periods_ensure(plan=period.plan)
    period.refresh_from_db()
    return period


@transaction.atomic
def period_update(
    *,
    period: ReportingPeriod,
    user,
    status: str,
    opens_on: datetime.date | None,
    agency_due: datetime.date | None,
    synthesis_due: datetime.date | None,
) -> ReportingPeriod:
    """An edit of one period as a whole (the admin's form): its state through period_close / period_reopen, then its
    date overrides, so that closing by either road stamps who closed it and ends every agency's reopening."""
    stored = ReportingPeriod.objects.select_for_update().select_related("plan").get(pk=period.pk)
    if status == PeriodStatus.CLOSED:
        period_close(period=stored, user=user)
    elif stored.is_closed:
        period_reopen(period=stored, user=user)
    period_dates_override(period=stored, opens_on=opens_on, agency_due=agency_due, synthesis_due=synthesis_due)
    period.refresh_from_db()
    return stored


def period_current(*, plan: Plan, today: datetime.date) -> ReportingPeriod | None:
    """The period agencies are working on: this year's, or the latest one of the plan."""
    periods = plan.periods.all()
    return periods.filter(year=today.year).first() or periods.filter(year__lte=today.year).order_by("-year").first() \
        or periods.order_by("year").first()


@transaction.atomic
def period_close(*, period: ReportingPeriod, user) -> None:
    """The DFA closes a period: reports become read-only unless reopened for one agency. A period that has not opened
    yet has nothing to close."""
    if period.is_closed:
        return
    if not period.has_opened(timezone.localdate()):
        raise ReportingError(
            _("The %(year)s period opens on %(date)s; it cannot be closed before it opens.")
            % {"year": period.year, "date": period.opens_on.strftime("%d/%m/%Y")}
        )
    period.status = PeriodStatus.CLOSED
    period.closed_at = timezone.now()
    period.closed_by = user
    period.save()
    Report.objects.filter(period=period, reopened=True).update(reopened=False)


@transaction.atomic
def period_reopen(*, period: ReportingPeriod, user) -> None:
    period.status = PeriodStatus.OPEN
    period.closed_at = None
    period.closed_by = None
    period.save()


def feed_report(report: Report, kind: str) -> None:
    """A report transition into the changes feed (reporting.delivery.feed), in the transition's transaction."""
    feed_record(kind=FeedKind.REPORT, action=kind, period_id=report.period_id, agency_id=report.agency_id,
                report_id=report.pk, version=report.version)


# --- Reports and their sections ---------------------------------------------------------------------

def _agency_assignments(*, plan: Plan, agency: Agency) -> list[Assignment]:
    """The tasks an agency reports on: assigned tasks, leaving out a parent item whose sub-tasks it also carries."""
    assignments = list(Assignment.objects.filter(task__plan=plan, agency=agency).select_related("task"))
    with_children = {a.task.parent_id for a in assignments if a.task.parent_id}
    return [a for a in assignments if a.task_id not in with_children]


def report_sync_sections(*, report: Report) -> None:
    """Give an editable report a section for every task its agency carries now (an admin may have changed them)."""
    if report.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
        return
    assignments = {a.task_id: a for a in _agency_assignments(plan=report.period.plan, agency=report.agency)}
    sections = {s.task_id: s for s in report.sections.all()}
    missing = [
        ReportSection(report=report, task_id=task_id, role=a.role, requested=a.requested)
        for task_id, a in assignments.items() if task_id not in sections
    ]
    # two runs may open the same report at once (scheduler and a page view): the second insert is a no-op
    ReportSection.objects.bulk_create(missing, ignore_conflicts=True)
    changed = bool(missing)
    for task_id, assignment in assignments.items():
        section = sections.get(task_id)
        if section is None:
            continue
        if (section.role, section.requested) != (assignment.role, assignment.requested):
            section.role, section.requested = assignment.role, assignment.requested
            section.save(update_fields=["role", "requested"])
            changed = True
    for task_id, section in sections.items():
        if task_id not in assignments and not any(getattr(section, f) for f in SECTION_FIELDS) \
                and not section.figures.exists() and not section.attachments.exists():
            section.delete()
            changed = True
    if changed:
        # a section came, went or changed role: an open form is out of date, and so are the dashboards' cached counts
        Report.objects.filter(pk=report.pk).update(lock_version=F("lock_version") + 1)
        report.refresh_from_db(fields=["lock_version"])
    expected = any(not a.requested for a in assignments.values())
    if report.expected != expected:
        Report.objects.filter(pk=report.pk).update(expected=expected)
        report.expected = expected


def report_save_edited(*, report: Report) -> Report:
    """Save a report someone changed outside the agency's form (an admin, the shell): the agency's open form becomes
    stale (optimistic locking refuses it) and the dashboards' cached counts, keyed on lock_version, move on."""
    report.lock_version += 1
    report.save()
    return report


def report_open(*, period: ReportingPeriod, agency: Agency) -> Report:
    """The agency's report for the period, created with its sections when first needed."""
    report, _created = Report.objects.get_or_create(period=period, agency=agency)
    report_sync_sections(report=report)
    return report


def report_for_home(*, period: ReportingPeriod | None, agency: Agency, today: datetime.date) -> Report | None:
    """The report an agency's home page shows: its report of the period, created once the period has opened."""
    if period is None:
        return None
    if period.reports.filter(agency=agency).exists() or period.is_open_for_submission(today):
        return report_open(period=period, agency=agency)
    return None


def reports_open_due(*, today: datetime.date) -> int:
    """Create the reports of every period that has opened (the scheduler runs this daily). Returns how many were
    created.

    A period expects the bodies in existence when it opens, and those a reorganisation brought into being before its
    deadline (they carry the work of the bodies they succeed): every agency that exists today and on the period's
    due date — the rule by which its report counts (reporting.dashboards.metrics.COUNTED).
    """
    created = 0
    for period in periods_opened(today=today):
        for agency in agencies_owing(period=period).exclude(pk__in=period.reports.values("agency_id")):
            report_open(period=period, agency=agency)
            created += 1
    return created


def periods_opened(*, today: datetime.date) -> list[ReportingPeriod]:
    """The periods open for reports on `today`: opened, and not closed."""
    return list(ReportingPeriod.objects.filter(status=PeriodStatus.OPEN, opens_on__lte=today).select_related("plan"))


def agencies_owing(*, period: ReportingPeriod) -> QuerySet:
    """The bodies that owe `period` a report: those that carry a task of its plan and are in existence on its due
    date (agencies.models.existed_on_q, the rule by which a report counts)."""
    return (Agency.objects.active().existing_on(period.agency_due)
            .filter(pk__in=Assignment.objects.filter(task__plan=period.plan).values("agency_id")))


def _check_editable(report: Report) -> None:
    if report.is_locked:
        raise ReportLocked(_("This report was accepted by the DFA and is locked."))
    if report.period.is_closed and not report.reopened:
        raise PeriodClosed(
            _("The %(year)s reporting period is closed. Your draft is kept; ask the DFA to reopen it for your agency.")
            % {"year": report.period.year}
        )
    if report.status == ReportStatus.SUBMITTED:
        raise ReportLocked(_("This report has been submitted and is waiting for the DFA's review."))


@transaction.atomic
def report_save_draft(
    *, report: Report, user, lock_version: int, summary: str, sections: dict[int, dict],
    figures: dict[int, list[dict]] | None = None, indicators: dict[int, dict] | None = None,
    next_year: str | None = None,
) -> Report:
    """Save what the agency typed, partial input allowed. Refused when someone else saved since `lock_version`.

    `indicators` is section id → indicator id → value (None clears it); only indicators asked of the section count.
    """
    _check_editable(report)
    fields = {"summary": summary} if next_year is None else {"summary": summary, "next_year": next_year}
    claimed = Report.objects.filter(pk=report.pk, lock_version=lock_version).update(
        lock_version=F("lock_version") + 1, updated_at=timezone.now(), updated_by=user, **fields
    )
    if not claimed:
        report.refresh_from_db()
        raise StaleReport(report)
    own = {s.pk: s for s in report.sections.all()}
    for section_id, values in sections.items():
        section = own.get(section_id)
        if section is None:
            continue  # a forged or stale section id: ignore it rather than write into another report
        for name in SECTION_FIELDS:
            if name in values:
                setattr(section, name, values[name] or "")
        section.save(update_fields=list(SECTION_FIELDS))
    for section_id, rows in (figures or {}).items():
        section = own.get(section_id)
        if section is None:
            continue
        section.figures.all().delete()
        SectionFigure.objects.bulk_create(
            SectionFigure(section=section, label=r["label"], value=r["value"], unit=r.get("unit", "")) for r in rows
        )
    if indicators:
        _save_indicator_values(report, own, indicators)
    report.refresh_from_db()
    return report


def _save_indicator_values(report: Report, own: dict[int, ReportSection], indicators: dict[int, dict]) -> None:
    """Store the catalogue values typed in each section. An indicator not asked of the section (a forged field, a
    lead-only one in a co-operating section) is ignored, except to clear a value stored before."""
    by_task = indicators_by_task(plan=report.period.plan)
    for section_id, values in indicators.items():
        section = own.get(section_id)
        if section is None:
            continue
        stored = {v.indicator_id: v for v in section.indicator_values.all()}
        asked = {i.pk: i for i in by_task.get(section.task_id, []) if i.asked_of(is_lead=section.is_lead)}
        for indicator_id, value in values.items():
            if value is None:
                if indicator_id in stored:
                    stored[indicator_id].delete()
                continue
            indicator = asked.get(indicator_id)
            if indicator is None:
                continue
            try:
                indicator.check_value(value)
            except ValidationError as error:
                raise ReportingError(" ".join(error.messages)) from None
            IndicatorValue.objects.update_or_create(section=section, indicator=indicator, defaults={"value": value})


def section_indicators(section: ReportSection, by_task: dict[int, list]) -> list:
    """The indicators a section shows: those asked of it, and any other it holds a value of (so it can be cleared)."""
    held = {v.indicator_id for v in section.indicator_values.all()}
    return [i for i in by_task.get(section.task_id, []) if i.asked_of(is_lead=section.is_lead) or i.pk in held]


def report_problems(report: Report) -> list[tuple[ReportSection | None, str]]:
    """What keeps a report from being submitted (IV.2): every task the plan orders the agency to carry (lead or
    co-operating, not requested) needs its progress chosen, and every task it leads a results text."""
    problems: list[tuple[ReportSection | None, str]] = []
    for section in report.sections.select_related("task").order_by("task__sort_key"):
        if section.requested:
            continue
        names = {"code": section.task.code, "title": section.task.display_title}
        if not section.progress:
            problems.append((section, _("Task %(code)s (%(title)s): choose its progress.") % names))
        if section.is_lead and not section.results.strip():
            problems.append((section, _("Task %(code)s (%(title)s): results achieved are missing.") % names))
    if not report.sections.exists():
        problems.append((None, _("This report has no task to report on.")))
    return problems


def report_blanks(report: Report) -> list[tuple[ReportSection | None, str]]:
    """What is left blank without keeping the report from being submitted, for the agency to confirm knowingly:
    the overall assessment, and results or progress not required of a task (co-operating or requested)."""
    blanks: list[tuple[ReportSection | None, str]] = []
    if not report.summary.strip():
        blanks.append((None, _("The overall assessment is empty.")))
    for section in report.sections.select_related("task").order_by("task__sort_key"):
        names = {"code": section.task.code, "title": section.task.display_title}
        if section.requested and not section.progress:
            blanks.append((section, _("Task %(code)s (%(title)s): no progress chosen.") % names))
        if not (section.is_lead and not section.requested) and not section.results.strip():
            blanks.append((section, _("Task %(code)s (%(title)s): no results written.") % names))
    return blanks


def report_snapshot(report: Report) -> dict:
    """What the report says now, as plain data: what a submission keeps (ReportVersion.content) and what the
    agency's document shows of a draft (reporting.cycle.document)."""
    return {
        "summary": report.summary,
        "sections": {
            s.task.code: {
                "title": s.task.title,
                **{f: getattr(s, f) for f in SECTION_FIELDS},
                "figures": [{"label": f.label, "value": str(f.value), "unit": f.unit} for f in s.figures.all()],
                "indicators": [{"code": v.indicator.code, "name": v.indicator.name, "unit": v.indicator.unit,
                                "value": str(v.value)} for v in s.indicator_values.all()],
            }
            for s in report.sections.select_related("task").prefetch_related(
                "figures", Prefetch("indicator_values", queryset=IndicatorValue.objects.select_related("indicator")
                                    .order_by("indicator__position", "indicator__code"))
            ).order_by("task__sort_key")
        },
        "next_year": report.next_year,
        "attachments": [a.original_name for a in report.attachments.all()],
    }


@transaction.atomic
def report_submit(*, report: Report, user, lock_version: int | None = None) -> Report:
    """Submit to the DFA (IV.2). Late submissions are accepted; the first submission decides whether the report is late
    (`Report.days_late`), so a corrected version sent after a return never makes it late. Refused while
    `report_problems` names something; with `lock_version` (the version the agency confirmed), refused when the report
    changed since.

    The confirmation e-mail is queued only after the transaction commits, so a mail failure never undoes it.
    """
    report = Report.objects.select_for_update().select_related("period", "agency").get(pk=report.pk)
    _check_editable(report)
    if lock_version is not None and report.lock_version != lock_version:
        raise StaleReport(report)
    problems = report_problems(report)
    if problems:
        raise IncompleteReport(problems)
    now = timezone.now()
    report.status = ReportStatus.SUBMITTED
    report.version += 1
    report.submitted_at = now
    report.first_submitted_at = report.first_submitted_at or now
    report.submitted_by = user
    report.reopened = False
    report.lock_version += 1
    report.save()
    ReportVersion.objects.create(report=report, number=report.version, submitted_at=now, submitted_by=user,
                                 content=report_snapshot(report))
    ReportEvent.objects.create(report=report, kind=EventKind.SUBMITTED, actor=user, at=now, version=report.version)
    feed_report(report, EventKind.SUBMITTED)
    outbox_record(kind="report_submitted", report_id=report.pk)
    return report


@transaction.atomic
def report_return(*, report: Report, user, comment: str, section_comments: dict[int, str] | None = None) -> Report:
    """The DFA returns a submitted report with a comment (and optionally per section); the agency can edit it again."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not report.may_be_reviewed():
        raise ReportingError(_("Only a submitted report can be returned."))
    if not comment.strip():
        raise ReportingError(_("Say what needs to change: a comment is required to return a report."))
    section_comments = section_comments or {}
    for section in report.sections.all():
        section.review_comment = (section_comments.get(section.pk) or "").strip()
        section.save(update_fields=["review_comment"])
    now = timezone.now()
    report.status = ReportStatus.RETURNED
    report.review_comment = comment.strip()
    report.reviewed_at, report.reviewed_by = now, user
    report.lock_version += 1
    report.save()
    ReportEvent.objects.create(report=report, kind=EventKind.RETURNED, actor=user, at=now, version=report.version,
                               comment=comment.strip())
    feed_report(report, EventKind.RETURNED)
    outbox_record(kind="report_returned", report_id=report.pk)
    return report


@transaction.atomic
def report_accept(*, report: Report, user, comment: str = "") -> Report:
    """The DFA accepts a submitted report; it is locked from then on."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not report.may_be_reviewed():
        raise ReportingError(_("Only a submitted report can be accepted."))
    now = timezone.now()
    report.status = ReportStatus.ACCEPTED
    report.review_comment = comment.strip()
    report.reviewed_at, report.reviewed_by = now, user
    report.lock_version += 1
    report.save()
    report.sections.update(review_comment="")
    ReportEvent.objects.create(report=report, kind=EventKind.ACCEPTED, actor=user, at=now, version=report.version,
                               comment=comment.strip())
    feed_report(report, EventKind.ACCEPTED)
    outbox_record(kind="report_accepted", report_id=report.pk)
    return report


@transaction.atomic
def report_reopen(*, report: Report, user, reason: str) -> Report:
    """The DFA reopens one agency's report: in a closed period, or after acceptance (`Report.may_be_reopened`).
    Logged with its reason; the agency is told by e-mail and in the app."""
    report = Report.objects.select_for_update().select_related("period").get(pk=report.pk)
    if not report.may_be_reopened():
        raise ReportingError(_("This report cannot be reopened. Only an accepted report, or a report of a closed "
                               "period, is reopened; a report waiting for review is accepted or returned instead."))
    if not reason.strip():
        raise ReportingError(_("Give a reason for reopening the report."))
    if report.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED):
        report.status = ReportStatus.RETURNED
    report.reopened = report.period.is_closed
    report.review_comment = reason.strip()
    report.lock_version += 1
    report.save()
    ReportEvent.objects.create(report=report, kind=EventKind.REOPENED, actor=user, version=report.version,
                               comment=reason.strip())
    feed_report(report, EventKind.REOPENED)
    report_sync_sections(report=report)
    outbox_record(kind="report_reopened", report_id=report.pk)
    return report


# --- Attachments ----------------------------------------------------------------------------------

def attachment_add(*, report: Report, section: ReportSection | None, upload, user) -> Attachment:
    """Attach evidence. Only the allowed kinds, checked by content, up to the configured size."""
    _check_editable(report)
    limit = settings.ATTACHMENT_MAX_MB * 1024 * 1024
    if upload.size > limit:
        raise ReportingError(
            _("%(name)s is %(size).1f MB; the limit is %(limit)d MB. It was not attached.")
            % {"name": upload.name, "size": upload.size / 1024 / 1024, "limit": settings.ATTACHMENT_MAX_MB}
        )
    try:
        kind = classify_upload(upload)
    except UnpackedTooLarge:
        raise ReportingError(
            _("%(name)s would unpack to more than %(limit)d MB (or into too many parts): it looks like a damaged or "
              "malicious file. It was not attached.") % {"name": upload.name,
                                                         "limit": settings.ATTACHMENT_MAX_UNPACKED_MB}
        ) from None
    if kind is None:
        raise ReportingError(
            _("%(name)s is not a PDF, Word, Excel, JPG or PNG file (judged by its content). It was not attached.")
            % {"name": upload.name}
        )
    if section is not None and section.report_id != report.pk:
        raise ReportingError(_("That section belongs to another report."))
    attachment = Attachment(report=report, section=section, original_name=upload.name[:255], kind=kind,
                            size=upload.size, uploaded_by=user)
    attachment.file.save(f"upload.{kind}", upload, save=False)
    attachment.save()
    return attachment


def attachment_delete(*, attachment: Attachment) -> None:
    _check_editable(attachment.report)
    attachment.file.delete(save=False)
    attachment.delete()
