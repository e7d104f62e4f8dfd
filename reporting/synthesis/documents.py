"""Official exports of the DFA's provincial synthesis (báo cáo tổng hợp) of Plan 119.

Pure functions: they take the ``content`` dict built by the synthesis service and the DFA's
editable ``narrative`` and return file bytes. No database access, no clock in the document body,
so the same input always yields the same document text. Every piece of text goes through the one sanitiser
(agencies/text.py) on its way into the files: a control character stored before the rule existed cannot break them,
and a cell made of text is never a formula.

The DOCX follows Decree 30/2020/NĐ-CP on administrative documents through the pieces shared with the agency's own
report (reporting/synthesis/decree30.py): page, header block, title, body paragraphs, tables, closing block.
"""
from __future__ import annotations

import datetime
import functools
import io
from decimal import Decimal

from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from agencies.numbers import format_number_vi
from agencies.text import safe_text, sheet_cell
from reporting.synthesis import decree30, drafting
from reporting.synthesis.decree30 import (
    Issuer,
    add_body,
    add_closing_block,
    add_header_block,
    add_line,
    add_row,
    add_table,
    add_title,
    document_bytes,
    new_document,
    paragraphs,
    signature_lines,
    vn_date_line,
)

__all__ = ["number_line", "plan_subject", "synthesis_docx", "synthesis_xlsx", "vn_date_line"]

# Thanh Hóa is UTC+7 all year (no daylight saving), so a fixed offset is exact.
VN_TZ = datetime.timezone(datetime.timedelta(hours=7))

# Vietnamese labels of the codes used in ``content`` (mirrors the model choices, in the wording of an
# official document rather than the UI translations).
# requested organisations (IV.3–IV.4): their reports are voluntary, counted apart, never late
# (reporting.dashboards.metrics)
VOLUNTARY_MARK = "Tự nguyện (được đề nghị)"
# a deadline the DFA extended for one agency (gia hạn): its date replaces the period's in the status table
EXTENDED_MARK = "gia hạn"
REPORT_STATUS = {
    "draft": "Chưa gửi",
    "submitted": "Đã gửi, chờ xem xét",
    "returned": "Trả lại chỉnh sửa",
    "accepted": "Đã tiếp nhận",
}
DIFFICULTY_STATUS = {
    "received": "Đã tiếp nhận",
    "guided": "Đã hướng dẫn",
    "escalated": "Đã báo cáo UBND tỉnh",
    "resolved": "Đã giải quyết",
}
DIFFICULTY_KIND = {"difficulty": "Khó khăn, vướng mắc", "proposal": "Kiến nghị, đề xuất"}
AGENCY_KIND = {
    "department": "Sở, ban, ngành",
    "district": "UBND cấp huyện",
    "commune": "UBND cấp xã",
    "mass_organisation": "Tổ chức chính trị - xã hội",
    "business_association": "Hiệp hội doanh nghiệp",
    "provincial_committee": "UBND tỉnh",
}
ROLE = {"lead": "chủ trì", "co": "phối hợp"}
# Order in which the progress counts are read out in the body ("Tiến độ: ...").
PROGRESS_LINE = [
    ("completed", "đã hoàn thành"),
    ("in_progress", "đang triển khai"),
    ("ongoing", "thường xuyên"),
    ("not_started", "chưa triển khai"),
    ("no_report", "chưa báo cáo"),
]


# --------------------------------------------------------------------------- small formatters

def _date(value) -> datetime.date | None:
    """An ISO date or datetime string (or a date) → a date; datetimes are read in Vietnam time."""
    if not value:
        return None
    if isinstance(value, datetime.datetime):
        moment = value
    elif isinstance(value, datetime.date):
        return value
    else:
        moment = datetime.datetime.fromisoformat(str(value))
    if moment.tzinfo is not None:
        moment = moment.astimezone(VN_TZ)
    return moment.date()


