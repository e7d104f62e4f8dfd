"""The DOCX/XLSX exports of the provincial synthesis: Decree 30 layout and workbook shape (no database)."""
import copy
import datetime
import io
import re
import zipfile

import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm

from reporting.synthesis.documents import number_line, synthesis_docx, synthesis_xlsx, vn_date_line

NARRATIVE = {
    "introduction": "Thực hiện Kế hoạch số 119/KH-UBND, Sở Ngoại vụ báo cáo như sau:",
    "assessment": "Các cơ quan đã chủ động triển khai.\n\nMột số nhiệm vụ còn chậm.",
    "proposals": "Đề nghị UBND tỉnh bố trí kinh phí.",
}


def make_content():
    return {
        "plan": {"number": "119/KH-UBND",
                 "title": "Kế hoạch hành động triển khai Nghị quyết số 21/NQ-CP đến năm 2030",
                 "issued_on": "2023-05-15"},
        "year": 2024,
        "period": {"agency_due": "2024-11-05", "synthesis_due": "2024-11-15",
                   "covers_from": "2023-11-06", "covers_to": "2024-11-05"},
        "completeness": {"expected": 48, "submitted": 40, "on_time": 35, "late": 5, "missing": 8, "accepted": 30,
                         "returned": 3, "waiting": 7, "reporting_rate": 83.3, "on_time_rate": 72.9,
                         "voluntary_submitted": 2},
        "agencies": [
            {"code": "SCT", "name": "Sở Công Thương", "kind": "department", "expected": True, "status": "accepted",
             "submitted_at": "2024-11-03T09:12:00+07:00", "days_late": 0, "version": 2},
            {"code": "STC", "name": "Sở Tài chính", "kind": "department", "expected": True, "status": "submitted",
             "submitted_at": "2024-11-08T16:30:00+07:00", "days_late": 3, "version": 1},
            {"code": "SYT", "name": "Sở Y tế", "kind": "department", "expected": True, "status": "draft",
             "submitted_at": None, "days_late": 0, "version": 1},
            {"code": "UBND-SS", "name": "UBND thành phố Sầm Sơn", "kind": "district", "expected": True,
             "status": "returned", "submitted_at": "2024-11-04T23:30:00Z", "days_late": 0, "version": 1},
        ],
        "missing": ["Sở Y tế"],
        "late": [{"name": "Sở Tài chính", "days_late": 3}],
        "groups": [
            {"code": "1", "title": "Tập trung tuyên truyền, nâng cao nhận thức về ngoại giao kinh tế", "tasks": [
                {"code": "1.1", "title": "Quán triệt, tuyên truyền Nghị quyết", "all_agencies": True,
                 "counts": {"not_started": 1, "in_progress": 20, "completed": 5, "ongoing": 10, "no_report": 12},
                 "entries": [
                     {"agency": "Sở Công Thương", "role": "lead", "progress": "completed",
                      "results": "Tổ chức 3 hội nghị quán triệt.\nPhát hành 500 tài liệu.",
                      "difficulties": "", "proposals": ""},
                     {"agency": "Sở Tài chính", "role": "co", "progress": "in_progress",
                      "results": "Lồng ghép vào hội nghị của ngành.", "difficulties": "", "proposals": ""},
                     {"agency": "UBND thành phố Sầm Sơn", "role": "co", "progress": "",
                      "results": "", "difficulties": "", "proposals": ""},
                 ]},
                {"code": "1.2", "title": "Xây dựng chuyên mục ngoại giao kinh tế", "all_agencies": False,
                 "counts": {"not_started": 0, "in_progress": 1, "completed": 0, "ongoing": 0, "no_report": 0},
                 "entries": []},
            ]},
            {"code": "4", "title": "Thúc đẩy xúc tiến thương mại, đầu tư", "tasks": [
                {"code": "4.3", "title": "Hỗ trợ doanh nghiệp mở rộng thị trường", "all_agencies": False,
                 "counts": {"not_started": 0, "in_progress": 0, "completed": 1, "ongoing": 0, "no_report": 0},
                 "entries": [
                     {"agency": "Sở Công Thương", "role": "lead", "progress": "completed",
                      "results": "Đưa 12 doanh nghiệp tham gia hội chợ tại Nhật Bản.",
                      "difficulties": "Thiếu kinh phí.", "proposals": "Bổ sung kinh phí."},
                 ]},
            ]},
        ],
        "difficulties": [
            {"agency": "Sở Công Thương", "task": "4.3", "kind": "difficulty", "title": "Thiếu kinh phí xúc tiến",
             "status": "escalated", "raised_on": "2024-10-01", "response": "Đã trình UBND tỉnh."},
            {"agency": "Sở Tài chính", "task": "1.1", "kind": "proposal", "title": "Đề nghị hướng dẫn biểu mẫu",
             "status": "guided", "raised_on": "2024-10-15", "response": ""},
        ],
    }


