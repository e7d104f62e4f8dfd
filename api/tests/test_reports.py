"""Writing through the API: the same services, checks, messages and optimistic locking as the report form."""
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.test import APIClient

from plan119.testing import at, fill
from reporting.cycle.forms import FigureForm
from reporting.dashboards.metrics import period_counts
from reporting.models import EventKind, ReportStatus


@pytest.fixture
def url(small_plan):
    return f"/api/v1/plans/{small_plan.plan.pk}/periods/2025/reports/T-LEAD/"


def _etag(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["ETag"] == response.json()["etag"]
    return response["ETag"]


def test_a_token_saves_submits_and_the_dashboard_shows_the_same_figures(by_token, url, small_report, small_period,
                                                                          dfa, client):
    section = small_report.sections.get(task__code="1.1")
    response = by_token.patch(url, {"summary": "Hoàn thành tốt.", "sections": [
        {"id": s.pk, "results": f"Kết quả {s.task.code}", "progress": "completed"} for s in small_report.sections.all()
    ] + [{"id": section.pk, "results": "Đã tổ chức 3 hội nghị", "figures": [
        {"label": "Hội nghị", "value": "3", "unit": "hội nghị"}]}]}, format="json",
        HTTP_IF_MATCH=_etag(by_token, url))
    assert response.status_code == 200, response.content
    assert response.json()["summary"] == "Hoàn thành tốt."
    response = by_token.post(url + "submit/", format="json", HTTP_IF_MATCH=response["ETag"])
    assert response.status_code == 200, response.content
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.SUBMITTED and small_report.submitted_by.username == "owner"
    assert small_report.sections.get(pk=section.pk).figures.get().value == 3

    client.force_login(dfa)
    page = client.get("/dashboard/2025/")
    api = APIClient()
    api.force_login(dfa)
    figures = api.get(url.split("reports/")[0] + "figures/").json()["figures"]
    for name in ("expected", "submitted", "on_time", "late", "missing", "waiting", "accepted"):
        assert figures[name] == page.context["stats"][name], name
    assert figures == period_counts(period=small_period)
    assert figures["submitted"] == 1 and figures["on_time"] == 1
    per_agency = api.get(url.split("reports/")[0] + "figures/agencies/").json()["results"]
    assert sum(row["figures"]["submitted"] for row in per_agency) == figures["submitted"]


def test_if_match_is_required_and_a_stale_version_is_refused(by_token, url, small_report):
    etag = _etag(by_token, url)
    assert by_token.patch(url, {"summary": "a"}, format="json").status_code == 428
    assert by_token.patch(url, {"summary": "a"}, format="json", HTTP_IF_MATCH="*").status_code == 428
    assert by_token.patch(url, {"summary": "a"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    stale = by_token.patch(url, {"summary": "b"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    small_report.refresh_from_db()
    assert small_report.summary == "a"  # nothing of the stale request was saved
    assert by_token.post(url + "submit/", format="json", HTTP_IF_MATCH=etag).status_code == 412


def test_the_page_and_the_api_refuse_the_same_input_with_the_same_message(by_token, url, small_report):
    section = small_report.sections.first()
    body = {"sections": [{"id": section.pk, "figures": [{"label": "", "value": "5"}]}]}
    response = by_token.patch(url, body, format="json", HTTP_IF_MATCH=_etag(by_token, url))
    assert response.status_code == 400
    problem = response.json()
    assert problem["status"] == 400 and problem["type"] == "about:blank"
    with translation.override("vi"):
        form = FigureForm({"label": "", "value": "5", "unit": ""})
        assert not form.is_valid()
        expected = form.errors["label"]
    assert problem["errors"]["sections"][str(section.pk)]["figures"]["0"]["label"] == expected
    assert problem["detail"] == "Một số trường cần sửa." and problem["title"] == "Dữ liệu không hợp lệ"  # vi first
    small_report.refresh_from_db()
    assert small_report.lock_version == int(_etag(by_token, url).strip('"'))  # nothing saved


def test_problems_speak_english_when_asked(by_token, url, small_report):
    response = by_token.patch(url, {"summary": "a"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 428
    assert response.json()["title"] == "Precondition required"
    assert response["Content-Language"] == "en"
    response = by_token.patch(url, {"summary": "a"}, format="json")
    assert response["Content-Language"] == "vi"
    assert response.json()["title"] == "Cần điều kiện tiên quyết"
    anonymous = APIClient().get(url)  # Django REST framework's own words, in Vietnamese too (locale/vi)
    assert anonymous.status_code == 401
    assert anonymous.json()["detail"] == "Chưa gửi thông tin xác thực (mã truy cập hoặc phiên đăng nhập)."


def test_submitting_an_incomplete_report_lists_the_sections(by_token, url, small_report):
    response = by_token.post(url + "submit/", format="json", HTTP_IF_MATCH=_etag(by_token, url))
    assert response.status_code == 422
    errors = response.json()["errors"]["sections"]
    # every ordered task needs its progress, and the lead ones their results too (report_problems)
    ordered = {str(s.pk) for s in small_report.sections.filter(requested=False)}
    assert set(errors) == ordered
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.DRAFT


def test_the_dfa_returns_then_accepts(by_token, url, small_report, dfa):
    fill(small_report)
    assert by_token.post(url + "submit/", format="json", HTTP_IF_MATCH=_etag(by_token, url)).status_code == 200
    reviewer = APIClient()
    reviewer.force_login(dfa)
    section = small_report.sections.first()
    refused = reviewer.post(url + "return/", {"comment": ""}, format="json", HTTP_IF_MATCH=_etag(reviewer, url))
    assert refused.status_code == 409  # the service's rule: a return says what needs to change
    response = reviewer.post(url + "return/", {"comment": "Bổ sung số liệu", "section_comments": {
        str(section.pk): "Thiếu số liệu"}}, format="json", HTTP_IF_MATCH=_etag(reviewer, url))
    assert response.status_code == 200, response.content
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.RETURNED
    assert small_report.sections.get(pk=section.pk).review_comment == "Thiếu số liệu"
    assert reviewer.post(url + "accept/", format="json", HTTP_IF_MATCH=_etag(reviewer, url)).status_code == 409
    assert by_token.post(url + "submit/", format="json", HTTP_IF_MATCH=_etag(by_token, url)).status_code == 200
    assert reviewer.post(url + "accept/", {"comment": "Tốt"}, format="json",
                         HTTP_IF_MATCH=_etag(reviewer, url)).status_code == 200
    small_report.refresh_from_db()
    assert small_report.status == ReportStatus.ACCEPTED
    assert list(small_report.events.values_list("kind", flat=True)) == [
        EventKind.SUBMITTED, EventKind.RETURNED, EventKind.SUBMITTED, EventKind.ACCEPTED]
    locked = by_token.patch(url, {"summary": "x"}, format="json", HTTP_IF_MATCH=_etag(by_token, url))
    assert locked.status_code == 409


def test_a_late_submission_counts_late(by_token, url, small_report, small_period):
    fill(small_report)
    with at(2025, 11, 6):
        assert by_token.post(url + "submit/", format="json", HTTP_IF_MATCH=_etag(by_token, url)).status_code == 200
    assert period_counts(period=small_period)["late"] == 1


def test_a_closed_period_refuses_a_draft_with_the_services_message(by_token, url, small_report, small_period, dfa):
    from reporting.cycle.services import period_close

    period_close(period=small_period, user=dfa)
    response = by_token.patch(url, {"summary": "x"}, format="json", HTTP_IF_MATCH=_etag(by_token, url))
    assert response.status_code == 409
    assert "2025" in response.json()["detail"]


def test_the_metric_filter_lists_the_reports_a_figure_counts(by_token, small_plan, small_report, dfa):
    reader = APIClient()
    reader.force_login(dfa)
    base = f"/api/v1/plans/{small_plan.plan.pk}/periods/2025/reports/"
    assert reader.get(base + "?metric=missing").json()["count"] == 1
    assert reader.get(base + "?metric=submitted").json()["count"] == 0
    assert reader.get(base + "?metric=nonsense").status_code == 400


@pytest.fixture
def conferences(small_plan):
    """A catalogue indicator of task 1.1, counted in whole numbers."""
    from tasks.models import Indicator, IndicatorKind

    indicator = Indicator.objects.create(plan=small_plan.plan, code="hoi-nghi", name="Hội nghị xúc tiến",
                                         name_en="Trade conferences", unit="hội nghị", kind=IndicatorKind.COUNT)
    indicator.tasks.add(small_plan.tasks["1.1"])
    return indicator


def test_catalogue_indicators_are_read_written_checked_and_totalled(by_token, url, small_report, conferences, dfa):
    section = small_report.sections.get(task__code="1.1")
    refused = by_token.patch(url, {"sections": [{"id": section.pk, "indicators": [
        {"code": "hoi-nghi", "value": "2.5"}]}]}, format="json", HTTP_IF_MATCH=_etag(by_token, url))
    assert refused.status_code == 400
    with translation.override("vi"), pytest.raises(ValidationError) as expected:
        conferences.check_value(Decimal("2.5"))
    errors = refused.json()["errors"]["sections"][str(section.pk)]["indicators"]["0"]["value"]
    assert errors == expected.value.messages  # the indicator's own rule and words, as in the form
    unknown = by_token.patch(url, {"sections": [{"id": section.pk, "indicators": [{"code": "x", "value": 1}]}]},
                             format="json", HTTP_IF_MATCH=_etag(by_token, url))
    assert unknown.status_code == 400
    saved = by_token.patch(url, {"sections": [{"id": section.pk, "indicators": [
        {"code": "hoi-nghi", "value": "4"}]}]}, format="json", HTTP_IF_MATCH=_etag(by_token, url))
    assert saved.status_code == 200, saved.content
    shown = next(s for s in saved.json()["sections"] if s["id"] == section.pk)["indicators"]
    assert [(i["code"], i["value"]) for i in shown] == [("hoi-nghi", "4.00")]
    fill(small_report)
    assert by_token.post(url + "submit/", format="json", HTTP_IF_MATCH=_etag(by_token, url)).status_code == 200
    reader = APIClient()
    reader.force_login(dfa)
    totals = reader.get(url.split("reports/")[0] + "figures/indicators/").json()
    assert [(t["task"], t["code"], t["total"]) for t in totals] == [("1.1", "hoi-nghi", "4.00")]