def _dmy(value) -> str:
    """dd/mm/yyyy, as in the tables; empty when there is no date."""
    day = _date(value)
    return day.strftime("%d/%m/%Y") if day else ""


def _citation_date(value) -> str:
    """d/m/yyyy without leading zeros: the way the plan is cited in its own title ("ngày 15/5/2023")."""
    day = _date(value)
    return f"{day.day}/{day.month}/{day.year}" if day else ""


def _percent(value) -> str:
    """One decimal in the document's Vietnamese number format (agencies.numbers): 83.3 → "83,3"."""
    if value is None:
        return "-"
    return format_number_vi(value, decimals=1)



# --------------------------------------------------------------------------- DOCX

def synthesis_docx(content: dict, narrative: dict, *, doc_number: str = "",
                   signed_on: datetime.date | None = None, signer: str = "",
                   signer_title: str = "GIÁM ĐỐC") -> bytes:
    """The DFA's synthesis report to the Provincial People's Committee as a Decree 30 DOCX."""
    narrative = narrative or {}
    day = signed_on or datetime.date.today()
    plan = content.get("plan", {})
    year = content.get("year")

    doc = new_document()
    add_header_block(doc, issuer=ISSUER, number=number_line(doc_number), day=day)
    add_title(doc, plan_subject(plan, year))
    # The body reads as a provincial report and does not grow with the number of agencies (drafting.py);
    # every agency's own words go to the appendix after the signature.
    _part_results(doc, content, narrative)
    drafts = content.get("drafts", {})
    _narrative_part(doc, "II. TỒN TẠI, HẠN CHẾ VÀ NGUYÊN NHÂN", narrative.get("shortcomings"),
                    drafts.get("shortcomings") or ["Không có cơ quan, đơn vị báo cáo khó khăn, vướng mắc."])
    next_year = (year + 1) if isinstance(year, int) else ""
    _narrative_part(doc, f"III. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM {next_year}", narrative.get("directions"),
                    drafts.get("directions", []))
    _narrative_part(doc, "IV. KIẾN NGHỊ, ĐỀ XUẤT", narrative.get("proposals"), drafts.get("proposals", []))
    add_closing_block(doc, recipients=RECIPIENTS, authority=signature_lines(ISSUER.head, signer_title), signer=signer)
    _appendix(doc, content)
    return document_bytes(
        doc, title=f"Báo cáo kết quả thực hiện Kế hoạch số {plan.get('number', '')} năm {year}",
        subject=plan.get("title"), author=AUTHOR, keywords="Kế hoạch 119; ngoại giao kinh tế; báo cáo tổng hợp",
        day=day)


AUTHOR = "Sở Ngoại vụ tỉnh Thanh Hóa"
# The DFA issues the synthesis: a provincial department.
ISSUER = Issuer(name_lines=("SỞ NGOẠI VỤ",), symbol="SNgV", head="GIÁM ĐỐC", governing_body="UBND TỈNH THANH HÓA")
DOC_SYMBOL = f"BC-{ISSUER.symbol}"  # ký hiệu: a report (BC) of the DFA (SNgV), Decree 30/2020/NĐ-CP, Appendix III
# The synthesis goes to the Provincial People's Committee; the file copy goes to the clerk (VT) and the drafting
# division (HTQT: international cooperation).
RECIPIENTS = ("- UBND tỉnh (để b/c);",
              "- Các sở, ban, ngành, UBND các huyện, thị xã, thành phố;",
              "- Lưu: VT, HTQT.")
number_line = functools.partial(decree30.number_line, symbol=DOC_SYMBOL)


def plan_subject(plan: dict, year) -> str:
    """The subject line (trích yếu) of a report on the plan's results in a year, as the plan is cited."""
    issued = _citation_date(plan.get("issued_on"))
    subject = f"Kết quả thực hiện Kế hoạch số {plan.get('number', '')}"
    if issued:
        subject += f" ngày {issued}"
    return subject + f" của UBND tỉnh năm {year}"