@pytest.fixture
def content():
    return make_content()


def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def all_text(doc) -> str:
    """Body paragraphs and every table cell, in document order of each kind."""
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def paragraphs_everywhere(doc):
    yield from doc.paragraphs
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                yield from cell.paragraphs


def find_paragraph(doc, text: str):
    matches = [p for p in paragraphs_everywhere(doc) if p.text == text]
    assert matches, f"no paragraph {text!r}"
    return matches[0]


def docx_for(content, **kwargs):
    kwargs.setdefault("signed_on", datetime.date(2024, 11, 5))
    return open_docx(synthesis_docx(content, NARRATIVE, **kwargs))


# --------------------------------------------------------------------------- vn_date_line

@pytest.mark.parametrize("day", range(1, 10))
def test_vn_date_line_pads_days_below_ten(day):
    assert vn_date_line("Thanh Hóa", datetime.date(2024, 11, day)) == f"Thanh Hóa, ngày 0{day} tháng 11 năm 2024"


@pytest.mark.parametrize("month", [1, 2])
def test_vn_date_line_pads_january_and_february(month):
    assert vn_date_line("Thanh Hóa", datetime.date(2025, month, 15)) == f"Thanh Hóa, ngày 15 tháng 0{month} năm 2025"


@pytest.mark.parametrize("month", range(3, 13))
def test_vn_date_line_leaves_other_months_alone(month):
    assert vn_date_line("Thanh Hóa", datetime.date(2024, month, 10)) == f"Thanh Hóa, ngày 10 tháng {month} năm 2024"


def test_vn_date_line_examples():
    assert vn_date_line("Thanh Hóa", datetime.date(2024, 11, 5)) == "Thanh Hóa, ngày 05 tháng 11 năm 2024"
    assert vn_date_line("Thanh Hóa", datetime.date(2025, 2, 1)) == "Thanh Hóa, ngày 01 tháng 02 năm 2025"


# --------------------------------------------------------------------------- DOCX layout

def test_docx_page_is_a4_portrait_with_decree_margins(content):
    section = docx_for(content).sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.5)
    assert abs(section.page_height - Mm(297)) < Mm(0.5)
    assert Mm(20) <= section.top_margin <= Mm(25)
    assert Mm(20) <= section.bottom_margin <= Mm(25)
    assert Mm(30) <= section.left_margin <= Mm(35)
    assert Mm(15) <= section.right_margin <= Mm(20)


def test_docx_normal_font_is_times_new_roman_including_east_asian(content):
    normal = docx_for(content).styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size.pt == 14
    rfonts = normal.element.rPr.find(qn("w:rFonts"))
    assert rfonts.get(qn("w:eastAsia")) == "Times New Roman"


@pytest.mark.parametrize("typed,line", [("245", "Số: 245/BC-SNgV"), ("245/BC-SNgV", "Số: 245/BC-SNgV"),
                                        (" 12/BC-SNgV ", "Số: 12/BC-SNgV"), ("", "Số:       /BC-SNgV")])
def test_the_symbol_is_written_once_on_the_number_line(typed, line):
    assert number_line(typed) == line


def test_docx_header_block(content):
    doc = docx_for(content, doc_number="125")
    text = all_text(doc)
    for expected in ("UBND TỈNH THANH HÓA", "SỞ NGOẠI VỤ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Độc lập - Tự do - Hạnh phúc", "Số: 125/BC-SNgV"):
        assert expected in text
    assert all(r.bold for r in find_paragraph(doc, "SỞ NGOẠI VỤ").runs)
    assert not any(r.bold for r in find_paragraph(doc, "UBND TỈNH THANH HÓA").runs)
    assert all(r.bold for r in find_paragraph(doc, "Độc lập - Tự do - Hạnh phúc").runs)
    # The header block is a borderless layout table, the first thing in the document.
    header_table = doc.tables[0]
    borders = header_table._tbl.tblPr.find(qn("w:tblBorders"))
    assert {b.get(qn("w:val")) for b in borders} == {"nil"}
    assert "SỞ NGOẠI VỤ" in header_table.cell(0, 0).text


