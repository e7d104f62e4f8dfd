"""The reporting cycle's services, on the cast's small plan (conftest.py): periods, reports, review, attachments."""
import datetime
import unicodedata

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from agencies.models import AgencyKind
from agencies.tests.factories import AgencyFactory
from plan119.testing import at, fill
from reporting.cycle import services
from reporting.dashboards import metrics
from reporting.difficulties import services as difficulty_services
from reporting.models import DayOff, EventKind, PeriodStatus, ReportStatus
from tasks.models import Assignment, AssignmentRole, AssignmentSource, DeadlineKind

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- periods ---

def test_one_period_per_plan_year_with_the_plan_deadlines(small_periods):
    assert sorted(small_periods) == [2024, 2025, 2026]
    p = small_periods[2025]
    assert (p.opens_on, p.agency_due, p.synthesis_due) == (datetime.date(2025, 10, 1), datetime.date(2025, 11, 5),
                                                            datetime.date(2025, 11, 15))
    assert small_periods[2024].covers_from == datetime.date(2024, 3, 1)  # the plan's issue date
    assert small_periods[2025].covers_from == datetime.date(2024, 11, 6)
    assert small_periods[2025].covers_to == datetime.date(2025, 11, 5)


def test_next_working_day_rule_and_recompute(small_periods, small_plan):
    plan = small_plan.plan
    rule = plan.deadline_rules.get(kind=DeadlineKind.SYNTHESIS)
    rule.move_to_working_day = True
    rule.save()
    services.periods_ensure(plan=plan)
    # 15/11/2025 is a Saturday → Monday 17/11/2025; 15/11/2026 a Sunday → 16/11/2026
    periods = {p.year: p for p in plan.periods.all()}
    assert periods[2025].synthesis_due == datetime.date(2025, 11, 17)
    assert periods[2026].synthesis_due == datetime.date(2026, 11, 16)
    DayOff.objects.create(date=datetime.date(2025, 11, 17), name="Nghỉ bù")
    services.periods_recompute_all()
    assert plan.periods.get(year=2025).synthesis_due == datetime.date(2025, 11, 18)


def test_a_day_off_added_or_removed_moves_the_deadlines(small_periods, small_plan):
    plan = small_plan.plan
    rule = plan.deadline_rules.get(kind=DeadlineKind.SYNTHESIS)
    rule.move_to_working_day = True
    services.deadline_rule_save(rule=rule)
    assert plan.periods.get(year=2025).synthesis_due == datetime.date(2025, 11, 17)  # 15/11/2025 is a Saturday
    day_off = services.day_off_save(day_off=DayOff(date=datetime.date(2025, 11, 17), name="Nghỉ bù"))
    assert plan.periods.get(year=2025).synthesis_due == datetime.date(2025, 11, 18)
    services.days_off_delete(days_off=DayOff.objects.filter(pk=day_off.pk))
    assert plan.periods.get(year=2025).synthesis_due == datetime.date(2025, 11, 17)
    assert not DayOff.objects.exists() and DayOff.history.filter(history_type="-").count() == 1


def test_a_deadline_rule_saved_recomputes_open_periods_only(small_periods, small_plan, dfa):
    plan = small_plan.plan
    services.period_close(period=small_periods[2024], user=dfa)
    rule = plan.deadline_rules.get(kind=DeadlineKind.AGENCY_REPORT)
    rule.day = 1
    services.deadline_rule_save(rule=rule)
    assert plan.periods.get(year=2024).agency_due == datetime.date(2024, 11, 5)
    assert plan.periods.get(year=2025).agency_due == datetime.date(2025, 11, 1)


def test_a_deadline_rule_that_is_not_a_date_is_refused(small_periods, small_plan):
    from django.core.exceptions import ValidationError

    rule = small_plan.plan.deadline_rules.get(kind=DeadlineKind.AGENCY_REPORT)
    rule.month, rule.day = 2, 30
    with pytest.raises(ValidationError):
        services.deadline_rule_save(rule=rule)
    rule.refresh_from_db()
    assert (rule.day, rule.month) == (5, 11)


