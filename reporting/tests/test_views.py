"""Every reporting view as the owning agency, another agency, the DFA, leadership, anonymous, and with the wrong method.

On the cast's small plan (conftest.py): the owner's department leads 1.1 and 1.2.1 and co-operates on 2.1."""
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.tests.factories import UserFactory, staff_of
from plan119.testing import at, fill
from plan119.testing import report_form_data as form_data
from plan119.testing import section_field as section_key
from reporting.cycle import services
from reporting.difficulties import services as difficulty_services
from reporting.models import ReportStatus

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


# --- who may see what ---

READERS = {"owner": 200, "outsider": 404, "dfa": 200, "viewer": 200}


@pytest.mark.parametrize("who,expected", READERS.items())
def test_report_detail_by_role(client, small_report, request, who, expected):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("report_detail", args=[small_report.pk])).status_code == expected


@pytest.mark.parametrize("who,expected", {"owner": 200, "outsider": 404, "dfa": 403, "viewer": 403}.items())
def test_report_edit_by_role(client, small_report, request, who, expected):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("report_edit", args=[small_report.pk])).status_code == expected


@pytest.mark.parametrize("name", ["report_detail", "report_edit", "report_versions"])
def test_anonymous_goes_to_login(client, small_report, name):
    response = client.get(reverse(name, args=[small_report.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name,method", [("report_detail", "post"), ("report_review", "get"), ("report_reopen", "get"),
                                         ("report_versions", "post"), ("attachment_download", "post")])
def test_wrong_method(client, small_report, owner, dfa, name, method):
    login(client, dfa)
    assert getattr(client, method)(reverse(name, args=[small_report.pk])).status_code == 405


def test_wrong_method_on_lists(client, small_report, dfa):
    login(client, dfa)
    assert client.post(reverse("review_queue")).status_code == 405
    assert client.post(reverse("period_list")).status_code == 405
    assert client.get(reverse("period_close", args=[small_report.period.pk])).status_code == 405
    assert client.delete(reverse("report_edit", args=[small_report.pk])).status_code == 405


@pytest.mark.parametrize("who,expected", {"owner": 403, "outsider": 403, "dfa": 200, "viewer": 403}.items())
def test_review_queue_by_role(client, small_report, request, who, expected):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("review_queue")).status_code == expected


def test_review_queue_anonymous(client, db):
    assert client.get(reverse("review_queue")).status_code == 302


@pytest.mark.parametrize("who,expected", {"owner": 403, "outsider": 403, "dfa": 200, "viewer": 200}.items())
def test_period_list_by_role(client, small_report, request, who, expected):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("period_list")).status_code == expected


@pytest.mark.parametrize("who,expected", {"owner": 403, "outsider": 403, "viewer": 403}.items())
def test_only_the_dfa_reviews_reopens_and_closes(client, small_report, request, who, expected):
    fill(small_report)
    services.report_submit(report=small_report, user=small_report.agency.users.first())
    login(client, request.getfixturevalue(who))
    assert client.post(reverse("report_review", args=[small_report.pk]), {"decision": "accept"}).status_code == expected
    assert client.post(reverse("report_reopen", args=[small_report.pk]), {"reason": "x"}).status_code == expected
    assert client.post(reverse("period_close", args=[small_report.period.pk])).status_code == expected
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.SUBMITTED


def test_dfa_cannot_review_what_it_cannot_find(client, dfa, db):
    login(client, dfa)
    assert client.post(reverse("report_review", args=[999999]), {"decision": "accept"}).status_code == 404


# --- home ---

def test_agency_home_shows_tasks_deadline_and_status(client, small_report, owner):
    login(client, owner)
    html = client.get(reverse("home")).content.decode()
    assert "05/11/2025" in html
    assert "16" in html  # days left on 20/10/2025
    assert "1.1" in html and "1.2.1" in html and "2.2" not in html  # its tasks, not the other department's
    assert reverse("report_edit", args=[small_report.pk]) in html