def test_docx_unnumbered_draft_leaves_room_for_the_number(content):
    text = all_text(docx_for(content))
    assert "Số:" in text and "/BC-SNgV" in text
    line = next(p.text for p in paragraphs_everywhere(docx_for(content)) if p.text.startswith("Số:"))
    assert line.endswith("/BC-SNgV") and line.strip() != "Số: /BC-SNgV"  # blank spaces, not nothing


@pytest.mark.parametrize("signed_on, line", [
    (datetime.date(2024, 11, 5), "Thanh Hóa, ngày 05 tháng 11 năm 2024"),
    (datetime.date(2025, 2, 15), "Thanh Hóa, ngày 15 tháng 02 năm 2025"),
    (datetime.date(2025, 3, 15), "Thanh Hóa, ngày 15 tháng 3 năm 2025"),
])
def test_docx_date_line_is_italic_and_decree_formatted(content, signed_on, line):
    paragraph = find_paragraph(docx_for(content, signed_on=signed_on), line)
    assert paragraph.runs and all(r.italic for r in paragraph.runs)


def test_docx_title(content):
    doc = docx_for(content)
    assert all(r.bold for r in find_paragraph(doc, "BÁO CÁO").runs)
    subject = find_paragraph(
        doc, "Kết quả thực hiện Kế hoạch số 119/KH-UBND ngày 15/5/2023 của UBND tỉnh năm 2024")
    assert "năm 2024" in subject.text
    assert all(r.bold for r in subject.runs)


def closing_table(doc):
    """The "Nơi nhận" / signature block: the last table of the body (the appendix follows it)."""
    return next(t for t in doc.tables if t.cell(0, 0).paragraphs[0].text == "Nơi nhận:")


def test_docx_results_by_group_and_task(content):
    doc = docx_for(content)
    texts = [p.text for p in doc.paragraphs]
    assert "I. KẾT QUẢ THỰC HIỆN" in texts
    assert NARRATIVE["introduction"] in texts
    group = find_paragraph(doc, "1. Tập trung tuyên truyền, nâng cao nhận thức về ngoại giao kinh tế")
    assert all(r.bold for r in group.runs)
    task = find_paragraph(doc, "4.3. Hỗ trợ doanh nghiệp mở rộng thị trường")
    assert all(r.bold and r.italic for r in task.runs)
    # every agency's own words are in the appendix, after the signature (Phụ lục 3)
    appendix = texts[texts.index("Phụ lục 3. KẾT QUẢ DO CÁC CƠ QUAN, ĐƠN VỊ BÁO CÁO"):]
    assert "- Sở Công Thương (chủ trì): Tổ chức 3 hội nghị quán triệt." in appendix
    assert "Phát hành 500 tài liệu." in appendix  # second paragraph of the same result
    assert "- Sở Tài chính (phối hợp): Lồng ghép vào hội nghị của ngành." in appendix
    assert not any(t.startswith("- UBND thành phố Sầm Sơn") for t in texts)  # no results, no line
    assert texts.index("IV. KIẾN NGHỊ, ĐỀ XUẤT") < texts.index("PHỤ LỤC") < texts.index(
        "- Sở Công Thương (chủ trì): Tổ chức 3 hội nghị quán triệt.")
    # Groups and tasks come in the order given.
    assert texts.index("1.1. Quán triệt, tuyên truyền Nghị quyết") < texts.index(
        "1.2. Xây dựng chuyên mục ngoại giao kinh tế") < texts.index("4.3. Hỗ trợ doanh nghiệp mở rộng thị trường")


def test_docx_body_paragraphs_are_justified_with_first_line_indent(content):
    doc = docx_for(content)
    paragraph = find_paragraph(doc, NARRATIVE["introduction"])
    assert paragraph.alignment == 3  # WD_ALIGN_PARAGRAPH.JUSTIFY
    assert abs(paragraph.paragraph_format.first_line_indent - Mm(10)) < Mm(0.5)