def test_period_dates_override_and_back(small_periods, small_plan):
    period = services.period_dates_override(period=small_periods[2025], opens_on=None,
                                            agency_due=datetime.date(2025, 11, 10), synthesis_due=None)
    assert period.agency_due == period.covers_to == datetime.date(2025, 11, 10)
    assert small_plan.plan.periods.get(year=2026).agency_due == datetime.date(2026, 11, 5)
    period = services.period_dates_override(period=period, opens_on=None, agency_due=None, synthesis_due=None)
    assert period.agency_due == datetime.date(2025, 11, 5)


def test_period_update_closes_as_period_close_does(small_report, dfa, admin):
    """Closing a period by editing it (the admin) stamps who closed it and ends an agency's reopening."""
    report = small_report
    period = report.period
    services.period_close(period=period, user=dfa)
    assert services.report_reopen(report=report, user=dfa, reason="Đơn vị xin gia hạn").reopened
    services.period_update(period=period, user=admin, status=PeriodStatus.OPEN, opens_on=None, agency_due=None,
                           synthesis_due=None)
    period.refresh_from_db()
    assert not period.is_closed and period.closed_by is None
    services.period_update(period=period, user=admin, status=PeriodStatus.CLOSED, opens_on=None,
                           agency_due=datetime.date(2025, 11, 20), synthesis_due=None)
    period.refresh_from_db()
    report.refresh_from_db()
    assert period.is_closed and period.closed_by == admin and period.closed_at is not None
    assert not report.reopened
    assert period.agency_due == datetime.date(2025, 11, 5)  # a closed period keeps its dates


def test_lunar_new_year_is_a_holiday():
    from tasks.models import next_working_day

    # Tết 2026: 17/02/2026 is the first day of the lunar year
    assert next_working_day(datetime.date(2026, 2, 17)) > datetime.date(2026, 2, 17)


def test_closed_period_keeps_its_dates(small_periods, small_plan, dfa):
    plan = small_plan.plan
    services.period_close(period=small_periods[2024], user=dfa)
    rule = plan.deadline_rules.get(kind=DeadlineKind.AGENCY_REPORT)
    rule.day = 1
    rule.save()
    services.periods_ensure(plan=plan)
    assert plan.periods.get(year=2024).agency_due == datetime.date(2024, 11, 5)
    assert plan.periods.get(year=2025).agency_due == datetime.date(2025, 11, 1)


def test_override_for_one_year(small_periods, small_plan):
    p = small_periods[2025]
    p.agency_due_override = datetime.date(2025, 11, 10)
    p.save()
    services.periods_ensure(plan=small_plan.plan)
    p.refresh_from_db()
    assert p.agency_due == datetime.date(2025, 11, 10)
    assert small_plan.plan.periods.get(year=2026).agency_due == datetime.date(2026, 11, 5)


# --- reports and sections ---

def test_report_has_a_section_per_assigned_task(small_report):
    """One per task the agency carries, leaving out the parent item 1.2 whose sub-task 1.2.1 it also carries."""
    sections = list(small_report.sections.order_by("task__sort_key").values_list("task__code", "role"))
    assert sections == [("1.1", AssignmentRole.LEAD), ("1.2.1", AssignmentRole.LEAD),
                        ("2.1", AssignmentRole.CO_OPERATING)]
    assert small_report.expected


def test_requested_organisation_report_is_voluntary(small_period, small_plan, in_october_2025):
    voluntary = services.report_open(period=small_period, agency=small_plan.requested)
    assert not voluntary.expected
    assert voluntary.sections.exists() and all(s.requested for s in voluntary.sections.all())
    assert services.report_problems(voluntary) == []


def test_reports_are_created_when_the_period_opens(small_periods):
    """One small_report per agency the plan assigns a task (the department outside the plan gets none)."""
    assert services.reports_open_due(today=datetime.date(2025, 9, 30)) == 3  # 2024 is already open
    assert services.reports_open_due(today=datetime.date(2025, 10, 1)) == 3
    assert services.reports_open_due(today=datetime.date(2025, 10, 2)) == 0