def test_agency_home_after_the_deadline(client, small_report, owner, dfa):
    """Overdue while nothing is sent; once sent, the date it was sent instead of an alarm."""
    with at(2025, 11, 10, 9):
        login(client, owner)
        assert "quá hạn 5 ngày" in client.get(reverse("home")).content.decode()
        services.report_submit(report=fill(small_report), user=owner)
        html = client.get(reverse("home")).content.decode()
        assert "quá hạn" not in html and "Đã gửi Sở Ngoại vụ ngày 10/11/2025" in html and "chậm 5 ngày" in html
        services.report_return(report=small_report, user=dfa, comment="Bổ sung số liệu")
        assert "quá hạn 5 ngày" in client.get(reverse("home")).content.decode()  # to be sent again


def test_home_before_the_period_opens(client, owner, small_periods):
    with at(2025, 9, 1):
        login(client, owner)
        html = client.get(reverse("home")).content.decode()
    assert "01/10/2025" in html


def test_requested_organisation_sees_voluntary_tasks(client, small_report, small_plan):
    login(client, staff_of(small_plan.requested))
    html = client.get(reverse("home")).content.decode()
    assert "tự nguyện" in html or "voluntary" in html


@pytest.mark.parametrize("who", ["dfa", "viewer"])
def test_dfa_and_leadership_home(client, small_report, request, who):
    login(client, request.getfixturevalue(who))
    response = client.get(reverse("home"))
    assert response.status_code == 200 and "15/11/2025" in response.content.decode()


def test_home_period_figures_are_the_dashboards_and_drill_down(client, small_report, owner, outsider, dfa, small_plan):
    """The same numbers as the dashboard (a requested organisation's voluntary report is not "expected" there
    either; a report an agency sent before it was merged still counts in its year), each a link to what it counts."""
    from tasks.services import agency_merge

    services.report_submit(report=fill(small_report), user=owner)
    voluntary = staff_of(small_plan.requested)
    services.report_submit(report=fill(services.report_open(period=small_report.period, agency=voluntary.agency)),
                           user=voluntary)
    services.report_submit(report=fill(services.report_open(period=small_report.period, agency=outsider.agency)),
                           user=outsider)
    agency_merge(agency=outsider.agency, successor=small_plan.outside)
    login(client, dfa)
    period = next(p for p in client.get(reverse("home")).context["periods"] if p.year == 2025)
    stats = client.get(reverse("dashboard_year", args=[2025])).context["stats"]
    assert dict(period.counts) == {m: stats[m] for m in ("expected", "submitted", "late", "waiting", "accepted")}
    assert dict(period.counts)["submitted"] == 2 and dict(period.counts)["waiting"] == 2
    html = client.get(reverse("home")).content.decode()
    assert f'{reverse("dashboard_reports", args=[2025])}?metric=submitted">2<' in html


@pytest.mark.parametrize("who", ["dfa", "viewer"])
def test_home_lists_what_was_escalated_to_the_peoples_committee(client, small_report, owner, dfa, request, who):
    from reporting.models import DifficultyStatus

    task = small_report.sections.first().task
    kept = difficulty_services.difficulty_raise(agency=owner.agency, task=task, kind="difficulty",
                                                title="Thiếu kinh phí hội chợ", text="…", user=owner)
    difficulty_services.difficulty_raise(agency=owner.agency, task=task, kind="proposal", title="Đề xuất đã hướng dẫn",
                                         text="…", user=owner)
    difficulty_services.difficulty_respond(difficulty=kept, user=dfa, text="Trình UBND tỉnh",
                                           status=DifficultyStatus.ESCALATED)
    login(client, request.getfixturevalue(who))
    html = client.get(reverse("home")).content.decode()
    assert "Thiếu kinh phí hội chợ" in html and reverse("difficulty_detail", args=[kept.pk]) in html
    assert "Đề xuất đã hướng dẫn" not in html
    assert f'{reverse("difficulty_list")}?status=escalated' in html
    assert client.get(reverse("difficulty_detail", args=[kept.pk])).status_code == 200


def test_home_without_escalations_says_so(client, small_report, dfa):
    login(client, dfa)
    assert "Không có khó khăn" in client.get(reverse("home")).content.decode()


def test_home_for_a_user_with_no_agency(client, small_plan):
    login(client, UserFactory())
    html = client.get(reverse("home")).content.decode()
    assert "administrator" in html or "quản trị" in html


