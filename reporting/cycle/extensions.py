"""Deadline extensions (gia hạn): an agency asks the DFA for more time to send its report; the DFA grants a date or
refuses, with a reason.

IV.2 has agencies report before 5 November and IV.1 the DFA synthesise before 15 November; an extension moves one
agency's deadline for one period (`reporting.models.due_in_force`, the one deadline rule) and never past the day
before the synthesis deadline, so that the DFA can still include the report in the provincial synthesis.
Each step is a timeline event of the report and is told by e-mail and in the app (reporting.delivery.outbox).
"""
import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reporting.cycle.services import ReportingError, feed_report
from reporting.delivery.outbox import outbox_record
from reporting.models import DeadlineExtension, EventKind, ExtensionState, Report, ReportEvent, ReportStatus


def _dmy(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class DateWindow:
    """The dates an extension of one report may move its deadline to, both included."""

    earliest: datetime.date
    latest: datetime.date

    def __contains__(self, day: datetime.date) -> bool:
        return self.earliest <= day <= self.latest


def extension_window(*, report: Report, today: datetime.date | None = None) -> DateWindow:
    """After the report's deadline in force (an earlier extension included) and before the synthesis deadline (IV.1:
    the DFA needs the report in hand to synthesise). With `today` (the agency's request), not a day already past;
    the DFA's grant may be dated back, e.g. to agree afterwards to what was settled by telephone."""
    earliest = report.due_date + datetime.timedelta(days=1)
    if today is not None:
        earliest = max(earliest, today)
    return DateWindow(earliest, report.period.synthesis_due - datetime.timedelta(days=1))


def _check_date(report: Report, day: datetime.date | None, window: DateWindow) -> datetime.date:
    """`day` if it lies in the window, else a refusal saying which dates may be chosen and why."""
    if window.earliest > window.latest:
        raise ReportingError(
            _("The deadline can no longer be extended: the synthesis is due to the Provincial People's Committee on "
              "%(synthesis)s, and the report has to reach the DFA before then.")
            % {"synthesis": _dmy(report.period.synthesis_due)})
    if day is None or day not in window:
        raise ReportingError(
            _("Choose a date from %(earliest)s to %(latest)s: after the report's current deadline (%(due)s) and before "
              "the synthesis deadline (%(synthesis)s), so that the DFA can still include the report in the provincial "
              "synthesis.")
            % {"earliest": _dmy(window.earliest), "latest": _dmy(window.latest), "due": _dmy(report.due_date),
               "synthesis": _dmy(report.period.synthesis_due)})
    return day


def _why_not_extensible(report: Report) -> str | None:
    """Why this report's deadline cannot be extended any more, or None (Report.may_ask_extension)."""
    if report.may_ask_extension():
        return None
    if not report.expected:
        return _("This report is voluntary: it has no deadline to extend.")
    if report.period.is_closed:
        return _("The %(year)s reporting period is closed.") % {"year": report.period.year}
    if report.status == ReportStatus.ACCEPTED:
        return _("This report was accepted by the DFA.")
    return _("This report has already been sent to the DFA: its timeliness was decided by its first submission.")


def extension_pending(*, report: Report) -> DeadlineExtension | None:
    """The request that waits for the DFA, if any (one at a time)."""
    return report.extensions.filter(state=ExtensionState.REQUESTED).first()


@transaction.atomic
def extension_request(*, report: Report, user, proposed_date: datetime.date | None, reason: str) -> DeadlineExtension:
    """Agency staff ask for more time, before or after the deadline, while the report is still owed (not sent, the
    period open), with a reason and a proposed date (`extension_window`). One request waits at a time."""
    report = Report.objects.select_for_update().select_related("period", "agency").get(pk=report.pk)
    if (why := _why_not_extensible(report)) is not None:
        raise ReportingError(_("An extension cannot be requested: %(why)s") % {"why": why})
    pending = extension_pending(report=report)
    if pending is not None:
        raise ReportingError(
            _("A request for an extension to %(date)s, sent on %(sent)s, is already waiting for the DFA's decision.")
            % {"date": _dmy(pending.proposed_date), "sent": _dmy(timezone.localtime(pending.requested_at).date())})
    if not reason.strip():
        raise ReportingError(_("Say why the report needs more time: a reason is required."))
    proposed_date = _check_date(report, proposed_date, extension_window(report=report, today=timezone.localdate()))
    try:
        with transaction.atomic():
            extension = DeadlineExtension.objects.create(report=report, requested_by=user,
                                                         proposed_date=proposed_date, reason=reason.strip())
    except IntegrityError:  # two colleagues at the same instant: the other request is the one that waits
        raise ReportingError(_("A request for an extension is already waiting for the DFA's decision.")) from None
    ReportEvent.objects.create(report=report, kind=EventKind.EXTENSION_REQUESTED, actor=user, version=report.version,
                               comment=extension.reason, extension=extension)
    outbox_record(kind="extension_requested", report_id=report.pk)
    feed_report(report, EventKind.EXTENSION_REQUESTED)
    return extension


def _decided(extension: DeadlineExtension) -> DeadlineExtension:
    """The extension locked for a decision, if it still waits for one."""
    extension = DeadlineExtension.objects.select_for_update().select_related("report__period").get(pk=extension.pk)
    if not extension.is_pending:
        raise ReportingError(_("This request was already decided (%(state)s).")
                             % {"state": extension.get_state_display()})
    return extension


@transaction.atomic
def extension_grant(*, extension: DeadlineExtension, user, granted_date: datetime.date | None = None,
                    comment: str = "") -> DeadlineExtension:
    """The DFA grants an extension, to the date it chooses (the proposed one by default): from then on the report is
    due on that date (Report.extended_due) for every figure, reminder and page."""
    extension = _decided(extension)
    report = Report.objects.select_for_update().select_related("period").get(pk=extension.report_id)
    if report.period.is_closed:
        raise ReportingError(_("The %(year)s reporting period is closed: its deadlines no longer move.")
                             % {"year": report.period.year})
    day = _check_date(report, granted_date or extension.proposed_date, extension_window(report=report))
    now = timezone.now()
    extension.state, extension.granted_date = ExtensionState.GRANTED, day
    extension.decided_by, extension.decided_at, extension.decision_comment = user, now, comment.strip()
    extension.save()
    # not a change of the report's content: lock_version stays, so that an open form of the agency is not refused
    Report.objects.filter(pk=report.pk).update(extended_due=day)
    ReportEvent.objects.create(report=report, kind=EventKind.EXTENSION_GRANTED, actor=user, at=now,
                               version=report.version, comment=extension.decision_comment, extension=extension)
    outbox_record(kind="extension_granted", report_id=report.pk)
    feed_report(report, EventKind.EXTENSION_GRANTED)
    return extension


@transaction.atomic
def extension_refuse(*, extension: DeadlineExtension, user, comment: str) -> DeadlineExtension:
    """The DFA refuses an extension and says why; the report's deadline stays as it was."""
    if not comment.strip():
        raise ReportingError(_("Say why: a reason is required to refuse an extension."))
    extension = _decided(extension)
    now = timezone.now()
    extension.state = ExtensionState.REFUSED
    extension.decided_by, extension.decided_at, extension.decision_comment = user, now, comment.strip()
    extension.save()
    ReportEvent.objects.create(report=extension.report, kind=EventKind.EXTENSION_REFUSED, actor=user, at=now,
                               version=extension.report.version, comment=extension.decision_comment,
                               extension=extension)
    outbox_record(kind="extension_refused", report_id=extension.report_id)
    feed_report(extension.report, EventKind.EXTENSION_REFUSED)
    return extension