def test_a_period_expects_the_bodies_in_existence_then(small_periods, small_plan):
    """Issue 15: a district abolished on 01/07/2025 owes 2024 but not 2025; a commune founded that day owes 2025 but
    not 2024, even while the 2024 period is still open."""
    district = AgencyFactory(code="huyen-x", kind=AgencyKind.DISTRICT, exists_until=datetime.date(2025, 6, 30))
    commune = AgencyFactory(code="xa-y", kind=AgencyKind.COMMUNE, exists_from=datetime.date(2025, 7, 1))
    for agency in (district, commune):
        Assignment.objects.create(task=small_plan.tasks["2.2"], agency=agency, role=AssignmentRole.LEAD)
    assert services.reports_open_due(today=datetime.date(2024, 10, 1)) == 4  # the district, not yet the commune
    district.active = False  # abolished: its last day has passed
    district.save()
    assert services.reports_open_due(today=datetime.date(2025, 10, 1)) == 4  # 2025: the commune, not the district
    assert set(small_periods[2024].reports.values_list("agency__code", flat=True)) >= {"huyen-x"}
    assert not small_periods[2024].reports.filter(agency=commune).exists()
    assert small_periods[2025].reports.filter(agency=commune).exists()
    assert not small_periods[2025].reports.filter(agency=district).exists()
    # the district's unsent 2024 report still counts in 2024, as missing
    assert metrics.counted_reports(small_periods[2024]).filter(agency=district).exists()


def test_new_assignment_gives_a_new_section(small_report, small_plan):
    Assignment.objects.create(task=small_plan.tasks["2.2"], agency=small_report.agency,
                              role=AssignmentRole.CO_OPERATING,
                              source=AssignmentSource.ADMIN)
    services.report_sync_sections(report=small_report)
    assert small_report.sections.filter(task__code="2.2", role=AssignmentRole.CO_OPERATING).exists()


def test_save_draft_partial_and_nfc(small_report, owner):
    section = small_report.sections.get(task__code="1.1")
    nfd = unicodedata.normalize("NFD", "Hỗ trợ doanh nghiệp xuất khẩu")
    services.report_save_draft(report=small_report, user=owner, lock_version=small_report.lock_version, summary="",
                               sections={section.pk: {"results": nfd, "progress": "in_progress"}})
    section.refresh_from_db()
    assert section.results == "Hỗ trợ doanh nghiệp xuất khẩu"
    assert section.progress == "in_progress"


def test_optimistic_lock_refuses_the_later_save(small_report, owner):
    section = small_report.sections.get(task__code="1.1")
    opened = small_report.lock_version
    services.report_save_draft(report=small_report, user=owner, lock_version=opened, summary="first",
                               sections={section.pk: {"results": "A"}})
    with pytest.raises(services.StaleReport, match="20/10/2025 10:00"):
        services.report_save_draft(report=small_report, user=owner, lock_version=opened, summary="second",
                                   sections={section.pk: {"results": "B"}})
    section.refresh_from_db()
    small_report.refresh_from_db()
    assert (small_report.summary, section.results) == ("first", "A")


def test_forged_section_id_is_ignored(small_report, owner, small_period, outsider):
    other = services.report_open(period=small_period, agency=outsider.agency)
    foreign = other.sections.first()
    services.report_save_draft(report=small_report, user=owner, lock_version=small_report.lock_version, summary="",
                               sections={foreign.pk: {"results": "hack"}})
    foreign.refresh_from_db()
    assert foreign.results == ""


def test_submit_needs_results_for_every_led_task(small_report, owner):
    small_report.sections.update(progress="in_progress")
    with pytest.raises(services.IncompleteReport) as error:
        services.report_submit(report=small_report, user=owner)
    messages = [m for _, m in error.value.problems]
    assert any("1.1" in m and "results" in m.lower() or "1.1" in m and "kết quả" in m for m in messages)
    assert [section.task.code for section, _ in error.value.problems] == ["1.1", "1.2.1"]  # not 2.1: co-operating
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.DRAFT


def test_submit_needs_progress_for_every_ordered_task_lead_or_co_operating(small_report, owner):
    fill(small_report)
    small_report.sections.filter(task__code__in=["1.1", "2.1"]).update(progress="")
    with pytest.raises(services.IncompleteReport) as error:
        services.report_submit(report=small_report, user=owner)
    assert [(section.task.code, message) for section, message in error.value.problems] == [
        ("1.1", "Nhiệm vụ 1.1 (Hội nghị xúc tiến): chưa chọn tiến độ."),
        ("2.1", "Nhiệm vụ 2.1 (Kết nghĩa): chưa chọn tiến độ."),
    ]
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.DRAFT and small_report.version == 0


