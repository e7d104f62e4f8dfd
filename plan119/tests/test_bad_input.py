"""Bad input across the app: forged fields, wrong dates, locked objects. A clear message or a 4xx, never a 500;
nothing lost.

On the cast's small plan (conftest.py)."""
import datetime

import pytest
from django.urls import reverse

from plan119.testing import at, fill, report_form_data
from reporting.cycle import services
from reporting.models import ReportStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(small_period, owner):
    """The owner's 2025 report, filled in on 20/10/2025."""
    with at(2025, 10, 20):
        return fill(services.report_open(period=small_period, agency=owner.agency))


def edit_data(report, summary="Giữ nguyên", **extra):
    return report_form_data(report, summary=summary, **extra)


def test_a_status_the_user_may_not_set_is_ignored(client, report, owner):
    client.force_login(owner)
    response = client.post(reverse("report_edit", args=[report.pk]),
                           edit_data(report, status="accepted", version="9", days_late="0"))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and report.version == 0 and report.summary == "Giữ nguyên"


def test_a_locked_report_cannot_be_changed_by_a_forged_post(client, report, owner, dfa):
    services.report_submit(report=report, user=owner)
    services.report_accept(report=report, user=dfa)
    client.force_login(owner)
    response = client.post(reverse("report_edit", args=[report.pk]), edit_data(report, summary="sửa lén"))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.summary == "" and report.status == ReportStatus.ACCEPTED  # the forged text was not saved


def test_a_forged_review_decision(client, report, owner, dfa):
    services.report_submit(report=report, user=owner)
    client.force_login(dfa)
    response = client.post(reverse("report_review", args=[report.pk]), {"decision": "publish", "comment": "x"},
                           follow=True)
    assert response.status_code == 200
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_a_forged_section_comment_for_another_report_is_ignored(client, report, owner, dfa, outsider):
    other = services.report_open(period=report.period, agency=outsider.agency)
    foreign = other.sections.first()
    services.report_submit(report=report, user=owner)
    client.force_login(dfa)
    client.post(reverse("report_review", args=[report.pk]),
                {"decision": "return", "comment": "Bổ sung", f"comment-s{foreign.pk}": "chen"})
    foreign.refresh_from_db()
    assert foreign.review_comment == ""


def test_wrong_date_in_the_merge_form(client, small_plan, admin):
    client.force_login(admin)
    merged = small_plan.co_operating
    response = client.post(reverse("admin:agencies_agency_changelist"), {
        "action": "merge_agencies", "_selected_action": [merged.pk], "apply": "1",
        "successor": small_plan.outside.pk, "on": "31/02/2025"})
    assert response.status_code == 200
    merged.refresh_from_db()
    assert merged.active


def test_wrong_dates_in_a_period_override(client, small_plan, admin):
    period = services.periods_ensure(plan=small_plan.plan)[0]
    client.force_login(admin)
    url = reverse("admin:reporting_reportingperiod_change", args=[period.pk])
    response = client.post(url, {"status": "open", "opens_on_override": "", "agency_due_override": "32/11/2025",
                                 "synthesis_due_override": ""})
    assert response.status_code == 200 and "agency_due_override" in response.context["adminform"].form.errors
    period.refresh_from_db()
    assert period.agency_due == datetime.date(period.year, 11, 5)


def test_a_deadline_rule_that_is_not_a_date(client, small_plan, admin):
    rule = small_plan.plan.deadline_rules.first()
    client.force_login(admin)
    response = client.post(reverse("admin:tasks_deadlinerule_change", args=[rule.pk]),
                           {"plan": small_plan.plan.pk, "kind": rule.kind, "month": "2", "day": "30", "basis": "IV.2"})
    assert response.status_code == 200
    rule.refresh_from_db()
    assert (rule.day, rule.month) in ((5, 11), (15, 11))


def test_unknown_ids_and_years_are_404(client, small_plan, dfa):
    client.force_login(dfa)
    for url in ("/reports/999999/", "/attachments/999999/", "/difficulties/999999/", "/dashboard/1999/",
                "/synthesis/1999/", "/tasks/999999/", "/plans/999999/"):
        assert client.get(url).status_code == 404, url


def test_overlong_and_markup_in_a_difficulty(client, small_plan, owner):
    client.force_login(owner)
    task = small_plan.tasks["1.1"]
    response = client.post(reverse("difficulty_create"),
                           {"kind": "difficulty", "task": task.pk, "title": "x" * 500, "text": "<b>y</b>"})
    assert response.status_code == 200 and response.context["form"].errors


# --- issue 11: text pasted from Word or a PDF ---

PASTED_NOTE = "ký tự điều khiển ẩn"  # the note, in Vietnamese (the default language)


def notes(response) -> list[str]:
    from django.contrib.messages import get_messages

    return [str(m) for m in get_messages(response.wsgi_request)]


