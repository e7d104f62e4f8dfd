import datetime
import unicodedata

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from agencies.models import Agency
from reporting.cycle import services
from reporting.difficulties import services as difficulty_services
from reporting.models import DayOff, EventKind, PeriodStatus, ReportStatus
from reporting.tests.conftest import fill
from tasks.models import Assignment, AssignmentRole, AssignmentSource, DeadlineKind, Task

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def at(year, month, day, hour=10, minute=0):
    return time_machine.travel(
        datetime.datetime(year, month, day, hour, minute, tzinfo=datetime.timezone(datetime.timedelta(hours=7))), tick=False
    )


# --- periods ---

def test_one_period_per_plan_year_with_the_plan_deadlines(periods, plan119):
    assert sorted(periods) == list(range(2023, 2031))
    p = periods[2025]
    assert (p.opens_on, p.agency_due, p.synthesis_due) == (datetime.date(2025, 10, 1), datetime.date(2025, 11, 5), datetime.date(2025, 11, 15))
    assert periods[2023].covers_from == datetime.date(2023, 5, 15)  # the plan's issue date
    assert periods[2024].covers_from == datetime.date(2023, 11, 6)
    assert periods[2024].covers_to == datetime.date(2024, 11, 5)


def test_next_working_day_rule_and_recompute(periods, plan119):
    rule = plan119.deadline_rules.get(kind=DeadlineKind.SYNTHESIS)
    rule.move_to_working_day = True
    rule.save()
    services.periods_ensure(plan=plan119)
    # 15/11/2025 is a Saturday → Monday 17/11/2025; 15/11/2026 a Sunday → 16/11/2026
    periods = {p.year: p for p in plan119.periods.all()}
    assert periods[2025].synthesis_due == datetime.date(2025, 11, 17)
    assert periods[2026].synthesis_due == datetime.date(2026, 11, 16)
    DayOff.objects.create(date=datetime.date(2025, 11, 17), name="Nghỉ bù")
    services.periods_recompute_all()
    assert plan119.periods.get(year=2025).synthesis_due == datetime.date(2025, 11, 18)


def test_a_day_off_added_or_removed_moves_the_deadlines(periods, plan119):
    rule = plan119.deadline_rules.get(kind=DeadlineKind.SYNTHESIS)
    rule.move_to_working_day = True
    services.deadline_rule_save(rule=rule)
    assert plan119.periods.get(year=2025).synthesis_due == datetime.date(2025, 11, 17)  # 15/11/2025 is a Saturday
    day_off = services.day_off_save(day_off=DayOff(date=datetime.date(2025, 11, 17), name="Nghỉ bù"))
    assert plan119.periods.get(year=2025).synthesis_due == datetime.date(2025, 11, 18)
    services.days_off_delete(days_off=DayOff.objects.filter(pk=day_off.pk))
    assert plan119.periods.get(year=2025).synthesis_due == datetime.date(2025, 11, 17)
    assert not DayOff.objects.exists() and DayOff.history.filter(history_type="-").count() == 1


def test_a_deadline_rule_saved_recomputes_open_periods_only(periods, plan119, dfa_officer):
    services.period_close(period=periods[2024], user=dfa_officer)
    rule = plan119.deadline_rules.get(kind=DeadlineKind.AGENCY_REPORT)
    rule.day = 1
    services.deadline_rule_save(rule=rule)
    assert plan119.periods.get(year=2024).agency_due == datetime.date(2024, 11, 5)
    assert plan119.periods.get(year=2025).agency_due == datetime.date(2025, 11, 1)


def test_a_deadline_rule_that_is_not_a_date_is_refused(periods, plan119):
    from django.core.exceptions import ValidationError

    rule = plan119.deadline_rules.get(kind=DeadlineKind.AGENCY_REPORT)
    rule.month, rule.day = 2, 30
    with pytest.raises(ValidationError):
        services.deadline_rule_save(rule=rule)
    rule.refresh_from_db()
    assert (rule.day, rule.month) == (5, 11)