# --- the form ---

def test_save_draft_keeps_everything_and_the_place(client, small_report, owner):
    login(client, owner)
    url = reverse("report_edit", args=[small_report.pk])
    data = form_data(small_report, summary="Đánh giá chung", anchor="task-1.1",
                     **{section_key(small_report, "1.1", "results"): "Hỗ trợ 20 doanh nghiệp",
                        section_key(small_report, "1.1", "fig-0-label"): "Hội chợ",
                        section_key(small_report, "1.1", "fig-0-value"): "3", section_key(small_report, "1.1",
                                                                                          "fig-0-unit"): "sự kiện"})
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].endswith("#task-1.1")
    section = small_report.sections.get(task__code="1.1")
    assert section.results == "Hỗ trợ 20 doanh nghiệp"
    assert [(f.label, int(f.value), f.unit) for f in section.figures.all()] == [("Hội chợ", 3, "sự kiện")]
    html = client.get(url).content.decode()
    assert "Hỗ trợ 20 doanh nghiệp" in html and "Đánh giá chung" in html


def test_validation_error_loses_nothing(client, small_report, owner):
    login(client, owner)
    data = form_data(small_report, **{section_key(small_report, "1.1", "results"): "Giữ nguyên văn bản này",
                                section_key(small_report, "1.1", "progress"): "nonsense"})
    response = client.post(reverse("report_edit", args=[small_report.pk]), data)
    assert response.status_code == 400
    assert "Giữ nguyên văn bản này" in response.content.decode()
    assert small_report.sections.get(task__code="1.1").results == ""


def test_overlong_input_is_refused_with_a_message(client, small_report, owner):
    login(client, owner)
    data = form_data(small_report, **{section_key(small_report, "1.1", "results"): "x" * 20001})
    response = client.post(reverse("report_edit", args=[small_report.pk]), data)
    assert response.status_code == 400 and "20000" in response.content.decode()