def test_a_draft_with_blanks_is_saved(small_report, owner):
    section = small_report.sections.get(task__code="1.1")
    before = small_report.lock_version
    services.report_save_draft(report=small_report, user=owner, lock_version=before, summary="Còn dở",
                               sections={section.pk: {"progress": "", "results": ""}})
    small_report.refresh_from_db()
    assert small_report.lock_version == before + 1 and small_report.summary == "Còn dở"


def test_voluntary_report_needs_no_progress_but_its_blanks_are_named(small_period, small_plan, in_october_2025):
    voluntary = services.report_open(period=small_period, agency=small_plan.requested)
    assert services.report_problems(voluntary) == []
    assert [m for _s, m in services.report_blanks(voluntary)] == [
        "Phần đánh giá chung còn trống.",
        "Nhiệm vụ 1.1 (Hội nghị xúc tiến): chưa chọn tiến độ (không bắt buộc).",
        "Nhiệm vụ 1.1 (Hội nghị xúc tiến): chưa nhập kết quả.",
    ]


def test_submit_refuses_a_version_the_agency_did_not_confirm(small_report, owner, colleague):
    fill(small_report)
    confirmed = small_report.lock_version
    services.report_save_draft(report=small_report, user=colleague, lock_version=confirmed, summary="Lan", sections={})
    with pytest.raises(services.StaleReport):
        services.report_submit(report=small_report, user=owner, lock_version=confirmed)
    small_report.refresh_from_db()
    services.report_submit(report=small_report, user=owner, lock_version=small_report.lock_version)


def test_submit_on_time(small_report, owner, django_capture_on_commit_callbacks):
    fill(small_report)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=small_report, user=owner)
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.SUBMITTED and small_report.version == 1 and small_report.days_late == 0
    assert small_report.submitted_by == owner
    assert small_report.versions.get(number=1).content["sections"]["1.1"]["results"].startswith("Đã tổ chức")
    assert list(small_report.events.values_list("kind", flat=True)) == [EventKind.SUBMITTED]
    assert len(mail.outbox) == 1
    assert owner.email in mail.outbox[0].to
    assert "2025" in mail.outbox[0].subject


def test_e_mail_is_sent_only_after_commit(small_report, owner, django_capture_on_commit_callbacks):
    fill(small_report)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.report_submit(report=small_report, user=owner)
    assert len(mail.outbox) == 0 and len(callbacks) == 1


def test_mail_failure_does_not_undo_a_submission(small_report, owner, django_capture_on_commit_callbacks, monkeypatch):
    from reporting.delivery import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.deliver_outbox_message, "delay", broker_down)
    fill(small_report)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=small_report, user=owner)
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.SUBMITTED


def test_confirmation_in_the_recipients_language(small_report, owner, django_capture_on_commit_callbacks):
    owner.language = "en"
    owner.save()
    fill(small_report)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=small_report, user=owner)
    by_to = {tuple(m.to): m for m in mail.outbox}
    english = by_to[(owner.email,)]
    assert "report received" in english.subject
    vietnamese = by_to[("t-lead@example.vn",)] if ("t-lead@example.vn",) in by_to else None
    assert english.alternatives and english.alternatives[0][1] == "text/html"
    assert vietnamese is None or "Sở Thử nghiệm Công Thương" in vietnamese.body


def test_late_submission_is_accepted_and_counted(small_period, owner, outsider):
    with at(2025, 11, 5, 23, 59):
        report = services.report_open(period=small_period, agency=owner.agency)
        fill(report)
        services.report_submit(report=report, user=owner)
        report.refresh_from_db()
        assert report.days_late == 0  # before the end of the due date, local time
    with at(2025, 11, 8, 0, 30):
        other = services.report_open(period=small_period, agency=outsider.agency)
        fill(other)
        services.report_submit(report=other, user=outsider)
        other.refresh_from_db()
        assert other.days_late == 3 and other.is_late