def test_period_dates_override_and_back(periods, plan119):
    period = services.period_dates_override(period=periods[2025], opens_on=None, agency_due=datetime.date(2025, 11, 10),
                                            synthesis_due=None)
    assert period.agency_due == period.covers_to == datetime.date(2025, 11, 10)
    assert plan119.periods.get(year=2026).agency_due == datetime.date(2026, 11, 5)
    period = services.period_dates_override(period=period, opens_on=None, agency_due=None, synthesis_due=None)
    assert period.agency_due == datetime.date(2025, 11, 5)


def test_period_update_closes_as_period_close_does(report, staff, dfa_officer, admin_user):
    """Closing a period by editing it (the admin) stamps who closed it and ends an agency's reopening."""
    period = report.period
    services.period_close(period=period, user=dfa_officer)
    services.report_reopen(report=report, user=dfa_officer, reason="Đơn vị xin gia hạn")
    services.period_update(period=period, user=admin_user, status=PeriodStatus.OPEN, opens_on=None, agency_due=None,
                           synthesis_due=None)
    period.refresh_from_db()
    assert not period.is_closed and period.closed_by is None
    services.period_update(period=period, user=admin_user, status=PeriodStatus.CLOSED, opens_on=None,
                           agency_due=datetime.date(2025, 11, 20), synthesis_due=None)
    period.refresh_from_db()
    report.refresh_from_db()
    assert period.is_closed and period.closed_by == admin_user and period.closed_at is not None
    assert not report.reopened
    assert period.agency_due == datetime.date(2025, 11, 5)  # a closed period keeps its dates


def test_lunar_new_year_is_a_holiday(plan119):
    from tasks.models import next_working_day

    # Tết 2026: 17/02/2026 is the first day of the lunar year
    assert next_working_day(datetime.date(2026, 2, 17)) > datetime.date(2026, 2, 17)


def test_closed_period_keeps_its_dates(periods, plan119, dfa_officer):
    services.period_close(period=periods[2024], user=dfa_officer)
    rule = plan119.deadline_rules.get(kind=DeadlineKind.AGENCY_REPORT)
    rule.day = 1
    rule.save()
    services.periods_ensure(plan=plan119)
    assert plan119.periods.get(year=2024).agency_due == datetime.date(2024, 11, 5)
    assert plan119.periods.get(year=2025).agency_due == datetime.date(2025, 11, 1)


def test_override_for_one_year(periods, plan119):
    p = periods[2025]
    p.agency_due_override = datetime.date(2025, 11, 10)
    p.save()
    services.periods_ensure(plan=plan119)
    p.refresh_from_db()
    assert p.agency_due == datetime.date(2025, 11, 10)
    assert plan119.periods.get(year=2026).agency_due == datetime.date(2026, 11, 5)


# --- reports and sections ---

def test_report_has_a_section_per_assigned_task(report):
    codes = list(report.sections.values_list("task__code", flat=True))
    assert codes == ["1.1", "2.2", "3.2.1", "3.2.2", "3.2.3", "3.10", "4.3", "4.5", "5.2", "6.3"]
    assert report.expected


def test_requested_organisation_report_is_voluntary(period, plan119, in_october_2025):
    vcci = services.report_open(period=period, agency=Agency.objects.get(code="VCCI"))
    assert not vcci.expected
    assert all(s.requested for s in vcci.sections.all())
    assert services.report_problems(vcci) == []


def test_reports_are_created_when_the_period_opens(periods):
    assert services.reports_open_due(today=datetime.date(2025, 9, 30)) == 2 * 53  # 2023 and 2024 are already open
    assert services.reports_open_due(today=datetime.date(2025, 10, 1)) == 53
    assert services.reports_open_due(today=datetime.date(2025, 10, 2)) == 0


def test_new_assignment_gives_a_new_section(report):
    Assignment.objects.create(task=Task.objects.get(code="3.5"), agency=report.agency, role=AssignmentRole.CO_OPERATING, source=AssignmentSource.ADMIN)
    services.report_sync_sections(report=report)
    assert report.sections.filter(task__code="3.5", role=AssignmentRole.CO_OPERATING).exists()


