"""Issue 11: text stored before the sanitiser existed cannot break a document, and a spreadsheet cell of text is never
a formula. The bad text goes into the database by raw SQL, as old rows hold it: the ORM would clean it on the way in.

On the cast's small plan (conftest.py)."""
import csv
import io
import json
import re
import zipfile

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse
from docx import Document
from icalendar import Calendar

from plan119.testing import at, fill
from reporting.cycle import services
from reporting.delivery.notifications import report_event_mails
from reporting.difficulties import services as difficulty_services
from reporting.models import Synthesis
from reporting.synthesis.build import synthesis_build, synthesis_finalise

pytestmark = pytest.mark.django_db

BAD = "Đã tổ chức\x01 hội nghị\x0b xúc tiến\x1b[31m\x08\x7f\x9b\ufffe"
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
FORMULA = '=HYPERLINK("http://evil.example","x")'


def raw_update(table: str, pk: int, **values) -> None:
    """Write values as they are, past the text fields' cleaning, as rows stored before it are."""
    columns = ", ".join(f"{name} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {columns} WHERE id = %s", [*values.values(), pk])  # noqa: S608  # nosec B608: test names


@pytest.fixture
def season(small_period, owner, outsider):
    """2025 on the cast's plan: the lead department submitted results with control characters and a formula in them,
    and a difficulty titled likewise; the co-operating department has a clean draft."""
    with at(2025, 11, 3):
        fill(services.report_open(period=small_period, agency=outsider.agency))
        report = fill(services.report_open(period=small_period, agency=owner.agency))
        for i, section in enumerate(report.sections.order_by("pk")):
            raw_update("reporting_reportsection", section.pk, results=(FORMULA if i == 0 else BAD), difficulties=BAD)
        services.report_submit(report=report, user=owner)
        task = report.sections.get(task__code="1.2.1").task
        difficulty = difficulty_services.difficulty_raise(agency=owner.agency, task=task, kind="difficulty", title="x",
                                                          text="y", user=owner)
        raw_update("reporting_difficulty", difficulty.pk, title=FORMULA + BAD, text=BAD)
    return small_period