def _part_results(doc, content: dict, narrative: dict) -> None:
    add_body(doc, "I. KẾT QUẢ THỰC HIỆN", bold=True)
    intro = paragraphs(narrative.get("introduction"))
    if not intro:
        # Default opening so that an un-edited draft still reads as a report.
        plan, period = content.get("plan", {}), content.get("period", {})
        text = (f"Thực hiện Kế hoạch số {plan.get('number', '')} ngày {_citation_date(plan.get('issued_on'))} "
                f"của UBND tỉnh, Sở Ngoại vụ tổng hợp kết quả thực hiện năm {content.get('year')}")
        if period.get("covers_from") and period.get("covers_to"):
            text += f" (số liệu từ ngày {_dmy(period['covers_from'])} đến ngày {_dmy(period['covers_to'])})"
        intro = [text + " như sau:"]
    for text in intro:
        add_body(doc, text)
    add_body(doc, _reporting_sentence(content))

    edited = narrative.get("paragraphs") or {}
    for group in content.get("groups", []):
        add_body(doc, f"{group['code']}. {group['title']}", bold=True)
        for task in group.get("tasks", []):
            add_body(doc, f"{task['code']}. {task['title']}", bold=True, italic=True)
            text, _edited, _stale = drafting.task_text(task, edited)
            for paragraph in paragraphs(text):
                add_body(doc, paragraph)
    assessment = paragraphs(narrative.get("assessment"))
    if assessment:
        add_body(doc, "Đánh giá chung", bold=True, italic=True)
        for text in assessment:
            add_body(doc, text)


def _reporting_sentence(content: dict) -> str:
    """The reporting in one sentence; the lists of who is missing or late are in Appendix 1."""
    c = content.get("completeness", {})
    text = (f"Đến ngày tổng hợp, {c.get('submitted', 0)}/{c.get('expected', 0)} cơ quan, đơn vị phải báo cáo đã gửi "
            f"báo cáo (đạt {_percent(c.get('reporting_rate'))} %), trong đó {c.get('on_time', 0)} báo cáo đúng hạn, "
            f"{c.get('late', 0)} báo cáo chậm hạn; {c.get('missing', 0)} cơ quan, đơn vị chưa gửi báo cáo")
    if c.get("voluntary_submitted"):
        text += f"; ngoài ra có {c['voluntary_submitted']} tổ chức được đề nghị tham gia gửi báo cáo"
    return text + " (chi tiết tại Phụ lục 1)."


def _narrative_part(doc, heading: str, written: str | None, drafted: list[str]) -> None:
    """A part of the body the DFA may write itself; until it does, the machine's draft stands."""
    add_body(doc, heading, bold=True)
    for text in paragraphs(written) or drafted:
        add_body(doc, text)


def _appendix(doc, content: dict) -> None:
    """Phụ lục: the reporting status, the indicators, every agency's own text, the difficulties and the plans for
    next year. It may grow with the number of agencies; the body does not."""
    _page_break(doc)
    add_line(doc, "PHỤ LỤC", bold=True, size=14)
    add_line(doc, f"(Kèm theo Báo cáo kết quả thực hiện Kế hoạch năm {content.get('year')})", italic=True,
             size=13)
    _part_reporting(doc, content)
    _part_indicators(doc, content)
    _part_agency_texts(doc, content)
    _part_difficulties(doc, content)
    _part_next_year(doc, content)


