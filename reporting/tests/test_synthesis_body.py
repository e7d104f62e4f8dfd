"""The synthesis body reads as a provincial report: drafted task paragraphs from the figures, the officer's edits kept
by a rebuild and marked when the figures move, figures traceable to the workbook, a length that does not grow."""
import datetime
import io
import re
from decimal import Decimal

import docx
import openpyxl
import pytest
from django.urls import reverse

from agencies.tests.factories import AgencyFactory, staff_of
from plan119.testing import at
from reporting.cycle.services import report_open
from reporting.synthesis.build import synthesis_build, synthesis_edit
from reporting.synthesis.documents import SHEET_INDICATORS, TOTAL_LABEL, synthesis_docx, synthesis_xlsx
from reporting.tests.test_indicator_figures import give
from tasks.models import AssignmentRole
from tasks.tests.factories import AssignmentFactory


@pytest.fixture
def two_years(small_plan, small_periods, small_indicators):
    """2024: the lead reports 5 events on 1.1; 2025: the lead 3 and the co-operating department 4 (7, +40 %)."""
    lead, coop = staff_of(small_plan.lead, username="lead"), staff_of(small_plan.co_operating, username="coop")
    with at(2024, 10, 20):
        give(report_open(period=small_periods[2024], agency=small_plan.lead), lead,
             {("1.1", "events"): "5"}, small_indicators)
    with at(2025, 10, 20):
        report = report_open(period=small_periods[2025], agency=small_plan.lead)
        report.sections.filter(task__code="1.1").update(
            difficulties="Thiếu kinh phí tổ chức hội nghị.", proposals="Đề nghị bổ sung kinh phí.")
        report.next_year = "Tổ chức 4 hội nghị xúc tiến năm 2026."
        report.save()
        give(report, lead, {("1.1", "events"): "3", ("1.1", "capital"): "1234.5"}, small_indicators)
        give(report_open(period=small_periods[2025], agency=small_plan.co_operating), coop,
             {("1.1", "events"): "4"}, small_indicators)
    return {"lead": lead, "coop": coop}


def body_and_task(synthesis, code):
    task = next(t for g in synthesis.content["groups"] for t in g["tasks"] if t["code"] == code)
    return task


def body_texts(docx_bytes) -> list[str]:
    texts = [p.text for p in docx.Document(io.BytesIO(docx_bytes)).paragraphs]
    return texts[:texts.index("PHỤ LỤC")]


def test_each_task_gets_a_paragraph_with_totals_the_change_the_progress_and_the_lead(small_periods, two_years):
    synthesis = synthesis_build(period=small_periods[2025], today=datetime.date(2025, 11, 6))
    draft = body_and_task(synthesis, "1.1")["draft"]
    assert "Có 2 cơ quan, đơn vị báo cáo kết quả (đang triển khai 2)" in draft
    assert "Sự kiện xúc tiến: 7 sự kiện (tăng 40 % so với năm 2024)" in draft
    assert "Vốn thu hút: 1.234,5 triệu USD" in draft
    assert "Sở Thử nghiệm Công Thương (chủ trì): Đã tổ chức 3 hội nghị" in draft
    texts = body_texts(synthesis_docx(synthesis.content, synthesis.narrative()))
    assert draft in texts
    body = "\n".join(texts)
    assert "II. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN" in body and "Thiếu kinh phí tổ chức hội nghị." in body
    assert "III. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2026" in body and "Tổ chức 4 hội nghị xúc tiến năm 2026." in body
    assert "IV. KIẾN NGHỊ, ĐỀ XUẤT" in body and "Đề nghị bổ sung kinh phí." in body


def test_every_figure_of_the_body_is_a_cell_of_the_indicators_sheet(small_periods, two_years):
    synthesis = synthesis_build(period=small_periods[2025], today=datetime.date(2025, 11, 6))
    body = "\n".join(body_texts(synthesis_docx(synthesis.content, synthesis.narrative())))
    sheet = openpyxl.load_workbook(io.BytesIO(synthesis_xlsx(synthesis.content)))[SHEET_INDICATORS]
    totals = {(row[0], row[1]): row[5] for row in sheet.iter_rows(min_row=2, values_only=True)
              if row[3] == TOTAL_LABEL}
    quoted = 0
    for group in synthesis.content["groups"]:
        for task in group["tasks"]:
            for item in task["indicators"]:
                match = re.search(rf"{re.escape(item['name'])}: ([0-9.,]+) {re.escape(item['unit'])}", body)
                assert match, item["name"]
                in_body = Decimal(match.group(1).replace(".", "").replace(",", "."))
                assert in_body == Decimal(str(totals[(task["code"], item["name"])]))
                quoted += 1
    assert quoted == 2
    agency_rows = [row for row in sheet.iter_rows(min_row=2, values_only=True) if not row[3].startswith(TOTAL_LABEL)]
    assert sum(Decimal(str(r[5])) for r in agency_rows if r[1] == "Sự kiện xúc tiến") == 7


