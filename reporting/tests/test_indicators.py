"""The indicator catalogue (chỉ tiêu) in the agency's report: typed as Vietnamese numbers, checked, versioned."""
from decimal import Decimal

import pytest
from django.urls import reverse

from plan119.testing import fill, report_form_data, section_field
from reporting.cycle.services import ReportingError, report_save_draft, report_submit
from reporting.models import IndicatorValue


def field(report, code, indicator):
    return f"s{report.sections.get(task__code=code).pk}-ind-i{indicator.pk}"


def post(client, report, **data):
    return client.post(reverse("report_edit", args=[report.pk]), report_form_data(report, **data))


@pytest.fixture
def staff_client(client, owner):
    client.force_login(owner)
    return client


def test_the_form_asks_the_indicators_of_each_task_and_the_lead_only_ones_of_lead_sections(
        staff_client, small_report, small_indicators):
    page = staff_client.get(reverse("report_edit", args=[small_report.pk])).content.decode()
    assert field(small_report, "1.1", small_indicators["events"]) in page
    assert field(small_report, "1.1", small_indicators["capital"]) in page  # the owner leads 1.1
    assert field(small_report, "2.1", small_indicators["events"]) in page
    # the owner co-operates on 2.1: a lead-only indicator is not asked there, nor one of another task
    section_21 = small_report.sections.get(task__code="2.1").pk
    assert f"s{section_21}-ind-i{small_indicators['capital'].pk}" not in page
    assert f"s{section_21}-ind-i{small_indicators['share'].pk}" not in page


def test_values_are_typed_as_vietnamese_numbers_and_shown_back_the_same_way(
        staff_client, small_report, small_indicators):
    response = post(staff_client, small_report, **{
        field(small_report, "1.1", small_indicators["events"]): "1.234",
        field(small_report, "1.1", small_indicators["capital"]): "1.234,5",
    })
    assert response.status_code == 302
    values = {v.indicator.code: v.value for v in IndicatorValue.objects.filter(section__report=small_report)}
    assert values == {"events": Decimal("1234"), "capital": Decimal("1234.5")}
    page = staff_client.get(reverse("report_edit", args=[small_report.pk])).content.decode()
    assert 'value="1.234,5"' in page and 'value="1.234"' in page
    detail = staff_client.get(reverse("report_detail", args=[small_report.pk])).content.decode()
    assert "1.234,5" in detail and "triệu USD" in detail


@pytest.mark.parametrize(("indicator", "typed", "message"), [
    ("events", "2,5", "phải là số nguyên"),
    ("events", "-3", "không được là số âm"),
    ("capital", "12.5", "1.234,5"),  # ambiguous in Vietnamese: refused, not guessed
    ("capital", "1,234", "tối đa hai chữ số"),
    ("capital", "abc", "1.234,5"),
    ("capital", "99999999999999999", "số quá lớn"),
])
def test_bad_values_are_refused_with_a_message_and_nothing_is_lost(
        staff_client, small_report, small_indicators, indicator, typed, message):
    code = "1.1"
    events = field(small_report, code, small_indicators["events"])
    post(staff_client, small_report, **{events: "7"})
    small_report.refresh_from_db()
    response = post(staff_client, small_report, **{
        field(small_report, code, small_indicators[indicator]): typed,
        section_field(small_report, "1.1", "results"): "Kết quả mới",
    })
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert f'value="{typed}"' in body  # what was typed is still in the form
    assert IndicatorValue.objects.get(section__report=small_report).value == 7  # what was saved stays


def test_a_percentage_is_at_most_100(client, small_period, small_indicators, small_plan, in_october_2025):
    from agencies.tests.factories import staff_of
    from reporting.cycle.services import report_open

    lead_of_22 = staff_of(small_plan.co_operating, username="coop")
    report = report_open(period=small_period, agency=small_plan.co_operating)
    client.force_login(lead_of_22)
    name = field(report, "2.2", small_indicators["share"])
    assert post(client, report, **{name: "100,5"}).status_code == 400
    report.refresh_from_db()
    assert post(client, report, **{name: "87,5"}).status_code == 302
    assert IndicatorValue.objects.get(section__report=report).value == Decimal("87.5")


def test_clearing_a_field_clears_the_value(staff_client, small_report, small_indicators):
    name = field(small_report, "1.1", small_indicators["events"])
    post(staff_client, small_report, **{name: "4"})
    small_report.refresh_from_db()
    post(staff_client, small_report, **{name: ""})
    assert not IndicatorValue.objects.filter(section__report=small_report).exists()


def test_the_service_ignores_an_indicator_not_asked_of_the_section_and_checks_values(
        owner, small_report, small_indicators):
    co_section = small_report.sections.get(task__code="2.1")
    report_save_draft(report=small_report, user=owner, lock_version=small_report.lock_version, summary="",
                      sections={}, indicators={co_section.pk: {small_indicators["capital"].pk: Decimal(5),
                                                               small_indicators["share"].pk: Decimal(5)}})
    assert not IndicatorValue.objects.exists()
    small_report.refresh_from_db()
    lead_section = small_report.sections.get(task__code="1.1")
    with pytest.raises(ReportingError, match="số nguyên"):
        report_save_draft(report=small_report, user=owner, lock_version=small_report.lock_version, summary="",
                          sections={}, indicators={lead_section.pk: {small_indicators["events"].pk: Decimal("1.5")}})


def test_values_and_plans_for_next_year_are_part_of_the_submitted_version(
        staff_client, owner, small_report, small_indicators):
    fill(small_report)
    post(staff_client, small_report, next_year="Tổ chức 2 hội nghị năm 2026.", **{
        field(small_report, "1.1", small_indicators["events"]): "3"})
    small_report.refresh_from_db()
    report_submit(report=small_report, user=owner)
    content = small_report.versions.get().content
    assert content["next_year"] == "Tổ chức 2 hội nghị năm 2026."
    assert content["sections"]["1.1"]["indicators"] == [
        {"code": "events", "name": "Sự kiện xúc tiến", "unit": "sự kiện", "value": "3.00"}]
    assert content["sections"]["2.1"]["indicators"] == []