def _page_break(doc) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _part_indicators(doc, content: dict) -> None:
    add_body(doc, "Phụ lục 2. CHỈ TIÊU THEO NHIỆM VỤ", bold=True)
    rows = [(task, item) for group in content.get("groups", []) for task in group.get("tasks", [])
            for item in task.get("indicators", [])]
    if not rows:
        add_body(doc, "Chưa có cơ quan, đơn vị báo cáo chỉ tiêu.")
        return
    previous_year = content.get("previous_year")
    widths = [17, 68, 25, 25, 30]
    table = add_table(doc, widths, bordered=True)
    add_row(table, ["Mục", "Chỉ tiêu", "Năm " + str(content.get("year")),
                 f"Năm {previous_year}" if previous_year else "Năm trước", "Số cơ quan báo cáo"], widths,
         header=True, size=12)
    c, left = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    for task, item in rows:
        ordered = sum(1 for v in item.get("values", []) if v.get("expected", True))
        add_row(table, [task["code"], f"{item['name']} ({item['unit']})", format_number_vi(item.get("total")),
                     format_number_vi(item.get("previous")), str(ordered)], widths, size=12,
             aligns=[c, left, c, c, c])
    add_body(doc, "Số liệu của từng cơ quan, đơn vị tại bảng tính kèm theo (trang \"Chỉ tiêu\").", italic=True)


def _part_agency_texts(doc, content: dict) -> None:
    add_body(doc, "Phụ lục 3. KẾT QUẢ DO CÁC CƠ QUAN, ĐƠN VỊ BÁO CÁO", bold=True)
    for group in content.get("groups", []):
        for task in group.get("tasks", []):
            entries = [e for e in task.get("entries", []) if paragraphs(e.get("results"))]
            if not entries:
                continue
            add_body(doc, f"{task['code']}. {task['title']}", bold=True, italic=True)
            for entry in entries:
                results = paragraphs(entry.get("results"))
                role = ROLE.get(entry.get("role"), "phối hợp")
                add_body(doc, f"- {entry['agency']} ({role}): {results[0]}")
                for more in results[1:]:
                    add_body(doc, more)
                for label, key in (("Khó khăn", "difficulties"), ("Kiến nghị", "proposals")):
                    text = " ".join(paragraphs(entry.get(key)))
                    if text:
                        add_body(doc, f"{label}: {text}", italic=True)


def _part_next_year(doc, content: dict) -> None:
    plans = content.get("next_year", [])
    if not plans:
        return
    add_body(doc, "Phụ lục 5. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM TỚI CỦA CÁC CƠ QUAN, ĐƠN VỊ", bold=True)
    for item in plans:
        add_body(doc, f"- {item['agency']}: {' '.join(paragraphs(item['text']))}")


COMPLETENESS_ROWS = [
    ("Số đơn vị phải báo cáo", "expected", False),
    ("Đã gửi báo cáo", "submitted", False),
    ("Đúng hạn", "on_time", False),
    ("Chậm hạn", "late", False),
    ("Chưa gửi", "missing", False),
    ("Đã tiếp nhận", "accepted", False),
    ("Trả lại chỉnh sửa", "returned", False),
    ("Được gia hạn", "extended", False),
    ("Tỷ lệ báo cáo (%)", "reporting_rate", True),
    ("Tỷ lệ báo cáo đúng hạn (%)", "on_time_rate", True),
]


