"""Every reporting view as the owning agency, another agency, the DFA, leadership, anonymous, and with the wrong method."""
import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reporting.cycle import services
from reporting.difficulties import services as difficulty_services
from reporting.models import ReportStatus
from reporting.tests.conftest import fill

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


def form_data(report, **overrides):
    """What the browser posts for the report form as it stands, with overrides by field name."""
    data = {"summary": report.summary, "lock_version": report.lock_version, "anchor": "", "action": "save"}
    for s in report.sections.all():
        p = f"s{s.pk}"
        data.update({f"{p}-progress": s.progress, f"{p}-results": s.results, f"{p}-difficulties": s.difficulties,
                     f"{p}-proposals": s.proposals, f"{p}-fig-TOTAL_FORMS": "2", f"{p}-fig-INITIAL_FORMS": "0",
                     f"{p}-fig-MIN_NUM_FORMS": "0", f"{p}-fig-MAX_NUM_FORMS": "30"})
    data.update(overrides)
    return data


def section_key(report, code, field):
    return f"s{report.sections.get(task__code=code).pk}-{field}"


# --- who may see what ---

READERS = {"staff": 200, "other_staff": 404, "dfa_officer": 200, "leader": 200}


@pytest.mark.parametrize("who,expected", READERS.items())
def test_report_detail_by_role(client, report, request, who, expected):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("report_detail", args=[report.pk])).status_code == expected


@pytest.mark.parametrize("who,expected", {"staff": 200, "other_staff": 404, "dfa_officer": 403, "leader": 403}.items())
def test_report_edit_by_role(client, report, request, who, expected):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("report_edit", args=[report.pk])).status_code == expected


@pytest.mark.parametrize("name", ["report_detail", "report_edit", "report_versions"])
def test_anonymous_goes_to_login(client, report, name):
    response = client.get(reverse(name, args=[report.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name,method", [("report_detail", "post"), ("report_review", "get"), ("report_reopen", "get"),
                                         ("report_versions", "post"), ("attachment_download", "post")])
def test_wrong_method(client, report, staff, dfa_officer, name, method):
    login(client, dfa_officer)
    assert getattr(client, method)(reverse(name, args=[report.pk])).status_code == 405


def test_wrong_method_on_lists(client, report, dfa_officer):
    login(client, dfa_officer)
    assert client.post(reverse("review_queue")).status_code == 405
    assert client.post(reverse("period_list")).status_code == 405
    assert client.get(reverse("period_close", args=[report.period.pk])).status_code == 405
    assert client.delete(reverse("report_edit", args=[report.pk])).status_code == 405


@pytest.mark.parametrize("who,expected", {"staff": 403, "other_staff": 403, "dfa_officer": 200, "leader": 403}.items())
def test_review_queue_by_role(client, report, request, who, expected):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("review_queue")).status_code == expected


def test_review_queue_anonymous(client, db):
    assert client.get(reverse("review_queue")).status_code == 302


@pytest.mark.parametrize("who,expected", {"staff": 403, "other_staff": 403, "dfa_officer": 200, "leader": 200}.items())
def test_period_list_by_role(client, report, request, who, expected):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("period_list")).status_code == expected


@pytest.mark.parametrize("who,expected", {"staff": 403, "other_staff": 403, "leader": 403}.items())
def test_only_the_dfa_reviews_reopens_and_closes(client, report, request, who, expected):
    fill(report)
    services.report_submit(report=report, user=report.agency.users.first())
    login(client, request.getfixturevalue(who))
    assert client.post(reverse("report_review", args=[report.pk]), {"decision": "accept"}).status_code == expected
    assert client.post(reverse("report_reopen", args=[report.pk]), {"reason": "x"}).status_code == expected
    assert client.post(reverse("period_close", args=[report.period.pk])).status_code == expected
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_dfa_cannot_review_what_it_cannot_find(client, dfa_officer, db):
    login(client, dfa_officer)
    assert client.post(reverse("report_review", args=[999999]), {"decision": "accept"}).status_code == 404