def test_save_draft_partial_and_nfc(report, staff):
    section = report.sections.get(task__code="4.3")
    nfd = unicodedata.normalize("NFD", "Hỗ trợ doanh nghiệp xuất khẩu")
    services.report_save_draft(report=report, user=staff, lock_version=report.lock_version, summary="",
                               sections={section.pk: {"results": nfd, "progress": "in_progress"}})
    section.refresh_from_db()
    assert section.results == "Hỗ trợ doanh nghiệp xuất khẩu"
    assert section.progress == "in_progress"


def test_optimistic_lock_refuses_the_later_save(report, staff):
    section = report.sections.get(task__code="4.3")
    opened = report.lock_version
    services.report_save_draft(report=report, user=staff, lock_version=opened, summary="first", sections={section.pk: {"results": "A"}})
    with pytest.raises(services.StaleReport, match="20/10/2025 10:00"):
        services.report_save_draft(report=report, user=staff, lock_version=opened, summary="second", sections={section.pk: {"results": "B"}})
    section.refresh_from_db()
    report.refresh_from_db()
    assert (report.summary, section.results) == ("first", "A")


def test_forged_section_id_is_ignored(report, staff, period, other_staff):
    other = services.report_open(period=period, agency=other_staff.agency)
    foreign = other.sections.first()
    services.report_save_draft(report=report, user=staff, lock_version=report.lock_version, summary="", sections={foreign.pk: {"results": "hack"}})
    foreign.refresh_from_db()
    assert foreign.results == ""


def test_submit_needs_results_for_every_led_task(report, staff):
    with pytest.raises(services.IncompleteReport) as error:
        services.report_submit(report=report, user=staff)
    messages = [m for _, m in error.value.problems]
    assert any("4.3" in m and "results" in m.lower() or "4.3" in m and "kết quả" in m for m in messages)
    assert len(messages) == 10
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_submit_on_time(report, staff, django_capture_on_commit_callbacks):
    fill(report)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=report, user=staff)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.version == 1 and report.days_late == 0
    assert report.submitted_by == staff
    assert report.versions.get(number=1).content["sections"]["4.3"]["results"].startswith("Đã tổ chức")
    assert list(report.events.values_list("kind", flat=True)) == [EventKind.SUBMITTED]
    assert len(mail.outbox) == 1
    assert staff.email in mail.outbox[0].to
    assert "2025" in mail.outbox[0].subject


def test_e_mail_is_sent_only_after_commit(report, staff, django_capture_on_commit_callbacks):
    fill(report)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.report_submit(report=report, user=staff)
    assert len(mail.outbox) == 0 and len(callbacks) == 1


def test_mail_failure_does_not_undo_a_submission(report, staff, django_capture_on_commit_callbacks, monkeypatch):
    from reporting.delivery import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.deliver_outbox_message, "delay", broker_down)
    fill(report)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=report, user=staff)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_confirmation_in_the_recipients_language(report, staff, django_capture_on_commit_callbacks):
    staff.language = "en"
    staff.save()
    fill(report)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=report, user=staff)
    by_to = {tuple(m.to): m for m in mail.outbox}
    english = by_to[(staff.email,)]
    assert "report received" in english.subject
    vietnamese = by_to[("sct@example.vn",)] if ("sct@example.vn",) in by_to else None
    assert english.alternatives and english.alternatives[0][1] == "text/html"
    assert vietnamese is None or "Sở Công Thương" in vietnamese.body


def test_late_submission_is_accepted_and_counted(period, staff, plan119):
    with at(2025, 11, 5, 23, 59):
        report = services.report_open(period=period, agency=staff.agency)
        fill(report)
        services.report_submit(report=report, user=staff)
        report.refresh_from_db()
        assert report.days_late == 0  # before the end of the due date, local time
    with at(2025, 11, 8, 0, 30):
        other = services.report_open(period=period, agency=Agency.objects.get(code="STC"))
        fill(other)
        services.report_submit(report=other, user=staff)
        other.refresh_from_db()
        assert other.days_late == 3 and other.is_late