def test_docx_reporting_completeness(content):
    doc = docx_for(content)
    text = all_text(doc)
    assert "Phụ lục 1. TÌNH HÌNH BÁO CÁO CỦA CÁC CƠ QUAN, ĐƠN VỊ" in text
    assert "40/48 cơ quan, đơn vị phải báo cáo đã gửi báo cáo (đạt 83,3 %)" in text  # the body's one sentence
    rows = {}
    for table in doc.tables:
        for row in table.rows:
            if len(row.cells) == 2:
                rows[row.cells[0].text] = row.cells[1].text
    assert rows["Số đơn vị phải báo cáo"] == "48"
    assert rows["Đã gửi báo cáo"] == "40"
    assert rows["Chưa gửi"] == "8"
    assert rows["Trả lại chỉnh sửa"] == "3"
    assert rows["Tỷ lệ báo cáo (%)"] == "83,3"
    assert rows["Tỷ lệ báo cáo đúng hạn (%)"] == "72,9"
    assert "Sở Y tế" in text
    assert "Sở Tài chính (3 ngày)" in text


def test_docx_agency_table(content):
    doc = docx_for(content)
    table = next(t for t in doc.tables if t.cell(0, 0).text == "STT" and t.cell(0, 1).text == "Cơ quan, đơn vị")
    assert all(r.bold for r in table.rows[0].cells[0].paragraphs[0].runs)
    body = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert body == [
        ["1", "Sở Công Thương", "Đã tiếp nhận", "03/11/2024", ""],
        ["2", "Sở Tài chính", "Đã gửi, chờ xem xét", "08/11/2024", "3"],
        ["3", "Sở Y tế", "Chưa gửi", "", ""],
        # 23:30 UTC on 4 November is 06:30 on 5 November in Thanh Hóa.
        ["4", "UBND thành phố Sầm Sơn", "Trả lại chỉnh sửa", "05/11/2024", ""],
    ]


def test_docx_difficulties_table_and_narrative(content):
    doc = docx_for(content)
    table = next(t for t in doc.tables if t.cell(0, 0).text == "STT" and t.cell(0, 1).text == "Cơ quan")
    body = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert [row[:3] for row in body] == [["1", "Sở Công Thương", "4.3"], ["2", "Sở Tài chính", "1.1"]]
    assert "Thiếu kinh phí xúc tiến" in body[0][3]
    assert [row[4] for row in body] == ["Đã báo cáo UBND tỉnh", "Đã hướng dẫn"]
    texts = [p.text for p in doc.paragraphs]
    assert texts.index("Đánh giá chung") < texts.index("II. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN") \
        < texts.index("III. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2025") < texts.index("IV. KIẾN NGHỊ, ĐỀ XUẤT") \
        < texts.index("Phụ lục 4. KHÓ KHĂN, VƯỚNG MẮC VÀ KIẾN NGHỊ GỬI SỞ NGOẠI VỤ")
    assert "Các cơ quan đã chủ động triển khai." in texts and "Một số nhiệm vụ còn chậm." in texts
    assert "" not in texts[texts.index("Đánh giá chung"):texts.index("II. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN")]
    assert "Đề nghị UBND tỉnh bố trí kinh phí." in texts


def test_docx_closing_block_director_signs(content):
    doc = docx_for(content, signer="Nguyễn Văn A")
    closing = closing_table(doc)
    left, right = closing.cell(0, 0), closing.cell(0, 1)
    recipients = left.paragraphs[0]
    assert recipients.text == "Nơi nhận:"
    assert all(r.bold and r.italic and r.font.size.pt == 12 for r in recipients.runs)
    assert [p.text for p in left.paragraphs[1:]] == [
        "- UBND tỉnh (để b/c);", "- Các sở, ban, ngành, UBND các huyện, thị xã, thành phố;", "- Lưu: VT, HTQT."]
    assert all(r.font.size.pt == 11 for p in left.paragraphs[1:] for r in p.runs)
    lines = [p.text for p in right.paragraphs if p.text]
    assert lines == ["GIÁM ĐỐC", "Nguyễn Văn A"]
    assert all(r.bold for p in right.paragraphs for r in p.runs)


def test_docx_closing_block_deputy_signs_on_behalf(content):
    doc = docx_for(content, signer="Trần Thị B", signer_title="Phó Giám đốc")
    lines = [p.text for p in closing_table(doc).cell(0, 1).paragraphs if p.text]
    assert lines == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Trần Thị B"]