# --- home ---

def test_agency_home_shows_tasks_deadline_and_status(client, report, staff):
    login(client, staff)
    html = client.get(reverse("home")).content.decode()
    assert "05/11/2025" in html
    assert "16" in html  # days left on 20/10/2025
    assert "3.2.1" in html and "4.3" in html
    assert reverse("report_edit", args=[report.pk]) in html


def test_agency_home_after_the_deadline(client, report, staff, dfa_officer):
    """Overdue while nothing is sent; once sent, the date it was sent instead of an alarm."""
    import time_machine

    with time_machine.travel(datetime.datetime(2025, 11, 10, 9, tzinfo=datetime.timezone.utc), tick=False):
        login(client, staff)
        assert "quá hạn 5 ngày" in client.get(reverse("home")).content.decode()
        services.report_submit(report=fill(report), user=staff)
        html = client.get(reverse("home")).content.decode()
        assert "quá hạn" not in html and "Đã gửi Sở Ngoại vụ ngày 10/11/2025" in html and "chậm 5 ngày" in html
        services.report_return(report=report, user=dfa_officer, comment="Bổ sung số liệu")
        assert "quá hạn 5 ngày" in client.get(reverse("home")).content.decode()  # to be sent again


def test_home_before_the_period_opens(client, staff, periods):
    import time_machine

    with time_machine.travel(datetime.datetime(2025, 9, 1, 10, tzinfo=datetime.timezone.utc), tick=False):
        login(client, staff)
        html = client.get(reverse("home")).content.decode()
    assert "01/10/2025" in html


def test_requested_organisation_sees_voluntary_tasks(client, report, agency_of):
    from agencies.tests.factories import staff_of

    login(client, staff_of(agency_of("VCCI")))
    html = client.get(reverse("home")).content.decode()
    assert "tự nguyện" in html or "voluntary" in html


@pytest.mark.parametrize("who", ["dfa_officer", "leader"])
def test_dfa_and_leadership_home(client, report, request, who):
    login(client, request.getfixturevalue(who))
    response = client.get(reverse("home"))
    assert response.status_code == 200 and "15/11/2025" in response.content.decode()


def test_home_period_figures_are_the_dashboards_and_drill_down(client, report, staff, dfa_officer, agency_of):
    """The same numbers as the dashboard (a requested organisation's voluntary report is not "expected" there
    either; a report an agency sent before it was merged still counts in its year), each a link to what it counts."""
    from agencies.tests.factories import staff_of
    from tasks.services import agency_merge

    services.report_submit(report=fill(report), user=staff)
    vcci = staff_of(agency_of("VCCI"))
    services.report_submit(report=fill(services.report_open(period=report.period, agency=vcci.agency)), user=vcci)
    gone = staff_of(agency_of("H-HATRUNG"))
    services.report_submit(report=fill(services.report_open(period=report.period, agency=gone.agency)), user=gone)
    agency_merge(agency=gone.agency, successor=agency_of("TX-BIMSON"))
    login(client, dfa_officer)
    period = next(p for p in client.get(reverse("home")).context["periods"] if p.year == 2025)
    stats = client.get(reverse("dashboard_year", args=[2025])).context["stats"]
    assert dict(period.counts) == {m: stats[m] for m in ("expected", "submitted", "late", "waiting", "accepted")}
    assert dict(period.counts)["submitted"] == 2 and dict(period.counts)["waiting"] == 2
    html = client.get(reverse("home")).content.decode()
    assert f'{reverse("dashboard_reports", args=[2025])}?metric=submitted">2<' in html