def test_control_characters_typed_in_the_report_form_are_dropped_and_the_user_is_told(client, report, owner):
    section = report.sections.order_by("pk").first()
    client.force_login(owner)
    response = client.post(reverse("report_edit", args=[report.pk]), edit_data(
        report, summary="Tổng\x01 quan\x1b",
        **{f"s{section.pk}-results": "Dòng một\r\nDòng\x0b hai\tcột\u00a0x\u202e"}),
        follow=True)
    assert response.status_code == 200
    report.refresh_from_db()
    section.refresh_from_db()
    assert report.summary == "Tổng quan"
    assert section.results == "Dòng một\nDòng\n hai\tcột x"  # lines, tabs and the words kept; the rest dropped
    note = [n for n in notes(response) if PASTED_NOTE in n]
    assert note and "Đánh giá chung" in note[0] and "Kết quả đạt được" in note[0]


def test_a_clean_report_form_says_nothing_about_control_characters(client, report, owner):
    client.force_login(owner)
    response = client.post(reverse("report_edit", args=[report.pk]), edit_data(report, summary="Dòng một\nDòng hai"),
                           follow=True)
    report.refresh_from_db()
    assert report.summary == "Dòng một\nDòng hai" and not [n for n in notes(response) if PASTED_NOTE in n]


def test_control_characters_in_a_difficulty_are_dropped_and_the_user_is_told(client, small_plan, owner):
    from reporting.models import Difficulty

    client.force_login(owner)
    response = client.post(reverse("difficulty_create"), {
        "kind": "difficulty", "task": small_plan.tasks["1.1"].pk,
        "title": "=Thiếu\x01 kinh phí\x1b", "text": "Dòng một\x0c\x02Dòng hai"}, follow=True)
    assert response.status_code == 200
    difficulty = Difficulty.objects.get(agency=owner.agency)
    assert difficulty.title == "=Thiếu kinh phí" and difficulty.text == "Dòng một\nDòng hai"
    assert any(PASTED_NOTE in n for n in notes(response)) and b"\x01" not in response.content


def test_control_characters_in_the_synthesis_narrative(client, small_period, dfa):
    from reporting.models import Synthesis
    from reporting.synthesis.build import synthesis_build

    period = small_period
    synthesis = synthesis_build(period=period)
    client.force_login(dfa)
    response = client.post(reverse("synthesis", args=[period.year]), {
        "introduction": "Mở\x01 đầu", "assessment": "", "proposals": "", "doc_number": "12\x1b",
        "lock_version": synthesis.lock_version}, follow=True)
    synthesis = Synthesis.objects.get(pk=synthesis.pk)
    assert (synthesis.introduction, synthesis.doc_number) == ("Mở đầu", "12")
    assert any(PASTED_NOTE in n for n in notes(response))


# --- issue 11, point 7: ids from a request are ASCII digits in the database's range, or a 4xx / ignored --------

BAD_IDS = ["²", "١٢", "12345678901234567890", "-1", "0", " 7", "+7"]


@pytest.fixture
def two_versions(report, owner, dfa):
    services.report_submit(report=report, user=owner)
    services.report_return(report=report, user=dfa, comment="Bổ sung", section_comments={})
    services.report_submit(report=report, user=owner)
    return report


@pytest.mark.parametrize("raw", BAD_IDS)
def test_a_bad_version_number_falls_back_to_the_default(client, two_versions, dfa, raw):
    client.force_login(dfa)
    response = client.get(reverse("report_versions", args=[two_versions.pk]), {"a": raw, "b": raw})
    assert response.status_code == 200
    assert (response.context["a"].number, response.context["b"].number) == (1, 2)


@pytest.mark.parametrize("raw", BAD_IDS)
def test_a_bad_task_id_on_the_sections_dashboard_is_404(client, report, dfa, raw):
    client.force_login(dfa)
    assert client.get(reverse("dashboard_sections", args=[2025]), {"task": raw}).status_code == 404


@pytest.mark.parametrize("raw", BAD_IDS)
def test_a_bad_agency_id_for_remind_now_is_404(client, report, dfa, raw):
    client.force_login(dfa)
    assert client.post(reverse("dashboard_remind", args=[2025]), {"agency": raw}).status_code == 404


@pytest.mark.parametrize("raw", BAD_IDS)
def test_a_bad_section_in_an_upload_field_or_a_bad_attachment_to_delete(client, report, owner, raw):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(owner)
    data = edit_data(report, delete_attachment=raw)
    data[f"file-s{raw}"] = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = client.post(reverse("report_edit", args=[report.pk]), data)
    assert response.status_code == 302
    assert not report.attachments.exists()


@pytest.mark.parametrize("raw", BAD_IDS)
def test_a_bad_task_id_in_the_difficulty_form_is_ignored(client, small_plan, owner, raw):
    client.force_login(owner)
    response = client.get(reverse("difficulty_create"), {"task": raw})
    assert response.status_code == 200 and response.context["form"].initial == {}


@pytest.mark.parametrize("raw", BAD_IDS)
def test_bad_ids_in_filters_and_pages_are_not_a_500(client, report, dfa, raw):
    client.force_login(dfa)
    for url, params in ((reverse("dashboard_year", args=[2025]), {"lead_of": raw, "page": raw}),
                        (reverse("difficulty_list"), {"agency": raw, "task": raw, "page": raw}),
                        (reverse("dashboard_matrix", args=[2025]), {"page": raw}),
                        (reverse("plan_detail"), {"agency": raw})):
        assert client.get(url, params).status_code in (200, 400, 404), (url, raw)