def xlsx_cells(content: bytes):
    """(formula elements in the sheets' XML, every cell) of a workbook."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/worksheets/sheet")]
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    return sum(len(re.findall(r"<f[ >]", xml)) for xml in sheets), cells


def docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_synthesis_with_control_characters_downloads_before_and_after_finalising(client, season, dfa, viewer):
    client.force_login(dfa)
    with at(2025, 11, 10):
        client.post(reverse("synthesis_build", args=[2025]))
    synthesis = Synthesis.objects.get(period=season)
    assert synthesis.content["difficulties"][0]["text"] == BAD  # the snapshot carries the old text
    for fmt in ("docx", "xlsx"):
        assert client.get(reverse("synthesis_download", args=[2025, fmt])).status_code == 200
    client.post(reverse("synthesis_finalise", args=[2025]))
    for user in (dfa, viewer):
        client.force_login(user)
        docx = client.get(reverse("synthesis_download", args=[2025, "docx"]))
        assert docx.status_code == 200
        text = docx_text(docx.content)
        assert "Đã tổ chức hội nghị" in text and not CONTROLS.search(text)
        assert client.get(reverse("synthesis_download", args=[2025, "xlsx"])).status_code == 200


def test_a_finalised_synthesis_whose_stored_content_holds_bad_text_still_downloads(client, season, dfa, viewer):
    with at(2025, 11, 10):
        synthesis = synthesis_build(period=season)
    content = json.loads(json.dumps(synthesis.content))
    # a lone surrogate only where the database could have stored one (PostgreSQL's json refuses it)
    content["plan"]["title"] = "Kế hoạch\x01" + ("\ud800" if connection.vendor == "sqlite" else "")
    content["agencies"][0]["name"] += "\x1b\x0c"
    content["missing"].append("Sở\x02 Y tế")
    content["groups"][0]["title"] += "\x03"
    raw_update("reporting_synthesis", synthesis.pk, content=json.dumps(content), introduction="Mở đầu\x01",
               doc_number="12\x07")
    synthesis_finalise(synthesis=Synthesis.objects.get(pk=synthesis.pk), user=dfa)
    client.force_login(viewer)
    for fmt in ("docx", "xlsx"):
        response = client.get(reverse("synthesis_download", args=[2025, fmt]))
        assert response.status_code == 200
    assert "Mở đầu" in docx_text(client.get(reverse("synthesis_download", args=[2025, "docx"])).content)


def test_synthesis_difficulties_sheet_has_no_formula(client, season, dfa):
    with at(2025, 11, 10):
        synthesis_build(period=season)
    client.force_login(dfa)
    formulas, cells = xlsx_cells(client.get(reverse("synthesis_download", args=[2025, "xlsx"])).content)
    assert formulas == 0
    titled = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert titled and all(c.data_type == "s" for c in titled)
    assert all(not CONTROLS.search(c.value) for c in cells if isinstance(c.value, str))
    numbers = [c for c in cells if c.parent.title == "Khó khăn, kiến nghị" and c.column_letter == "A" and c.row > 1]
    assert numbers and all(isinstance(c.value, int) for c in numbers)  # the app's own figures stay numbers


def test_dashboard_xlsx_with_bad_text_and_a_formula(client, season, dfa, owner):
    raw_update("agencies_agency", owner.agency.pk, name="Sở Công\x01 Thương\x1b")
    client.force_login(dfa)
    response = client.get(reverse("dashboard_year", args=[2025]), {"format": "xlsx"})
    assert response.status_code == 200
    _formulas, cells = xlsx_cells(response.content)
    assert "Sở Công Thương" in [c.value for c in cells]
    response = client.get(reverse("dashboard_sections", args=[2025]), {"format": "xlsx"})
    assert response.status_code == 200
    formulas, cells = xlsx_cells(response.content)
    assert formulas == 0
    results = [c for c in cells if c.value == FORMULA]
    assert results and all(c.data_type == "s" for c in results)
    assert all(not CONTROLS.search(c.value) for c in cells if isinstance(c.value, str))
    days_late = [c.value for c in openpyxl.load_workbook(io.BytesIO(
        client.get(reverse("dashboard_year", args=[2025]), {"format": "xlsx"}).content)).active["F"][1:]]
    assert days_late and all(isinstance(v, int) for v in days_late)


def test_dashboard_csv_quotes_formulas_out_and_drops_controls(client, season, dfa, owner):
    raw_update("agencies_agency", owner.agency.pk, name="@Sở Công\x01 Thương")
    client.force_login(dfa)
    response = client.get(reverse("dashboard_sections", args=[2025]), {"format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'" + FORMULA in cells and FORMULA not in cells
    assert "'@Sở Công Thương" in cells
    assert not any(CONTROLS.search(cell) for cell in cells)
    assert not any(cell.lstrip().startswith(("=", "+", "-", "@")) for cell in cells)
    for name in ("dashboard_year", "dashboard_reports", "dashboard_matrix", "dashboard_tasks"):
        assert client.get(reverse(name, args=[2025]), {"format": "csv"}).status_code == 200
        assert client.get(reverse(name, args=[2025]), {"format": "xlsx"}).status_code == 200


def test_calendar_feed_with_bad_agency_name(client, small_period, owner):
    raw_update("agencies_agency", owner.agency.pk, name="Sở Công\x01 Thương\x1b")
    response = client.get(reverse("calendar_feed", args=[owner.calendar_token]))
    assert response.status_code == 200 and b"\x01" not in response.content and b"\x1b" not in response.content
    descriptions = [str(e["description"]) for e in Calendar.from_ical(response.content).walk("VEVENT")]
    assert any("Sở Công Thương" in d for d in descriptions)


def test_e_mail_with_bad_agency_name_has_a_one_line_clean_subject(small_report, owner):
    report = small_report
    owner.email = "canbo@thanhhoa.gov.vn"
    owner.save()
    services.report_submit(report=fill(report), user=owner)
    raw_update("agencies_agency", owner.agency.pk, name="Sở Công\x01 Thương\n\x1bBcc: x@evil.example")
    message = report_event_mails(kind="report_submitted", report_id=report.pk)[-1]
    assert "\n" not in message.subject and not CONTROLS.search(message.subject)
    assert "Sở Công Thương Bcc: x@evil.example" in message.subject
    assert not CONTROLS.search(message.body) and not CONTROLS.search(message.alternatives[0][0])
    assert message.message()["Bcc"] is None


# --- the data migration that cleans what was stored before ---

def test_the_migration_cleans_stored_text_and_leaves_clean_text_alone(season, owner, outsider):
    import importlib

    from django.apps import apps

    from agencies.models import Agency
    from reporting.models import ReportSection, ReportVersion

    with at(2025, 11, 10):
        synthesis = synthesis_build(period=season)
    raw_update("agencies_agency", owner.agency.pk, name="Sở Công\x01 Thương\x1b")
    raw_update("agencies_user", owner.pk, first_name="An\x02")
    raw_update("reporting_synthesis", synthesis.pk, introduction="Mở\x01 đầu\r\n", doc_number="12\x07")
    version = ReportVersion.objects.get(report__agency=owner.agency)
    untouched = ReportSection.objects.filter(report__agency=outsider.agency, report__period=season).values_list(
        "pk", "results").first()

    importlib.import_module("reporting.migrations.0011_clean_stored_text").clean_stored_text(apps, None)

    agency = Agency.objects.get(pk=owner.agency.pk)
    assert agency.name == "Sở Công Thương" and "cong thuong" in agency.search_text and "\x01" not in agency.sort_key
    owner.refresh_from_db()
    synthesis.refresh_from_db()
    version.refresh_from_db()
    assert owner.first_name == "An" and (synthesis.introduction, synthesis.doc_number) == ("Mở đầu\n", "12")
    assert synthesis.content["difficulties"][0]["title"] == FORMULA + "Đã tổ chức hội nghị\n xúc tiến[31m"
    assert all(not CONTROLS.search(section["difficulties"]) for section in version.content["sections"].values())
    stored = ReportSection.objects.filter(report__agency=owner.agency, report__period=season).values_list(
        "difficulties", flat=True)
    assert stored and all(text == "Đã tổ chức hội nghị\n xúc tiến[31m" for text in stored)
    assert untouched and "Đã tổ chức 3 hội nghị" in untouched[1]  # the co-operating department's clean draft
    assert ReportSection.objects.get(pk=untouched[0]).results == untouched[1]