@pytest.mark.parametrize("who", ["dfa_officer", "leader"])
def test_home_lists_what_was_escalated_to_the_peoples_committee(client, report, staff, dfa_officer, request, who):
    from reporting.models import DifficultyStatus

    task = report.sections.first().task
    kept = difficulty_services.difficulty_raise(agency=staff.agency, task=task, kind="difficulty", title="Thiếu kinh phí hội chợ",
                                     text="…", user=staff)
    difficulty_services.difficulty_raise(agency=staff.agency, task=task, kind="proposal", title="Đề xuất đã hướng dẫn", text="…", user=staff)
    difficulty_services.difficulty_respond(difficulty=kept, user=dfa_officer, text="Trình UBND tỉnh", status=DifficultyStatus.ESCALATED)
    login(client, request.getfixturevalue(who))
    html = client.get(reverse("home")).content.decode()
    assert "Thiếu kinh phí hội chợ" in html and reverse("difficulty_detail", args=[kept.pk]) in html
    assert "Đề xuất đã hướng dẫn" not in html
    assert f'{reverse("difficulty_list")}?status=escalated' in html
    assert client.get(reverse("difficulty_detail", args=[kept.pk])).status_code == 200


def test_home_without_escalations_says_so(client, report, dfa_officer):
    login(client, dfa_officer)
    assert "Không có khó khăn" in client.get(reverse("home")).content.decode()


def test_home_for_a_user_with_no_agency(client, db, plan119):
    from agencies.tests.factories import UserFactory

    login(client, UserFactory())
    assert "administrator" in client.get(reverse("home")).content.decode() or "quản trị" in client.get(reverse("home")).content.decode()


# --- the form ---

def test_save_draft_keeps_everything_and_the_place(client, report, staff):
    login(client, staff)
    url = reverse("report_edit", args=[report.pk])
    data = form_data(report, summary="Đánh giá chung", anchor="task-4.3",
                     **{section_key(report, "4.3", "results"): "Hỗ trợ 20 doanh nghiệp", section_key(report, "4.3", "fig-0-label"): "Hội chợ",
                        section_key(report, "4.3", "fig-0-value"): "3", section_key(report, "4.3", "fig-0-unit"): "sự kiện"})
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].endswith("#task-4.3")
    section = report.sections.get(task__code="4.3")
    assert section.results == "Hỗ trợ 20 doanh nghiệp"
    assert [(f.label, int(f.value), f.unit) for f in section.figures.all()] == [("Hội chợ", 3, "sự kiện")]
    html = client.get(url).content.decode()
    assert "Hỗ trợ 20 doanh nghiệp" in html and "Đánh giá chung" in html


def test_validation_error_loses_nothing(client, report, staff):
    login(client, staff)
    data = form_data(report, **{section_key(report, "4.3", "results"): "Giữ nguyên văn bản này",
                                section_key(report, "4.3", "progress"): "nonsense"})
    response = client.post(reverse("report_edit", args=[report.pk]), data)
    assert response.status_code == 400
    assert "Giữ nguyên văn bản này" in response.content.decode()
    assert report.sections.get(task__code="4.3").results == ""


def test_overlong_input_is_refused_with_a_message(client, report, staff):
    login(client, staff)
    data = form_data(report, **{section_key(report, "4.3", "results"): "x" * 20001})
    response = client.post(reverse("report_edit", args=[report.pk]), data)
    assert response.status_code == 400 and "20000" in response.content.decode()