def _part_reporting(doc, content: dict) -> None:
    add_body(doc, "Phụ lục 1. TÌNH HÌNH BÁO CÁO CỦA CÁC CƠ QUAN, ĐƠN VỊ", bold=True)
    completeness = content.get("completeness", {})
    widths = [115, 50]
    table = add_table(doc, widths, bordered=True)
    add_row(table, ["Chỉ tiêu", "Số liệu"], widths, header=True)
    for label, key, is_rate in COMPLETENESS_ROWS:
        value = completeness.get(key)
        shown = _percent(value) if is_rate else str(value if value is not None else 0)
        add_row(table, [label, shown], widths, aligns=[WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER])

    voluntary = completeness.get("voluntary_submitted") or 0
    if voluntary:
        add_body(doc, f"Ngoài ra, có {voluntary} cơ quan, đơn vị không thuộc diện phải báo cáo đã gửi báo cáo.")

    missing = content.get("missing", [])
    if missing:
        add_body(doc, f"Các cơ quan, đơn vị chưa gửi báo cáo ({len(missing)}): {', '.join(missing)}.")
    else:
        add_body(doc, "Tất cả các cơ quan, đơn vị phải báo cáo đã gửi báo cáo.")
    late = content.get("late", [])
    if late:
        names = ", ".join(f"{item['name']} ({item['days_late']} ngày)" for item in late)
        add_body(doc, f"Các cơ quan, đơn vị gửi báo cáo chậm hạn ({len(late)}): {names}.")
    else:
        add_body(doc, "Không có cơ quan, đơn vị gửi báo cáo chậm hạn.")

    agencies = content.get("agencies", [])
    if not agencies:
        return
    add_body(doc, "Chi tiết tình hình báo cáo của từng cơ quan, đơn vị:")
    widths = [14, 50, 34, 26, 25, 16]  # "STT" fits on one line at 13 pt
    table = add_table(doc, widths, bordered=True)
    add_row(table, ["STT", "Cơ quan, đơn vị", "Trạng thái", "Hạn gửi", "Ngày gửi", "Số ngày chậm"], widths,
            header=True)
    c, left = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    agency_due = content.get("period", {}).get("agency_due")
    for i, agency in enumerate(agencies, 1):
        name = agency["name"]
        if not agency.get("expected", True):
            name += f"\n({VOLUNTARY_MARK})"
        status = REPORT_STATUS.get(agency.get("status") or "draft", agency.get("status"))
        days = agency.get("days_late") or 0
        due = _dmy(agency.get("due") or agency_due) + (f"\n({EXTENDED_MARK})" if agency.get("extended") else "")
        add_row(table, [str(i), name, status, due, _dmy(agency.get("submitted_at")), str(days) if days > 0 else ""],
                widths, aligns=[c, left, left, c, c, c])


def _part_difficulties(doc, content: dict) -> None:
    add_body(doc, "Phụ lục 4. KHÓ KHĂN, VƯỚNG MẮC VÀ KIẾN NGHỊ GỬI SỞ NGOẠI VỤ", bold=True)
    items = content.get("difficulties", [])
    if not items:
        add_body(doc, "Các cơ quan, đơn vị không báo cáo khó khăn, vướng mắc, kiến nghị.")
        return
    widths = [15, 35, 20, 60, 35]
    table = add_table(doc, widths, bordered=True)
    add_row(table, ["STT", "Cơ quan", "Nhiệm vụ", "Nội dung", "Trạng thái"], widths, header=True)
    c, left = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    for i, item in enumerate(items, 1):
        kind = "Kiến nghị" if item.get("kind") == "proposal" else "Khó khăn"
        text = f"{kind}: {item.get('title', '')}"
        response = (item.get("response") or "").strip()
        if response:
            text += f"\nPhản hồi: {' '.join(paragraphs(response))}"
        status = DIFFICULTY_STATUS.get(item.get("status"), item.get("status") or "")
        add_row(table, [str(i), item.get("agency", ""), item.get("task") or "", text, status], widths,
             aligns=[c, left, c, left, left])



# --------------------------------------------------------------------------- XLSX

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="top", wrap_text=True)
DATE_FORMAT = "DD/MM/YYYY"
SHEET_REPORTING = "Tình hình báo cáo"
SHEET_PROGRESS = "Tiến độ nhiệm vụ"
SHEET_DIFFICULTIES = "Khó khăn, kiến nghị"
SHEET_INDICATORS = "Chỉ tiêu"
TOTAL_LABEL = "TỔNG CỘNG (cơ quan, đơn vị phải báo cáo)"
COMBINE = {"sum": "Cộng tổng", "max": "Lấy giá trị lớn nhất", "latest": "Lấy giá trị mới nhất"}