def test_return_resubmit_accept_lock(report, staff, dfa_officer):
    fill(report)
    services.report_submit(report=report, user=staff)
    section = report.sections.get(task__code="4.3")
    services.report_return(report=report, user=dfa_officer, comment="Bổ sung số liệu xuất khẩu.", section_comments={section.pk: "Thiếu số liệu"})
    report.refresh_from_db()
    section.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.is_editable()
    assert section.review_comment == "Thiếu số liệu"
    services.report_save_draft(report=report, user=staff, lock_version=report.lock_version, summary="",
                               sections={section.pk: {"results": "Kim ngạch xuất khẩu đạt 5 tỷ USD."}})
    services.report_submit(report=report, user=staff)
    report.refresh_from_db()
    assert report.version == 2 and report.versions.count() == 2
    services.report_accept(report=report, user=dfa_officer)
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and report.is_locked and not report.is_editable()
    with pytest.raises(services.ReportLocked):
        services.report_save_draft(report=report, user=staff, lock_version=report.lock_version, summary="x", sections={})
    kinds = list(report.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "returned", "submitted", "accepted"]


def test_return_needs_a_comment_and_a_submitted_report(report, staff, dfa_officer):
    with pytest.raises(services.ReportingError):
        services.report_accept(report=report, user=dfa_officer)
    fill(report)
    services.report_submit(report=report, user=staff)
    with pytest.raises(services.ReportingError):
        services.report_return(report=report, user=dfa_officer, comment="  ")


def test_closed_period_refuses_submission_and_keeps_the_draft(report, staff, dfa_officer):
    fill(report)
    services.period_close(period=report.period, user=dfa_officer)
    report.refresh_from_db()
    with pytest.raises(services.PeriodClosed):
        services.report_submit(report=report, user=staff)
    assert report.sections.get(task__code="4.3").results.startswith("Đã tổ chức")
    services.report_reopen(report=report, user=dfa_officer, reason="Đơn vị xin gia hạn")
    report.refresh_from_db()
    assert report.reopened and report.is_editable()
    services.report_submit(report=report, user=staff)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and not report.reopened
    assert report.events.filter(kind=EventKind.REOPENED, comment="Đơn vị xin gia hạn", actor=dfa_officer).exists()


def test_a_report_edited_outside_the_form_makes_the_open_form_stale(report, staff):
    opened_with = report.lock_version
    report.summary = "Sửa bởi quản trị"
    services.report_save_edited(report=report)
    with pytest.raises(services.StaleReport):
        services.report_save_draft(report=report, user=staff, lock_version=opened_with, summary="Bản của đơn vị", sections={})
    report.refresh_from_db()
    assert report.summary == "Sửa bởi quản trị"


@pytest.mark.parametrize("status,closed,allowed", [
    (ReportStatus.DRAFT, False, False), (ReportStatus.RETURNED, False, False), (ReportStatus.SUBMITTED, False, False),
    (ReportStatus.ACCEPTED, False, True), (ReportStatus.DRAFT, True, True), (ReportStatus.RETURNED, True, True),
    (ReportStatus.SUBMITTED, True, False), (ReportStatus.ACCEPTED, True, True),
])
def test_the_reopen_rule(report, dfa_officer, status, closed, allowed):
    """Report.may_be_reopened is the rule; report_reopen refuses what it refuses, and changes nothing then."""
    report.status = status
    report.save()
    if closed:
        services.period_close(period=report.period, user=dfa_officer)
        report.refresh_from_db()
    assert report.may_be_reopened() is allowed
    if allowed:
        assert services.report_reopen(report=report, user=dfa_officer, reason="Đơn vị xin bổ sung").status != ReportStatus.SUBMITTED
        return
    with translation.override("en"), pytest.raises(services.ReportingError, match="cannot be reopened"):
        services.report_reopen(report=report, user=dfa_officer, reason="Đơn vị xin bổ sung")
    report.refresh_from_db()
    assert report.status == status and not report.reopened and not report.events.filter(kind=EventKind.REOPENED).exists()