def test_markup_is_shown_as_text(client, report, staff, dfa_officer):
    login(client, staff)
    client.post(reverse("report_edit", args=[report.pk]), form_data(report, summary="<script>alert(1)</script>"))
    login(client, dfa_officer)
    html = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_concurrent_edit_is_refused_with_who_saved_first(client, report, staff):
    from agencies.tests.factories import staff_of

    colleague = staff_of(staff.agency, first_name="Lan", last_name="Nguyễn")
    stale = form_data(report, summary="bản của tôi")
    services.report_save_draft(report=report, user=colleague, lock_version=report.lock_version, summary="bản của Lan", sections={})
    login(client, staff)
    response = client.post(reverse("report_edit", args=[report.pk]), stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Lan" in html and "bản của tôi" in html
    report.refresh_from_db()
    assert report.summary == "bản của Lan"


def test_submit_incomplete_saves_the_draft_and_says_what_is_missing(client, report, staff):
    login(client, staff)
    data = form_data(report, action="submit", summary="Đã có", **{section_key(report, "4.3", "results"): "Có kết quả"})
    response = client.post(reverse("report_edit", args=[report.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "3.2.1" in html
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.summary == "Đã có"


def test_submit_failing_in_the_database_keeps_the_draft_and_says_so(client, report, staff, monkeypatch):
    from django.db import OperationalError

    def down(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    login(client, staff)
    fill(report)
    report.refresh_from_db()
    monkeypatch.setattr(services, "report_submit", down)
    data = form_data(report, action="submit", summary="Bản cuối")
    response = client.post(reverse("report_edit", args=[report.pk]), data, follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == reverse("report_edit", args=[report.pk])
    assert "could not be submitted" in response.content.decode() or "chưa gửi được" in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.summary == "Bản cuối"


def test_submit_with_a_pdf_then_confirmation(client, report, staff, django_capture_on_commit_callbacks):
    login(client, staff)
    fill(report)
    report.refresh_from_db()
    data = form_data(report, action="submit")
    data[f"file-s{report.sections.get(task__code='4.3').pk}"] = SimpleUploadedFile("minh-chung.pdf", PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report_edit", args=[report.pk]), data)
    assert response.status_code == 302 and response["Location"] == reverse("report_detail", args=[report.pk])
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.attachments.get().section.task.code == "4.3"
    assert len(mail.outbox) >= 1
    page = client.get(response["Location"]).content.decode()
    assert "minh-chung.pdf" in page


def test_bad_upload_is_refused_and_the_rest_is_kept(client, report, staff):
    login(client, staff)
    data = form_data(report, **{section_key(report, "4.3", "results"): "Văn bản vẫn được lưu"})
    data["file-report"] = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00this is no pdf")
    response = client.post(reverse("report_edit", args=[report.pk]), data, follow=True)
    assert "virus.pdf" in response.content.decode()
    assert report.sections.get(task__code="4.3").results == "Văn bản vẫn được lưu"
    assert not report.attachments.exists()


def test_submit_after_the_period_closed_is_refused(client, report, staff, dfa_officer):
    fill(report)
    services.period_close(period=report.period, user=dfa_officer)
    login(client, staff)
    report.refresh_from_db()
    response = client.post(reverse("report_edit", args=[report.pk]), form_data(report, action="submit"), follow=True)
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT
    assert report.sections.get(task__code="4.3").results.startswith("Đã tổ chức")


def test_forged_lock_version_or_section_of_another_report(client, report, staff, period, other_staff):
    other = services.report_open(period=period, agency=other_staff.agency)
    login(client, staff)
    assert client.post(reverse("report_edit", args=[other.pk]), form_data(other)).status_code == 404
    data = form_data(report, lock_version="-3")
    assert client.post(reverse("report_edit", args=[report.pk]), data).status_code == 400


# --- attachments ---

def test_attachment_download_permissions(client, report, staff, other_staff, dfa_officer):
    attachment = services.attachment_add(report=report, section=None, upload=SimpleUploadedFile("a.pdf", PDF), user=staff)
    url = reverse("attachment_download", args=[attachment.pk])
    assert client.get(url).status_code == 302
    login(client, other_staff)
    assert client.get(url).status_code == 404
    for user in (staff, dfa_officer):
        login(client, user)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert response["Content-Disposition"].startswith("attachment")


def test_docx_and_xlsx_recognised(report, staff):
    from reporting.tests.test_files import real_docx, real_xlsx

    assert services.attachment_add(report=report, section=None, upload=SimpleUploadedFile("a.docx", real_docx()), user=staff).kind == "docx"
    assert services.attachment_add(report=report, section=None, upload=SimpleUploadedFile("a.xlsx", real_xlsx()), user=staff).kind == "xlsx"
    with pytest.raises(services.ReportingError):
        services.attachment_add(report=report, section=None, upload=SimpleUploadedFile("a.xlsx", real_docx()), user=staff)


# --- review ---

def test_review_return_with_section_comment_then_accept(client, report, staff, dfa_officer):
    fill(report)
    services.report_submit(report=report, user=staff)
    section = report.sections.get(task__code="4.3")
    login(client, dfa_officer)
    assert reverse("report_detail", args=[report.pk]) in client.get(reverse("review_queue")).content.decode()
    client.post(reverse("report_review", args=[report.pk]), {"decision": "return", "comment": "Bổ sung số liệu", f"comment-s{section.pk}": "Thiếu kim ngạch"})
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    login(client, staff)
    html = client.get(reverse("report_edit", args=[report.pk])).content.decode()
    assert "Bổ sung số liệu" in html and "Thiếu kim ngạch" in html
    client.post(reverse("report_edit", args=[report.pk]), form_data(report, action="submit", **{section_key(report, "4.3", "results"): "Kim ngạch 5 tỷ USD"}))
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.version == 2
    login(client, dfa_officer)
    versions = client.get(reverse("report_versions", args=[report.pk]))
    assert "<ins>" in versions.content.decode()
    client.post(reverse("report_review", args=[report.pk]), {"decision": "accept", "comment": ""})
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    login(client, staff)
    assert client.get(reverse("report_edit", args=[report.pk])).status_code == 302  # locked: back to the read view
    timeline = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    for word in ("Bổ sung số liệu",):
        assert word in timeline


def test_return_without_comment_is_refused(client, report, staff, dfa_officer):
    fill(report)
    services.report_submit(report=report, user=staff)
    login(client, dfa_officer)
    response = client.post(reverse("report_review", args=[report.pk]), {"decision": "return", "comment": ""}, follow=True)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert response.status_code == 200


def test_the_reopen_form_shows_where_the_rule_allows_it(client, report, staff, dfa_officer, leader):
    reopen = reverse("report_reopen", args=[report.pk])
    fill(report)
    services.report_submit(report=report, user=staff)
    login(client, dfa_officer)
    assert reopen not in client.get(reverse("report_detail", args=[report.pk])).content.decode()  # waiting for review
    services.report_accept(report=report, user=dfa_officer)
    assert reopen in client.get(reverse("report_detail", args=[report.pk])).content.decode()
    login(client, leader)
    assert reopen not in client.get(reverse("report_detail", args=[report.pk])).content.decode()


def test_reopening_what_the_rule_refuses_says_why(client, report, staff, dfa_officer):
    """A returned report in an open period: the agency can change it itself. A message, not a 500, nothing changed."""
    fill(report)
    services.report_submit(report=report, user=staff)
    services.report_return(report=report, user=dfa_officer, comment="Bổ sung số liệu")
    login(client, dfa_officer)
    response = client.post(reverse("report_reopen", args=[report.pk]), {"reason": "Mở lại"}, follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == reverse("report_detail", args=[report.pk])
    errors = [m.message for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1 and errors[0].startswith("Không thể mở lại báo cáo này.")
    assert errors[0] in response.content.decode()
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED and report.review_comment == "Bổ sung số liệu"


def test_versions_of_another_agency_are_404(client, report, staff, other_staff):
    fill(report)
    services.report_submit(report=report, user=staff)
    login(client, other_staff)
    assert client.get(reverse("report_versions", args=[report.pk])).status_code == 404


def test_dfa_closes_a_period(client, period, dfa_officer):
    login(client, dfa_officer)
    client.post(reverse("period_close", args=[period.pk]))
    period.refresh_from_db()
    assert period.is_closed


def test_report_pages_query_count_is_bounded(client, report, staff, dfa_officer):
    fill(report)
    login(client, staff)
    with CaptureQueriesContext(connection) as edit:
        client.get(reverse("report_edit", args=[report.pk]))
    with CaptureQueriesContext(connection) as detail:
        client.get(reverse("report_detail", args=[report.pk]))
    assert len(edit) <= 30 and len(detail) <= 20