def test_return_resubmit_accept_lock(small_report, owner, dfa):
    fill(small_report)
    services.report_submit(report=small_report, user=owner)
    section = small_report.sections.get(task__code="1.1")
    services.report_return(report=small_report, user=dfa, comment="Bổ sung số liệu xuất khẩu.",
                           section_comments={section.pk: "Thiếu số liệu"})
    small_report.refresh_from_db()
    section.refresh_from_db()
    assert small_report.status == ReportStatus.RETURNED and small_report.is_editable()
    assert section.review_comment == "Thiếu số liệu"
    services.report_save_draft(report=small_report, user=owner, lock_version=small_report.lock_version, summary="",
                               sections={section.pk: {"results": "Kim ngạch xuất khẩu đạt 5 tỷ USD."}})
    services.report_submit(report=small_report, user=owner)
    small_report.refresh_from_db()
    assert small_report.version == 2 and small_report.versions.count() == 2
    services.report_accept(report=small_report, user=dfa)
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.ACCEPTED and small_report.is_locked and not small_report.is_editable()
    with pytest.raises(services.ReportLocked):
        services.report_save_draft(report=small_report, user=owner, lock_version=small_report.lock_version,
                                   summary="x", sections={})
    kinds = list(small_report.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "returned", "submitted", "accepted"]


def test_return_needs_a_comment_and_a_submitted_report(small_report, owner, dfa):
    with pytest.raises(services.ReportingError):
        services.report_accept(report=small_report, user=dfa)
    fill(small_report)
    services.report_submit(report=small_report, user=owner)
    with pytest.raises(services.ReportingError):
        services.report_return(report=small_report, user=dfa, comment="  ")


def test_closed_period_refuses_submission_and_keeps_the_draft(small_report, owner, dfa):
    fill(small_report)
    services.period_close(period=small_report.period, user=dfa)
    small_report.refresh_from_db()
    with pytest.raises(services.PeriodClosed):
        services.report_submit(report=small_report, user=owner)
    assert small_report.sections.get(task__code="1.1").results.startswith("Đã tổ chức")
    services.report_reopen(report=small_report, user=dfa, reason="Đơn vị xin gia hạn")
    small_report.refresh_from_db()
    assert small_report.reopened and small_report.is_editable()
    services.report_submit(report=small_report, user=owner)
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.SUBMITTED and not small_report.reopened
    assert small_report.events.filter(kind=EventKind.REOPENED, comment="Đơn vị xin gia hạn", actor=dfa).exists()


def test_a_report_edited_outside_the_form_makes_the_open_form_stale(small_report, owner):
    report = small_report
    opened_with = report.lock_version
    report.summary = "Sửa bởi quản trị"
    services.report_save_edited(report=report)
    with pytest.raises(services.StaleReport):
        services.report_save_draft(report=report, user=owner, lock_version=opened_with, summary="Bản của đơn vị",
                                   sections={})
    report.refresh_from_db()
    assert report.summary == "Sửa bởi quản trị"


@pytest.mark.parametrize("status,closed,allowed", [
    (ReportStatus.DRAFT, False, False), (ReportStatus.RETURNED, False, False), (ReportStatus.SUBMITTED, False, False),
    (ReportStatus.ACCEPTED, False, True), (ReportStatus.DRAFT, True, True), (ReportStatus.RETURNED, True, True),
    (ReportStatus.SUBMITTED, True, False), (ReportStatus.ACCEPTED, True, True),
])
def test_the_reopen_rule(small_report, dfa, status, closed, allowed):
    """Report.may_be_reopened is the rule; report_reopen refuses what it refuses, and changes nothing then."""
    report = small_report
    report.status = status
    report.save()
    if closed:
        services.period_close(period=report.period, user=dfa)
        report.refresh_from_db()
    assert report.may_be_reopened() is allowed
    if allowed:
        assert (services.report_reopen(report=report, user=dfa, reason="Đơn vị xin bổ sung").status
                != ReportStatus.SUBMITTED)
        return
    with translation.override("en"), pytest.raises(services.ReportingError, match="cannot be reopened"):
        services.report_reopen(report=report, user=dfa, reason="Đơn vị xin bổ sung")
    report.refresh_from_db()
    assert (report.status == status and not report.reopened
            and not report.events.filter(kind=EventKind.REOPENED).exists())