def test_an_edit_survives_a_rebuild_and_is_marked_when_its_figures_change(small_plan, small_periods, two_years,
                                                                         small_indicators, dfa):
    period = small_periods[2025]
    synthesis = synthesis_build(period=period, today=datetime.date(2025, 11, 6))
    draft_21 = body_and_task(synthesis, "2.1")["draft"]
    synthesis_edit(synthesis=synthesis, user=dfa, lock_version=synthesis.lock_version, introduction="",
                   assessment="", proposals="", paragraphs={"1.1": "Các sở đã tổ chức 7 sự kiện.", "2.1": draft_21})
    synthesis.refresh_from_db()
    assert set(synthesis.paragraphs) == {"1.1"}  # a draft left as it was is not an edit
    synthesis = synthesis_build(period=period, today=datetime.date(2025, 11, 6))
    texts = body_texts(synthesis_docx(synthesis.content, synthesis.narrative()))
    assert "Các sở đã tổ chức 7 sự kiện." in texts
    page_task = synthesis.paragraphs["1.1"]
    assert page_task["basis"] == body_and_task(synthesis, "1.1")["basis"]  # nothing moved: not marked

    # a requested organisation's voluntary value does not move the total; a new department's does
    newcomer = AgencyFactory(code="T-NEW", name="Sở Thử nghiệm Mới")
    AssignmentFactory(task=small_plan.tasks["1.1"], agency=newcomer, role=AssignmentRole.CO_OPERATING)
    with at(2025, 11, 7):
        give(report_open(period=period, agency=newcomer), staff_of(newcomer, username="new"),
             {("1.1", "events"): "10"}, small_indicators)
    synthesis = synthesis_build(period=period, today=datetime.date(2025, 11, 7))
    from reporting.synthesis.drafting import task_text

    text, edited, stale = task_text(body_and_task(synthesis, "1.1"), synthesis.paragraphs)
    assert (text, edited, stale) == ("Các sở đã tổ chức 7 sự kiện.", True, True)
    synthesis_edit(synthesis=synthesis, user=dfa, lock_version=synthesis.lock_version, introduction="",
                   assessment="", proposals="", paragraphs={"1.1": text}, checked={"1.1"})
    synthesis.refresh_from_db()
    assert task_text(body_and_task(synthesis, "1.1"), synthesis.paragraphs)[2] is False
    synthesis_edit(synthesis=synthesis, user=dfa, lock_version=synthesis.lock_version, introduction="",
                   assessment="", proposals="", paragraphs={"1.1": "  "})
    synthesis.refresh_from_db()
    assert synthesis.paragraphs == {}


def test_the_dfa_edits_a_paragraph_on_the_page_and_leadership_cannot(client, small_periods, two_years, dfa, viewer):
    period = small_periods[2025]
    synthesis = synthesis_build(period=period, today=datetime.date(2025, 11, 6))
    url = reverse("synthesis", args=[2025])
    client.force_login(dfa)
    page = client.get(url).content.decode()
    assert 'name="p-1.1"' in page and "tăng 40 % so với năm 2024" in page
    data = {"lock_version": synthesis.lock_version, "introduction": "", "assessment": "", "shortcomings": "",
            "directions": "", "proposals": "", "doc_number": "", "p-1.1": "Đoạn do cán bộ viết lại."}
    assert client.post(url, data).status_code == 302
    synthesis.refresh_from_db()
    assert synthesis.paragraphs["1.1"]["text"] == "Đoạn do cán bộ viết lại."
    client.force_login(viewer)
    assert client.post(url, {**data, "lock_version": synthesis.lock_version}).status_code == 403


def test_the_body_does_not_grow_with_the_number_of_agencies(small_plan, small_periods, small_indicators):
    """60 departments on 1.1 with long texts write as long a body as 6 do; their words go to the appendix."""
    period = small_periods[2025]
    long_text = "Đã tổ chức nhiều hội nghị, hội thảo xúc tiến thương mại và đầu tư với các đối tác nước ngoài. " * 30

    def body_words():
        synthesis = synthesis_build(period=period, today=datetime.date(2025, 11, 6))
        return len(" ".join(body_texts(synthesis_docx(synthesis.content, synthesis.narrative()))).split())

    def add(n, start):
        for i in range(start, start + n):
            agency = AgencyFactory(code=f"T-{i:03}", name=f"Sở Thử nghiệm {i:03}")
            AssignmentFactory(task=small_plan.tasks["1.1"], agency=agency, role=AssignmentRole.CO_OPERATING)
            with at(2025, 10, 20):
                report = report_open(period=period, agency=agency)
                report.sections.update(results=long_text, difficulties=long_text, proposals=long_text,
                                       progress="in_progress")
                report.next_year = long_text
                report.save()
                give(report, staff_of(agency, username=f"u{i}"), {("1.1", "events"): "2"}, small_indicators)

    add(6, 0)
    few = body_words()
    add(54, 6)
    many = body_words()
    assert many - few <= 10  # only figures change ("6" → "60", "12" → "120"), never a list of every agency
    assert many < 1500


def test_only_total_rows_are_bold_whatever_an_agency_is_called():
    item = {"code": "events", "name": "Sự kiện", "unit": "sự kiện", "kind": "count", "combine": "sum", "total": "5",
            "previous": None, "voluntary_total": None,
            "values": [{"agency": "Tổng công ty Cảng Nghi Sơn", "agency_code": "X", "value": "5", "expected": True}]}
    content = {"year": 2025, "groups": [{"code": "1", "title": "Nhóm", "tasks": [
        {"code": "1.1", "title": "Nhiệm vụ", "counts": {}, "indicators": [item]}]}]}
    sheet = openpyxl.load_workbook(io.BytesIO(synthesis_xlsx(content)))[SHEET_INDICATORS]
    assert [(sheet.cell(row=r, column=4).value, sheet.cell(row=r, column=4).font.b) for r in (2, 3)] == [
        ("Tổng công ty Cảng Nghi Sơn", False), (TOTAL_LABEL, True)]