def _sheet_table(ws, headers: list[str], widths: list[float], rows: list[list], *, col: int = 1,
                 wrap_cols: tuple[int, ...] = (), date_cols: tuple[int, ...] = (), filtered: bool = True) -> None:
    """Write a header row at row 1 starting at ``col`` and the data rows below it; text cells are always text."""
    for j, (title, width) in enumerate(zip(headers, widths, strict=True)):
        cell = sheet_cell(ws, 1, col + j, title)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
        ws.column_dimensions[get_column_letter(col + j)].width = width
    for i, values in enumerate(rows, 2):
        for j, value in enumerate(values):
            cell = sheet_cell(ws, i, col + j, value)
            if j in wrap_cols:
                cell.alignment = WRAP
            if j in date_cols and value is not None:
                cell.number_format = DATE_FORMAT
    if filtered:
        first, last = get_column_letter(col), get_column_letter(col + len(headers) - 1)
        ws.auto_filter.ref = f"{first}1:{last}{max(len(rows) + 1, 1)}"


def synthesis_xlsx(content: dict, narrative: dict | None = None) -> bytes:
    """The synthesis as a workbook for the DFA's own follow-up: reporting, task progress, difficulties.

    ``narrative`` is accepted so callers can pass the same arguments as to :func:`synthesis_docx`;
    the prose belongs to the DOCX and is not written to the sheets.
    """
    wb = Workbook()
    plan_number = content.get("plan", {}).get("number", "")
    wb.properties.title = safe_text(f"Tổng hợp Kế hoạch {plan_number} năm {content.get('year')}")
    wb.properties.creator = "Sở Ngoại vụ tỉnh Thanh Hóa"

    # Sheet 1: reporting completeness by agency, with the summary figures to the right.
    ws = wb.active
    ws.title = SHEET_REPORTING
    rows = []
    agency_due = content.get("period", {}).get("agency_due")
    for i, agency in enumerate(content.get("agencies", []), 1):
        rows.append([
            i,
            agency.get("code", ""),
            agency.get("name", ""),
            AGENCY_KIND.get(agency.get("kind"), agency.get("kind") or ""),
            "Phải báo cáo" if agency.get("expected", True) else VOLUNTARY_MARK,
            REPORT_STATUS.get(agency.get("status") or "draft", agency.get("status")),
            _date(agency.get("submitted_at")),
            agency.get("days_late") or 0,
            agency.get("version"),
            _date(agency.get("due") or agency_due),
            "Có" if agency.get("extended") else "",
        ])
    _sheet_table(ws, ["STT", "Mã", "Cơ quan, đơn vị", "Loại", "Diện báo cáo", "Trạng thái", "Ngày gửi",
                      "Số ngày chậm", "Phiên bản", "Hạn gửi", "Gia hạn"],
                 [6, 10, 40, 22, 16, 22, 13, 12, 10, 13, 10], rows, wrap_cols=(2,), date_cols=(6, 9))
    completeness = content.get("completeness", {})
    summary = [(label, completeness.get(key), is_rate) for label, key, is_rate in COMPLETENESS_ROWS]
    summary.insert(7, ("Chờ xem xét", completeness.get("waiting"), False))
    summary.append(("Gửi tự nguyện (không thuộc diện phải báo cáo)", completeness.get("voluntary_submitted"), False))
    # Columns M:N, one blank column after the agency table so they stay outside its autofilter range.
    _sheet_table(ws, ["Chỉ tiêu", "Số liệu"], [40, 12], [[label, value] for label, value, _ in summary],
                 col=13, wrap_cols=(0,), filtered=False)
    for i, (_, _, is_rate) in enumerate(summary, 2):
        if is_rate:
            ws.cell(row=i, column=14).number_format = "0.0"
    ws.freeze_panes = "A2"

    # Sheet 2: progress counts, one row per task.
    ws = wb.create_sheet(SHEET_PROGRESS)
    rows = []
    for group in content.get("groups", []):
        for task in group.get("tasks", []):
            counts = task.get("counts", {})
            rows.append([task["code"], task["title"], f"{group['code']}. {group['title']}",
                         counts.get("not_started", 0), counts.get("in_progress", 0), counts.get("completed", 0),
                         counts.get("ongoing", 0), counts.get("no_report", 0)])
    _sheet_table(ws, ["Mục", "Nhiệm vụ", "Nhóm", "Chưa triển khai", "Đang triển khai", "Đã hoàn thành",
                      "Thường xuyên", "Chưa báo cáo"],
                 [8, 60, 40, 12, 12, 12, 12, 12], rows, wrap_cols=(1, 2))
    ws.freeze_panes = "A2"

    # Sheet 3: difficulties and proposals, one row each.
    ws = wb.create_sheet(SHEET_DIFFICULTIES)
    rows = []
    for i, item in enumerate(content.get("difficulties", []), 1):
        rows.append([i, item.get("agency", ""), item.get("task") or "",
                     DIFFICULTY_KIND.get(item.get("kind"), item.get("kind") or ""), item.get("title", ""),
                     DIFFICULTY_STATUS.get(item.get("status"), item.get("status") or ""),
                     _date(item.get("raised_on")), item.get("response") or ""])
    _sheet_table(ws, ["STT", "Cơ quan", "Nhiệm vụ", "Loại", "Nội dung", "Trạng thái", "Ngày", "Phản hồi"],
                 [6, 30, 10, 18, 50, 22, 13, 50], rows, wrap_cols=(1, 4, 7), date_cols=(6,))
    ws.freeze_panes = "A2"

    _indicators_sheet(wb, content)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _number_cell(value):
    """A stored figure ("1234.50") as a real number for the sheet; None stays an empty cell."""
    return None if value in (None, "") else Decimal(value)


