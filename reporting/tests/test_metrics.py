"""The figures of issue 11, points 1-4, on the real plan: each as an official met it on the demo data."""
import datetime
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from agencies.tests.factories import staff_of
from plan119.testing import at, fill
from reporting.cycle import services
from reporting.dashboards import metrics
from reporting.synthesis.build import synthesis_build
from reporting.synthesis.documents import VOLUNTARY_MARK, synthesis_docx, synthesis_xlsx
from tasks.services import agency_merge

pytestmark = pytest.mark.django_db


@pytest.fixture
def period2026(periods):
    return periods[2026]


def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_a_return_never_makes_a_report_sent_on_time_late(client, period2026, staff, dfa_officer):
    """Point 1: sent 22/10/2026, returned, corrected 01/12/2026: on time, and both facts shown."""
    with at(2026, 10, 22):
        report = fill(services.report_open(period=period2026, agency=staff.agency))
        services.report_submit(report=report, user=staff)
    with at(2026, 10, 25):
        services.report_return(report=report, user=dfa_officer, comment="Bổ sung số liệu")
    with at(2026, 12, 1):
        report.refresh_from_db()
        services.report_submit(report=report, user=staff)
        report.refresh_from_db()
        counts = metrics.period_counts(period=period2026)
        assert report.days_late == 0 and report.version == 2
        assert (counts["on_time"], counts["late"], counts["submitted"]) == (1, 0, 1)
        english(client).force_login(dfa_officer)
        html = client.get(reverse("report_detail", args=[report.pk])).content.decode()
    facts = re.search(r'<span id="submission-facts">(.*?)</span>', html, re.S).group(1)
    assert "sent on time 22/10/2026" in facts and "corrected version sent 01/12/2026" in facts
    timeline = html[html.index("Timeline"):]
    assert "day late" not in timeline and "corrected version" in timeline and "on time" in timeline


def test_the_first_late_submission_stays_late_and_the_deadline_in_force_decides(period2026, staff, plan119):
    with at(2026, 11, 8):
        report = fill(services.report_open(period=period2026, agency=staff.agency))
        services.report_submit(report=report, user=staff)
    report.refresh_from_db()
    assert report.days_late == 3 and metrics.period_counts(period=period2026)["late"] == 1
    period2026.agency_due_override = datetime.date(2026, 11, 10)  # the DFA moves the deadline for everyone
    period2026.save()
    services.periods_ensure(plan=plan119)
    report = type(report).objects.select_related("period").get(pk=report.pk)
    assert report.days_late == 0 and metrics.period_counts(period=period2026)["on_time"] == 1


def test_waiting_counts_only_expected_reports_and_the_partition_holds(client, period2026, staff, dfa_officer,
                                                                      agency_of):
    """Point 2: VCCI's voluntary report is not 'waiting' among the expected ones; the synthesis says so."""
    vcci = staff_of(agency_of("VCCI"))
    with at(2026, 10, 22):
        services.report_submit(report=fill(services.report_open(period=period2026, agency=vcci.agency)), user=vcci)
        services.report_submit(report=fill(services.report_open(period=period2026, agency=staff.agency)), user=staff)
    with at(2026, 11, 20):
        counts = metrics.period_counts(period=period2026)
        assert counts["waiting"] == 1 and counts["voluntary_submitted"] == 1
        assert counts["submitted"] == counts["accepted"] + counts["returned"] + counts["waiting"]
        synthesis = synthesis_build(period=period2026)
        english(client).force_login(dfa_officer)
        html = client.get(reverse("synthesis", args=[2026])).content.decode()
    assert "from 1 expected report(s) sent and 1 voluntary report(s)" in html
    assert synthesis.content["completeness"]["waiting"] == 1


def test_a_report_sent_before_a_merge_counts_the_same_everywhere(client, period2026, staff, dfa_officer, agency_of):
    """Point 3: merged after sending: 1 expected, 1 submitted on the dashboard and in the synthesis alike."""
    gone = staff_of(agency_of("H-HATRUNG"))
    with at(2026, 10, 22):
        services.report_submit(report=fill(services.report_open(period=period2026, agency=gone.agency)), user=gone)
        agency_merge(agency=gone.agency, successor=agency_of("TX-BIMSON"))
    with at(2026, 11, 20):
        services.reports_open_due(today=datetime.date(2026, 11, 20))  # the daily job: every agency's report exists
        client.force_login(dfa_officer)
        stats = client.get(reverse("dashboard_year", args=[2026])).context["stats"]
        content = synthesis_build(period=period2026).content
        listed = client.get(reverse("dashboard_reports", args=[2026]),
                            {"metric": "submitted"}).context["page"].object_list
    assert any(r.agency.code == "H-HATRUNG" for r in listed)
    for name in ("expected", "submitted", "on_time", "waiting"):
        assert stats[name] == content["completeness"][name]


def test_requested_organisations_have_their_own_block_and_are_never_overdue(client, period2026, dfa_officer, agency_of):
    """Point 4: the dashboard shows who was asked and who sent; VCCI's home never says 'overdue'."""
    vcci = staff_of(agency_of("VCCI"))
    with at(2026, 10, 22):
        services.report_submit(report=fill(services.report_open(period=period2026, agency=vcci.agency)), user=vcci)
    with at(2026, 12, 1):
        services.reports_open_due(today=datetime.date(2026, 12, 1))
        english(client).force_login(vcci)
        home = client.get(reverse("home")).content.decode()
        client.force_login(dfa_officer)
        page = client.get(reverse("dashboard_year", args=[2026]))
        content = synthesis_build(period=period2026).content
    assert "overdue" not in home and 'id="voluntary-note"' in home
    html = page.content.decode()
    block = html[html.index('id="voluntary"'):html.index('id="tasks-title"')]
    asked = metrics.reports_for_metric(period=period2026, metric="voluntary")
    assert page.context["stats"]["voluntary"] == asked.count() > 1 and page.context["stats"]["voluntary_submitted"] == 1
    assert all(reverse("report_detail", args=[r.pk]) in block for r in asked)
    assert page.context["page"].paginator.count == page.context["stats"]["expected"]  # the ordered agencies' table
    # the synthesis' status table marks them in the DOCX and the XLSX
    voluntary = [a for a in content["agencies"] if not a["expected"]]
    assert voluntary and {a["code"] for a in voluntary} == {r.agency.code for r in asked}
    docx = zipfile.ZipFile(io.BytesIO(synthesis_docx(content, {}))).read("word/document.xml").decode()
    assert VOLUNTARY_MARK in docx
    sheet = load_workbook(io.BytesIO(synthesis_xlsx(content))).worksheets[0]
    assert VOLUNTARY_MARK in [cell.value for cell in sheet["E"]]


def test_the_readme_table_and_the_dashboard_help_use_the_same_words(client, period2026, dfa_officer):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    english(client).force_login(dfa_officer)
    html = client.get(reverse("dashboard_year", args=[2026])).content.decode()
    from django.utils.html import escape
    from django.utils.translation import override

    with override("en"):
        for name, definition in metrics.DEFINITIONS.items():
            assert f"| {metrics.LABELS[name]} | {definition} |" in readme, name
            assert escape(str(definition)) in html, name