def test_docx_page_number_in_header_from_page_two(content):
    section = docx_for(content).sections[0]
    assert section.different_first_page_header_footer is True
    header = section.header
    assert not header.is_linked_to_previous
    xml = header._element.xml
    assert "PAGE" in xml and ("w:fldSimple" in xml or "w:fldChar" in xml)
    assert header.paragraphs[0].alignment == 1  # WD_ALIGN_PARAGRAPH.CENTER
    assert "PAGE" not in section.first_page_header._element.xml
    assert all(not p.text for p in section.first_page_header.paragraphs)


def test_docx_is_deterministic(content):
    first = all_text(docx_for(content, doc_number="7"))
    second = all_text(docx_for(make_content(), doc_number="7"))
    assert first == second


def test_docx_does_not_mutate_content(content):
    before = copy.deepcopy(content)
    synthesis_docx(content, NARRATIVE, signed_on=datetime.date(2024, 11, 5))
    synthesis_xlsx(content, NARRATIVE)
    assert content == before


def test_docx_handles_empty_lists_and_narrative(content):
    content.update(missing=[], late=[], difficulties=[], agencies=[], groups=[])
    doc = open_docx(synthesis_docx(content, {"introduction": "", "assessment": "", "proposals": ""},
                                   signed_on=datetime.date(2024, 11, 5)))
    text = all_text(doc)
    assert "Phụ lục 4. KHÓ KHĂN, VƯỚNG MẮC VÀ KIẾN NGHỊ GỬI SỞ NGOẠI VỤ" in text
    assert "Không có cơ quan, đơn vị báo cáo khó khăn, vướng mắc." in text
    assert "Nơi nhận:" in text
    # Without an introduction the report still opens with a sentence citing the plan and the period.
    assert "từ ngày 06/11/2023 đến ngày 05/11/2024" in text


# --------------------------------------------------------------------------- XLSX

def open_xlsx(content):
    return openpyxl.load_workbook(io.BytesIO(synthesis_xlsx(content, NARRATIVE)))


def header(ws, width):
    return [ws.cell(row=1, column=c).value for c in range(1, width + 1)]


def test_xlsx_has_four_sheets(content):
    wb = open_xlsx(content)
    assert wb.sheetnames == ["Tình hình báo cáo", "Tiến độ nhiệm vụ", "Khó khăn, kiến nghị", "Chỉ tiêu"]
    for ws in wb.worksheets:
        assert len(ws.title) <= 31
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        assert ws.cell(row=1, column=1).font.bold


def test_xlsx_reporting_sheet(content):
    ws = open_xlsx(content)["Tình hình báo cáo"]
    assert header(ws, 9) == ["STT", "Mã", "Cơ quan, đơn vị", "Loại", "Diện báo cáo", "Trạng thái", "Ngày gửi",
                             "Số ngày chậm", "Phiên bản"]
    assert ws.auto_filter.ref == "A1:I5"
    rows = [[ws.cell(row=r, column=c).value for c in range(1, 10)] for r in range(2, 6)]
    assert [row[1] for row in rows] == ["SCT", "STC", "SYT", "UBND-SS"]  # one row per agency
    assert ws.cell(row=6, column=1).value is None
    assert rows[0][4] == "Phải báo cáo" and rows[1][5] == "Đã gửi, chờ xem xét" and rows[1][7] == 3
    sent = ws.cell(row=2, column=7)
    assert isinstance(sent.value, datetime.datetime) and sent.value.date() == datetime.date(2024, 11, 3)
    assert "dd/mm/yyyy" in sent.number_format.lower()
    assert ws.cell(row=4, column=7).value is None  # never submitted
    # Summary figures sit beside the table, outside its filter.
    summary = {ws.cell(row=r, column=11).value: ws.cell(row=r, column=12).value for r in range(2, 20)}
    assert summary["Số đơn vị phải báo cáo"] == 48
    assert summary["Tỷ lệ báo cáo (%)"] == 83.3