def test_markup_is_shown_as_text(client, small_report, owner, dfa):
    login(client, owner)
    client.post(reverse("report_edit", args=[small_report.pk]), form_data(small_report,
                                                                          summary="<script>alert(1)</script>"))
    login(client, dfa)
    html = client.get(reverse("report_detail", args=[small_report.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_concurrent_edit_is_refused_with_who_saved_first(client, small_report, owner, colleague):
    stale = form_data(small_report, summary="bản của tôi")
    services.report_save_draft(report=small_report, user=colleague, lock_version=small_report.lock_version,
                               summary="bản của Lan", sections={})
    login(client, owner)
    response = client.post(reverse("report_edit", args=[small_report.pk]), stale)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Lan" in html and "bản của tôi" in html
    small_report.refresh_from_db()
    assert small_report.summary == "bản của Lan"


def test_submit_incomplete_saves_the_draft_and_says_what_is_missing(client, small_report, owner):
    login(client, owner)
    data = form_data(small_report, action="submit", summary="Đã có", **{
        section_key(small_report, "1.1", "results"): "Có kết quả",
        section_key(small_report, "1.1", "progress"): "ongoing",
        section_key(small_report, "1.2.1", "progress"): "completed", section_key(small_report, "2.1", "progress"): "",
    })
    response = client.post(reverse("report_edit", args=[small_report.pk]), data)
    assert response.status_code == 200
    missing = {str(m) for bundle in response.context["bundles"] for m in bundle["problems"]}
    assert missing == {"Nhiệm vụ 1.2.1 (Hội chợ): chưa nhập kết quả đạt được.",
                       "Nhiệm vụ 2.1 (Kết nghĩa): chưa chọn tiến độ."}, missing  # 2.1: co-operating, ordered
    assert all(m in response.content.decode() for m in missing)
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.DRAFT and small_report.summary == "Đã có"


def test_submit_asks_to_confirm_naming_what_is_blank_then_submits(client, small_report, owner,
                                                                  django_capture_on_commit_callbacks):
    login(client, owner)
    fill(small_report)
    small_report.refresh_from_db()
    data = form_data(small_report, action="submit", summary="", **{section_key(small_report, "2.1", "results"): ""})
    response = client.post(reverse("report_edit", args=[small_report.pk]), data)
    confirm = reverse("report_submit", args=[small_report.pk])
    assert response.status_code == 302 and response["Location"] == confirm
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.DRAFT  # nothing is sent before the agency confirms
    page = client.get(confirm)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Phần đánh giá chung còn trống." in html and "Nhiệm vụ 2.1 (Kết nghĩa): chưa nhập kết quả." in html
    assert [str(m) for _s, m in page.context["blanks"]] == ["Phần đánh giá chung còn trống.",
                                                            "Nhiệm vụ 2.1 (Kết nghĩa): chưa nhập kết quả."]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm, {"lock_version": small_report.lock_version})
    assert response.status_code == 302 and response["Location"] == reverse("report_detail", args=[small_report.pk])
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.SUBMITTED and len(mail.outbox) == 1


def test_confirming_a_report_changed_since_asks_again(client, small_report, owner, colleague):
    login(client, owner)
    fill(small_report)
    small_report.refresh_from_db()
    seen = small_report.lock_version
    services.report_save_draft(report=small_report, user=colleague, lock_version=seen, summary="Lan sửa", sections={})
    confirm = reverse("report_submit", args=[small_report.pk])
    for data in ({"lock_version": seen}, {}):
        response = client.post(confirm, data)
        assert response.status_code == 302 and response["Location"] == confirm
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.DRAFT


def test_confirmation_page_of_an_incomplete_report_names_what_is_missing(client, small_report, owner):
    login(client, owner)
    response = client.get(reverse("report_submit", args=[small_report.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and "chưa chọn tiến độ" in html
    assert "Xác nhận và gửi" not in html  # no confirm button while something is missing
    url = reverse("report_submit", args=[small_report.pk])
    response = client.post(url, {"lock_version": small_report.lock_version})
    assert response.status_code == 200 and "chưa chọn tiến độ" in response.content.decode()
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.DRAFT


@pytest.mark.parametrize("who,expected", {"outsider": 404, "dfa": 403, "viewer": 403, None: 302}.items())
def test_confirmation_page_only_for_the_agency(client, small_report, request, who, expected):
    login(client, request.getfixturevalue(who) if who else None)
    url = reverse("report_submit", args=[small_report.pk])
    assert client.get(url).status_code == expected
    assert client.post(url, {"lock_version": small_report.lock_version}).status_code == expected
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.DRAFT


def test_read_only_report_says_why(client, small_report, owner, dfa):
    fill(small_report)
    login(client, owner)
    with at(2025, 10, 20):
        services.report_submit(report=small_report, user=owner)
    response = client.get(reverse("report_edit", args=[small_report.pk]), follow=True)
    assert "Đã gửi Sở Ngoại vụ ngày 20/10/2025; đang chờ Sở Ngoại vụ xem xét." in response.content.decode()
    with at(2025, 10, 22):
        services.report_accept(report=small_report, user=dfa)
    html = client.get(reverse("report_detail", args=[small_report.pk])).content.decode()
    assert "Sở Ngoại vụ đã tiếp nhận ngày 22/10/2025: báo cáo này đã khóa." in html


def test_read_only_report_of_a_closed_period_says_so(client, small_report, owner, dfa):
    with at(2025, 12, 1):
        services.period_close(period=small_report.period, user=dfa)
    login(client, owner)
    response = client.get(reverse("report_edit", args=[small_report.pk]), follow=True)
    assert "Kỳ báo cáo năm 2025 đã đóng ngày 01/12/2025" in response.content.decode()


def test_submit_failing_in_the_database_keeps_the_draft_and_says_so(client, small_report, owner, monkeypatch):
    from django.db import OperationalError

    def down(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    login(client, owner)
    fill(small_report)
    small_report.refresh_from_db()
    monkeypatch.setattr(services, "report_submit", down)
    data = form_data(small_report, action="submit", summary="Bản cuối")
    client.post(reverse("report_edit", args=[small_report.pk]), data)
    small_report.refresh_from_db()
    confirm = reverse("report_submit", args=[small_report.pk])
    response = client.post(confirm, {"lock_version": small_report.lock_version}, follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0] == confirm
    assert "could not be submitted" in response.content.decode() or "chưa gửi được" in response.content.decode()
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.DRAFT and small_report.summary == "Bản cuối"


def test_submit_with_a_pdf_then_confirmation(client, small_report, owner, django_capture_on_commit_callbacks):
    login(client, owner)
    fill(small_report)
    small_report.refresh_from_db()
    data = form_data(small_report, action="submit")
    data[f"file-s{small_report.sections.get(task__code='1.1').pk}"] = SimpleUploadedFile("minh-chung.pdf", PDF,
                                                                                         content_type="application/pdf")
    response = client.post(reverse("report_edit", args=[small_report.pk]), data)
    assert response.status_code == 302 and response["Location"] == reverse("report_submit", args=[small_report.pk])
    small_report.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(response["Location"], {"lock_version": small_report.lock_version})
    assert response.status_code == 302 and response["Location"] == reverse("report_detail", args=[small_report.pk])
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.SUBMITTED
    assert small_report.attachments.get().section.task.code == "1.1"
    assert len(mail.outbox) >= 1
    page = client.get(response["Location"]).content.decode()
    assert "minh-chung.pdf" in page


def test_bad_upload_is_refused_and_the_rest_is_kept(client, small_report, owner):
    login(client, owner)
    data = form_data(small_report, **{section_key(small_report, "1.1", "results"): "Văn bản vẫn được lưu"})
    data["file-report"] = SimpleUploadedFile("virus.pdf", b"MZ\x90\x00this is no pdf")
    response = client.post(reverse("report_edit", args=[small_report.pk]), data, follow=True)
    assert "virus.pdf" in response.content.decode()
    assert small_report.sections.get(task__code="1.1").results == "Văn bản vẫn được lưu"
    assert not small_report.attachments.exists()


def test_submit_after_the_period_closed_is_refused(client, small_report, owner, dfa):
    fill(small_report)
    services.period_close(period=small_report.period, user=dfa)
    login(client, owner)
    small_report.refresh_from_db()
    response = client.post(reverse("report_edit", args=[small_report.pk]), form_data(small_report, action="submit"),
                           follow=True)
    assert response.status_code == 200
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.DRAFT
    assert small_report.sections.get(task__code="1.1").results.startswith("Đã tổ chức")


def test_forged_lock_version_or_section_of_another_report(client, small_report, owner, outsider):
    other = services.report_open(period=small_report.period, agency=outsider.agency)
    login(client, owner)
    assert client.post(reverse("report_edit", args=[other.pk]), form_data(other)).status_code == 404
    data = form_data(small_report, lock_version="-3")
    assert client.post(reverse("report_edit", args=[small_report.pk]), data).status_code == 400


# --- attachments ---

def test_attachment_download_permissions(client, small_report, owner, outsider, dfa):
    attachment = services.attachment_add(report=small_report, section=None, upload=SimpleUploadedFile("a.pdf", PDF),
                                         user=owner)
    url = reverse("attachment_download", args=[attachment.pk])
    assert client.get(url).status_code == 302
    login(client, outsider)
    assert client.get(url).status_code == 404
    for user in (owner, dfa):
        login(client, user)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        assert response["Content-Disposition"].startswith("attachment")


def test_docx_and_xlsx_recognised(small_report, owner):
    from reporting.tests.test_files import real_docx, real_xlsx

    assert services.attachment_add(report=small_report, section=None, upload=SimpleUploadedFile("a.docx", real_docx()),
                                   user=owner).kind == "docx"
    assert services.attachment_add(report=small_report, section=None, upload=SimpleUploadedFile("a.xlsx", real_xlsx()),
                                   user=owner).kind == "xlsx"
    with pytest.raises(services.ReportingError):
        services.attachment_add(report=small_report, section=None, upload=SimpleUploadedFile("a.xlsx", real_docx()),
                                user=owner)


# --- review ---

def test_review_return_with_section_comment_then_accept(client, small_report, owner, dfa):
    fill(small_report)
    services.report_submit(report=small_report, user=owner)
    section = small_report.sections.get(task__code="1.1")
    login(client, dfa)
    assert reverse("report_detail", args=[small_report.pk]) in client.get(reverse("review_queue")).content.decode()
    client.post(reverse("report_review", args=[small_report.pk]), {"decision": "return", "comment": "Bổ sung số liệu",
                                                                   f"comment-s{section.pk}": "Thiếu kim ngạch"})
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.RETURNED
    login(client, owner)
    html = client.get(reverse("report_edit", args=[small_report.pk])).content.decode()
    assert "Bổ sung số liệu" in html and "Thiếu kim ngạch" in html
    results = section_key(small_report, "1.1", "results")
    corrected = form_data(small_report, action="submit", **{results: "Kim ngạch 5 tỷ USD"})
    client.post(reverse("report_edit", args=[small_report.pk]), corrected)
    small_report.refresh_from_db()
    client.post(reverse("report_submit", args=[small_report.pk]), {"lock_version": small_report.lock_version})
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.SUBMITTED and small_report.version == 2
    login(client, dfa)
    versions = client.get(reverse("report_versions", args=[small_report.pk]))
    assert "<ins>" in versions.content.decode()
    client.post(reverse("report_review", args=[small_report.pk]), {"decision": "accept", "comment": ""})
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.ACCEPTED
    login(client, owner)
    assert client.get(reverse("report_edit",
                              args=[small_report.pk])).status_code == 302  # locked: back to the read view
    timeline = client.get(reverse("report_detail", args=[small_report.pk])).content.decode()
    for word in ("Bổ sung số liệu",):
        assert word in timeline


def test_return_without_comment_is_refused(client, small_report, owner, dfa):
    fill(small_report)
    services.report_submit(report=small_report, user=owner)
    login(client, dfa)
    response = client.post(reverse("report_review", args=[small_report.pk]), {"decision": "return", "comment": ""},
                           follow=True)
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.SUBMITTED
    assert response.status_code == 200


def test_the_reopen_form_shows_where_the_rule_allows_it(client, small_report, owner, dfa, viewer):
    reopen = reverse("report_reopen", args=[small_report.pk])
    detail = reverse("report_detail", args=[small_report.pk])
    fill(small_report)
    services.report_submit(report=small_report, user=owner)
    login(client, dfa)
    assert reopen not in client.get(detail).content.decode()  # waiting for review
    services.report_accept(report=small_report, user=dfa)
    assert reopen in client.get(detail).content.decode()
    login(client, viewer)
    assert reopen not in client.get(detail).content.decode()


def test_reopening_what_the_rule_refuses_says_why(client, small_report, owner, dfa):
    """A returned report in an open period: the agency can change it itself. A message, not a 500, nothing changed."""
    fill(small_report)
    services.report_submit(report=small_report, user=owner)
    services.report_return(report=small_report, user=dfa, comment="Bổ sung số liệu")
    login(client, dfa)
    response = client.post(reverse("report_reopen", args=[small_report.pk]), {"reason": "Mở lại"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("report_detail", args=[small_report.pk])
    errors = [m.message for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1 and errors[0].startswith("Không thể mở lại báo cáo này.")
    assert errors[0] in response.content.decode()
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.RETURNED and small_report.review_comment == "Bổ sung số liệu"


def test_versions_of_another_agency_are_404(client, small_report, owner, outsider):
    fill(small_report)
    services.report_submit(report=small_report, user=owner)
    login(client, outsider)
    assert client.get(reverse("report_versions", args=[small_report.pk])).status_code == 404


def test_dfa_closes_a_period(client, small_period, dfa):
    period = small_period
    login(client, dfa)
    client.post(reverse("period_close", args=[period.pk]))
    period.refresh_from_db()
    assert period.is_closed


def test_a_period_not_yet_open_says_so_and_cannot_be_closed(client, small_periods, dfa):
    """01/09/2026: the 2026 period opens on 01/10. The periods page says "not yet open" and offers no closing; a forged
    POST is refused with a message and changes nothing."""
    period = small_periods[2026]
    login(client, dfa)
    with at(2026, 9, 1):
        page = client.get(reverse("period_list")).content.decode()
        row = page[page.index(f'>{period.year}<'):].split("</tr>")[0]
        assert "Chưa mở" in row and reverse("period_close", args=[period.pk]) not in row
        response = client.post(reverse("period_close", args=[period.pk]), follow=True)
    period.refresh_from_db()
    assert not period.is_closed
    errors = [m.message for m in response.context["messages"] if m.level_tag == "error"]
    assert errors == ["Kỳ báo cáo năm 2026 mở vào ngày 01/10/2026; không thể đóng trước khi mở."]


def test_report_pages_query_count_is_bounded(client, small_report, owner, dfa):
    fill(small_report)
    login(client, owner)
    with CaptureQueriesContext(connection) as edit:
        client.get(reverse("report_edit", args=[small_report.pk]))
    with CaptureQueriesContext(connection) as detail:
        client.get(reverse("report_detail", args=[small_report.pk]))
    with CaptureQueriesContext(connection) as confirm:
        client.get(reverse("report_submit", args=[small_report.pk]))
    assert len(edit) <= 30 and len(detail) <= 20 and len(confirm) <= 15


def test_confirmation_and_comparison_queries_do_not_grow_with_the_tasks(client, small_report, small_plan, owner, dfa):
    """The confirmation page and the comparison of versions: the same number of queries for 3 tasks or 13."""
    from tasks.models import AssignmentRole
    from tasks.tests.factories import AssignmentFactory, TaskFactory

    def measure():
        fill(small_report)
        small_report.refresh_from_db()
        login(client, owner)
        with CaptureQueriesContext(connection) as confirm:
            assert client.get(reverse("report_submit", args=[small_report.pk])).status_code == 200
        services.report_submit(report=small_report, user=owner)
        services.report_return(report=small_report, user=dfa, comment="Bổ sung")
        fill(small_report, text="Đã sửa")
        services.report_submit(report=small_report, user=owner)
        services.report_return(report=small_report, user=dfa, comment="Bổ sung")
        login(client, dfa)
        with CaptureQueriesContext(connection) as versions:
            assert client.get(reverse("report_versions", args=[small_report.pk])).status_code == 200
        return len(confirm), len(versions)

    few = measure()
    group = small_plan.tasks["1.1"].group
    for i in range(10):
        task = TaskFactory(group=group, plan=small_plan.plan, code=f"1.{i + 5}", title=f"Nhiệm vụ {i}")
        AssignmentFactory(task=task, agency=small_report.agency, role=AssignmentRole.LEAD)
    services.report_sync_sections(report=small_report)
    assert small_report.sections.count() == 13
    assert measure() == few


# --- one number format (agencies.numbers) ---

def test_figures_in_the_form_and_on_the_report_page_in_one_format(client, small_report, owner):
    from reporting.models import SectionFigure

    section = small_report.sections.get(task__code="1.1")
    SectionFigure.objects.create(section=section, label="Tin bài", value="80.00", unit="tin bài")
    SectionFigure.objects.create(section=section, label="Vốn", value="1234.50", unit="triệu USD")
    login(client, owner)
    form = client.get(reverse("report_edit", args=[small_report.pk])).content.decode()
    assert 'value="80"' in form and 'value="1234,5"' in form and "80,00" not in form
    page = client.get(reverse("report_detail", args=[small_report.pk])).content.decode()
    assert ">80<" in page and ">1.234,5<" in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    form = client.get(reverse("report_edit", args=[small_report.pk])).content.decode()
    assert 'value="1234.5"' in form
    assert ">1,234.5<" in client.get(reverse("report_detail", args=[small_report.pk])).content.decode()


def test_a_figure_typed_with_a_decimal_comma_is_read_back(client, small_report, owner):
    login(client, owner)
    prefix = f"s{small_report.sections.get(task__code='1.1').pk}-fig-0"
    data = form_data(small_report, **{f"{prefix}-label": "Tin bài", f"{prefix}-value": "12,5", f"{prefix}-unit": "tin"})
    assert client.post(reverse("report_edit", args=[small_report.pk]), data).status_code == 302
    assert str(small_report.sections.get(task__code="1.1").figures.get().value) == "12.50"
    data[f"{prefix}-value"] = "mười hai"
    response = client.post(reverse("report_edit", args=[small_report.pk]), data)
    assert response.status_code == 400 and 'value="mười hai"' in response.content.decode()  # kept as typed