def test_close_and_reopen_period(period, dfa_officer):
    services.period_close(period=period, user=dfa_officer)
    period.refresh_from_db()
    assert period.status == PeriodStatus.CLOSED and period.closed_by == dfa_officer
    services.period_reopen(period=period, user=dfa_officer)
    period.refresh_from_db()
    assert period.status == PeriodStatus.OPEN


# --- attachments ---

def test_attachment_checked_by_content(report, staff):
    good = services.attachment_add(report=report, section=None, upload=SimpleUploadedFile("bao-cao.pdf", PDF), user=staff)
    assert good.kind == "pdf" and good.file.read().startswith(b"%PDF")
    with pytest.raises(services.ReportingError, match="exe.pdf"):
        services.attachment_add(report=report, section=None, upload=SimpleUploadedFile("exe.pdf", b"MZ\x90\x00binary"), user=staff)
    with pytest.raises(services.ReportingError):
        services.attachment_add(report=report, section=None, upload=SimpleUploadedFile("anh.png", PDF), user=staff)


def test_attachment_size_limit(report, staff, settings):
    settings.ATTACHMENT_MAX_MB = 1
    big = SimpleUploadedFile("lon.pdf", PDF + b"0" * (1024 * 1024))
    with pytest.raises(services.ReportingError, match="1 MB"):
        services.attachment_add(report=report, section=None, upload=big, user=staff)
    assert not report.attachments.exists()


def test_attachment_stored_name_is_not_the_uploaded_one(report, staff):
    attachment = services.attachment_add(report=report, section=None, upload=SimpleUploadedFile("../../etc/passwd.pdf", PDF), user=staff)
    assert ".." not in attachment.file.name and attachment.file.name.endswith(".pdf")
    assert attachment.original_name == "passwd.pdf"  # Django keeps only the base name; it is only ever shown


# --- difficulties ---

def test_difficulty_raise_and_respond(plan119, staff, dfa_officer):
    task = Task.objects.get(code="4.3")
    difficulty = difficulty_services.difficulty_raise(agency=staff.agency, task=task, kind="difficulty", title="Thiếu kinh phí", text="...", user=staff)
    difficulty_services.difficulty_respond(difficulty=difficulty, user=dfa_officer, text="Đã báo cáo UBND tỉnh", status="escalated")
    difficulty.refresh_from_db()
    assert difficulty.status == "escalated" and difficulty.responses.count() == 1
    with pytest.raises(services.ReportingError):
        difficulty_services.difficulty_raise(agency=staff.agency, task=Task.objects.get(code="3.5"), kind="difficulty", title="x", text="y", user=staff)
    parent = difficulty_services.difficulty_raise(agency=staff.agency, task=Task.objects.get(code="3.2"), kind="proposal", title="x", text="y", user=staff)
    assert parent.pk


def test_broker_down_the_email_waits_in_the_outbox_and_goes_once(report, staff, django_capture_on_commit_callbacks, monkeypatch):
    from reporting.delivery import tasks
    from reporting.delivery.outbox import outbox_flush
    from reporting.models import OutboxMessage

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.deliver_outbox_message, "delay", broker_down)
    fill(report)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=report, user=staff)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and not mail.outbox
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 1
    # the broker is back: the outbox job runs
    assert outbox_flush(older_than=datetime.timedelta(0)) == {"sent": 1, "failed": 0}
    assert outbox_flush(older_than=datetime.timedelta(0)) == {"sent": 0, "failed": 0}
    assert len(mail.outbox) == 1


def test_outbox_delivery_is_claimed_once(report, staff, django_capture_on_commit_callbacks):
    from reporting.delivery.outbox import outbox_deliver
    from reporting.models import OutboxMessage

    fill(report)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=report, user=staff)
    message = OutboxMessage.objects.get()
    assert message.sent_at is not None and len(mail.outbox) == 1
    assert outbox_deliver(message_id=message.pk) is False  # a retry or a second worker sends nothing
    assert len(mail.outbox) == 1