def test_xlsx_progress_sheet(content):
    ws = open_xlsx(content)["Tiến độ nhiệm vụ"]
    assert header(ws, 8) == ["Mục", "Nhiệm vụ", "Nhóm", "Chưa triển khai", "Đang triển khai", "Đã hoàn thành",
                             "Thường xuyên", "Chưa báo cáo"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == ["1.1", "1.2", "4.3"]  # one row per task
    assert rows[0][3:] == (1, 20, 5, 10, 12)


def test_xlsx_difficulties_sheet(content):
    ws = open_xlsx(content)["Khó khăn, kiến nghị"]
    assert header(ws, 8) == ["STT", "Cơ quan", "Nhiệm vụ", "Loại", "Nội dung", "Trạng thái", "Ngày", "Phản hồi"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2  # one row per difficulty
    assert rows[0][:3] == (1, "Sở Công Thương", "4.3")
    assert rows[0][5] == "Đã báo cáo UBND tỉnh" and rows[1][5] == "Đã hướng dẫn"
    assert rows[0][6] == datetime.datetime(2024, 10, 1)
    assert "dd/mm/yyyy" in ws.cell(row=2, column=7).number_format.lower()


def test_xlsx_without_narrative_and_with_empty_lists(content):
    content.update(agencies=[], groups=[], difficulties=[])
    wb = openpyxl.load_workbook(io.BytesIO(synthesis_xlsx(content)))
    assert all(ws.max_row == 1 or ws.title == "Tình hình báo cáo" for ws in wb.worksheets)
    assert wb["Khó khăn, kiến nghị"].auto_filter.ref == "A1:H1"


@pytest.mark.parametrize("header", [True, False])
def test_docx_rows_copied_from_a_prototype_match_rows_built_cell_by_cell(header):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from lxml import etree

    from reporting.synthesis.decree30 import _build_row
    from reporting.synthesis.decree30 import add_row as _row

    widths = [10.0, 60.0, 40.0, 30.0]
    aligns = None if header else [WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.LEFT,
                                  WD_ALIGN_PARAGRAPH.CENTER]
    values = ["1", "Sở Ngoại vụ", "", " lề trái"]
    built, copied = (Document().add_table(rows=0, cols=4) for _ in range(2))
    slow = _build_row(built, values, widths, header=header, aligns=aligns)._tr
    fast = _row(copied, values, widths, header=header, aligns=aligns)._tr
    assert etree.tostring(fast) == etree.tostring(slow)
    assert fast.getparent() is copied._tbl
    assert ([c.text for c in _row(copied, ["2", "Sở Tài chính", "", "x"], widths, aligns=aligns).cells]
            == ["2", "Sở Tài chính", "", "x"])


# --------------------------------------------------------------------------- text typed by people (issue 11)

FORMULA = '=HYPERLINK("http://evil.example","x")'


def test_xlsx_cells_of_typed_text_are_never_formulas(content):
    content["difficulties"][0].update(title=FORMULA, response="+1+1")
    content["agencies"][0]["name"] = "=1+1"
    data = synthesis_xlsx(content, NARRATIVE)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any(re.search(r"<f[ >]", xml) for xml in sheets)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    title = wb["Khó khăn, kiến nghị"].cell(row=2, column=5)
    assert title.value == FORMULA and title.data_type == "s"
    assert wb["Tình hình báo cáo"].cell(row=2, column=3).data_type == "s"
    assert wb["Khó khăn, kiến nghị"].cell(row=2, column=1).value == 1  # the app's own numbers stay numbers


def test_control_characters_anywhere_in_the_content_do_not_break_the_documents(content):
    bad = "\x01\x0b\x1b\x7f\ufffe"
    content["plan"]["title"] += bad
    content["agencies"][1]["name"] += bad
    content["missing"][0] += bad
    content["groups"][0]["tasks"][0]["entries"][0]["results"] += bad + "\nDòng hai" + bad
    content["difficulties"][0]["title"] += bad
    narrative = {key: value + bad for key, value in NARRATIVE.items()}
    doc = open_docx(synthesis_docx(content, narrative, doc_number="12\x01\x1b", signer="Lê Văn" + bad,
                                   signed_on=datetime.date(2024, 11, 5)))
    text = all_text(doc)
    assert "Dòng hai" in text and "12/BC-SNgV" in text and not re.search("[\x00-\x08\x0b-\x1f\x7f\ufffe]", text)
    wb = openpyxl.load_workbook(io.BytesIO(synthesis_xlsx(content, narrative)))
    # \x0b is Word's manual line break: kept as one
    assert wb["Khó khăn, kiến nghị"].cell(row=2, column=5).value == "Thiếu kinh phí xúc tiến\n"