def _indicators_sheet(wb, content: dict) -> None:
    """Sheet 4: per task and indicator, every agency's value, then the total the body of the DOCX quotes, the
    previous year's total and the requested organisations' total apart — so every figure of the body has its cell."""
    ws = wb.create_sheet(SHEET_INDICATORS)
    previous_year = content.get("previous_year")
    rows: list[list] = []
    totals: list[int] = []  # the rows that are totals (bold), whatever an agency happens to be called
    for group in content.get("groups", []):
        for task in group.get("tasks", []):
            for item in task.get("indicators", []):
                head = [task["code"], item["name"], item["unit"]]
                combine = COMBINE.get(item.get("combine"), "")
                for v in item.get("values", []):
                    rows.append([*head, v["agency"], "Phải báo cáo" if v.get("expected", True) else VOLUNTARY_MARK,
                                 _number_cell(v["value"])])
                sums = [[*head, TOTAL_LABEL, combine, _number_cell(item["total"])]]
                if item.get("voluntary_total") is not None:
                    sums.append([*head, f"Tổng ({VOLUNTARY_MARK})", combine, _number_cell(item["voluntary_total"])])
                if previous_year and item.get("previous") is not None:
                    sums.append([*head, f"{TOTAL_LABEL}, năm {previous_year}", "", _number_cell(item["previous"])])
                totals += range(len(rows), len(rows) + len(sums))
                rows += sums
    _sheet_table(ws, ["Mục", "Chỉ tiêu", "Đơn vị", "Cơ quan, đơn vị", "Diện báo cáo / cách gộp",
                      f"Năm {content.get('year')}"],
                 [8, 50, 14, 45, 26, 16], rows, wrap_cols=(1, 3))
    for i in totals:
        for j in range(1, 7):
            ws.cell(row=i + 2, column=j).font = HEADER_FONT
    for i in range(2, len(rows) + 2):
        ws.cell(row=i, column=6).number_format = "#,##0.##"
    ws.freeze_panes = "A2"