def test_close_and_reopen_period(small_period, dfa):
    services.period_close(period=small_period, user=dfa)
    small_period.refresh_from_db()
    assert small_period.status == PeriodStatus.CLOSED and small_period.closed_by == dfa
    services.period_reopen(period=small_period, user=dfa)
    small_period.refresh_from_db()
    assert small_period.status == PeriodStatus.OPEN


# --- attachments ---

def test_attachment_checked_by_content(small_report, owner):
    good = services.attachment_add(report=small_report, section=None, upload=SimpleUploadedFile("bao-cao.pdf", PDF),
                                   user=owner)
    assert good.kind == "pdf" and good.file.read().startswith(b"%PDF")
    with pytest.raises(services.ReportingError, match="exe.pdf"):
        services.attachment_add(report=small_report, section=None,
                                upload=SimpleUploadedFile("exe.pdf", b"MZ\x90\x00binary"),
                                user=owner)
    with pytest.raises(services.ReportingError):
        services.attachment_add(report=small_report, section=None, upload=SimpleUploadedFile("anh.png", PDF),
                                user=owner)


def test_attachment_size_limit(small_report, owner, settings):
    settings.ATTACHMENT_MAX_MB = 1
    big = SimpleUploadedFile("lon.pdf", PDF + b"0" * (1024 * 1024))
    with pytest.raises(services.ReportingError, match="1 MB"):
        services.attachment_add(report=small_report, section=None, upload=big, user=owner)
    assert not small_report.attachments.exists()


def test_attachment_stored_name_is_not_the_uploaded_one(small_report, owner):
    attachment = services.attachment_add(report=small_report, section=None,
                                         upload=SimpleUploadedFile("../../etc/passwd.pdf", PDF), user=owner)
    assert ".." not in attachment.file.name and attachment.file.name.endswith(".pdf")
    assert attachment.original_name == "passwd.pdf"  # Django keeps only the base name; it is only ever shown


# --- difficulties ---

def test_difficulty_raise_and_respond(small_plan, owner, dfa):
    tasks = small_plan.tasks
    difficulty = difficulty_services.difficulty_raise(agency=owner.agency, task=tasks["1.1"], kind="difficulty",
                                                      title="Thiếu kinh phí", text="...", user=owner)
    difficulty_services.difficulty_respond(difficulty=difficulty, user=dfa, text="Đã báo cáo UBND tỉnh",
                                           status="escalated")
    difficulty.refresh_from_db()
    assert difficulty.status == "escalated" and difficulty.responses.count() == 1
    with pytest.raises(services.ReportingError):  # 2.2 is the other department's alone
        difficulty_services.difficulty_raise(agency=owner.agency, task=tasks["2.2"], kind="difficulty", title="x",
                                             text="y",
                                             user=owner)
    parent = difficulty_services.difficulty_raise(agency=owner.agency, task=tasks["1.2"], kind="proposal", title="x",
                                                  text="y", user=owner)
    assert parent.pk


def test_broker_down_the_email_waits_in_the_outbox_and_goes_once(small_report, owner,
                                                                 django_capture_on_commit_callbacks, monkeypatch):
    from reporting.delivery import tasks
    from reporting.delivery.outbox import outbox_flush
    from reporting.models import OutboxMessage

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.deliver_outbox_message, "delay", broker_down)
    fill(small_report)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=small_report, user=owner)
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.SUBMITTED and not mail.outbox
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 1
    # the broker is back: the outbox job runs
    assert outbox_flush(older_than=datetime.timedelta(0)) == {"sent": 1, "failed": 0}
    assert outbox_flush(older_than=datetime.timedelta(0)) == {"sent": 0, "failed": 0}
    assert len(mail.outbox) == 1


def test_outbox_delivery_is_claimed_once(small_report, owner, django_capture_on_commit_callbacks):
    from reporting.delivery.outbox import outbox_deliver
    from reporting.models import OutboxMessage

    fill(small_report)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=small_report, user=owner)
    message = OutboxMessage.objects.get()
    assert message.sent_at is not None and len(mail.outbox) == 1
    assert outbox_deliver(message_id=message.pk) is False  # a retry or a second worker sends nothing
    assert len(mail.outbox) == 1
