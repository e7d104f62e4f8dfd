"""The mid-term and final reviews (sơ kết, tổng kết) as files: a Decree 30 DOCX and an XLSX.

Pure functions of the plain data of reporting/synthesis/review.py (`review_content`): no database, no clock in the
body. The layout is the yearly synthesis's, through its helpers (header block, body paragraphs, tables, closing
block, page numbers), imported from reporting/synthesis/documents.py and never copied. Numbers in the DOCX are
written the Vietnamese way (1.234,5) by agencies.numbers.format_number_vi; XLSX cells hold real numbers; every text
goes through agencies/text.py.
"""
from __future__ import annotations

import datetime
import io

from django.utils import timezone
from docx.enum.text import WD_ALIGN_PARAGRAPH
from openpyxl import Workbook

from agencies.numbers import format_number_vi
from agencies.text import safe_text
from reporting.synthesis.decree30 import (
    TEXT_W,
    add_body,
    add_closing_block,
    add_header_block,
    add_row,
    add_table,
    add_title,
    document_bytes,
    new_document,
    signature_lines,
)
from reporting.synthesis.documents import (
    AUTHOR,
    COMPLETENESS_ROWS,
    ISSUER,
    PROGRESS_LINE,
    RECIPIENTS,
    _citation_date,
    _percent,
    _sheet_table,
    number_line,
)

__all__ = ["review_docx", "review_title", "review_xlsx"]

KIND_WORD = {"mid_term": "Sơ kết", "final": "Tổng kết"}
COMBINE_WORD = {"sum": "Cộng", "max": "Lớn nhất", "latest": "Năm gần nhất"}
SPAN_TOTAL = "Cả giai đoạn"
SHEET_INDICATORS = "Chỉ tiêu"
SHEET_PROGRESS = "Tiến độ theo năm"
SHEET_REPORTING = "Tình hình báo cáo"
SHEET_DIFFICULTIES = "Khó khăn kéo dài"
# per-year progress in the body, read out as in the yearly synthesis ("đã hoàn thành 2; đang triển khai 1 …")
PROGRESS_KEY = {"not_started": "no_progress", "no_report": "unreported"}


def _span(content: dict) -> str:
    first, last = content.get("first"), content.get("last")
    return f"năm {first}" if first == last else f"giai đoạn {first} - {last}"


def review_title(content: dict) -> str:
    """The subject line, e.g. "Sơ kết 3 năm thực hiện Kế hoạch số 119/KH-UBND ngày 15/5/2023 của UBND tỉnh giai
    đoạn 2023 - 2025": "Sơ kết" for a span ending before the plan's last year, "Tổng kết" for one ending at it."""
    plan = content.get("plan", {})
    years = len(content.get("years", []))
    kind = KIND_WORD.get(str(content.get("kind")), KIND_WORD["mid_term"])
    subject = f"{kind} {years} năm thực hiện Kế hoạch số {plan.get('number', '')}"
    issued = _citation_date(plan.get("issued_on"))
    if issued:
        subject += f" ngày {issued}"
    return f"{subject} của UBND tỉnh {_span(content)}"


def _number(value) -> str:
    """1.234,5 whatever the language of the request; a dash when nobody reported it (not 0)."""
    return format_number_vi(value) or "-"


# --------------------------------------------------------------------------- DOCX

def review_docx(content: dict, *, doc_number: str = "", signed_on: datetime.date | None = None, signer: str = "",
                signer_title: str = "GIÁM ĐỐC") -> bytes:
    """The review as a Decree 30 report of the DFA to the Provincial People's Committee."""
    day = signed_on or datetime.date.today()
    doc = new_document()
    add_header_block(doc, issuer=ISSUER, number=number_line(doc_number), day=day)
    add_title(doc, review_title(content))
    _part_results(doc, content)
    _part_reporting(doc, content)
    _part_persisted(doc, content)
    add_closing_block(doc, recipients=RECIPIENTS, authority=signature_lines(ISSUER.head, signer_title), signer=signer)
    return document_bytes(doc, title=f"Báo cáo {review_title(content)}", subject=content.get("plan", {}).get("title"),
                          author=AUTHOR, keywords="Kế hoạch 119; ngoại giao kinh tế; sơ kết; tổng kết", day=day)


def _part_results(doc, content: dict) -> None:
    plan = content.get("plan", {})
    add_body(doc, f"I. KẾT QUẢ THỰC HIỆN {_span(content).upper()}", bold=True)
    add_body(doc, f"Thực hiện Kế hoạch số {plan.get('number', '')} ngày {_citation_date(plan.get('issued_on'))} của "
               f"UBND tỉnh, Sở Ngoại vụ tổng hợp kết quả thực hiện {_span(content)} từ báo cáo hằng năm của các cơ "
               "quan, đơn vị như sau:")
    for group in content.get("groups", []):
        if not group.get("tasks"):
            continue
        add_body(doc, f"{group['code']}. {group['title']}", bold=True)
        for task in group["tasks"]:
            add_body(doc, f"{task['code']}. {task['title']}", bold=True, italic=True)
            if task.get("indicators"):
                _indicator_table(doc, content.get("years", []), task["indicators"])
            if task.get("progress"):
                add_body(doc, progress_line(task["progress"]), italic=True)


def progress_line(years: list[dict]) -> str:
    """One sentence per task for the whole span, naming only the states some agency was in (a final review of eight
    years would otherwise take a page of zeros): "Tiến độ qua các năm: năm 2024 đang triển khai 2; năm 2025 đã hoàn
    thành 1, đang triển khai 1." Counts are agencies' sections, as in the yearly synthesis."""
    said = []
    for year in years:
        parts = [f"{label} {year.get(PROGRESS_KEY.get(key, key), 0)}" for key, label in PROGRESS_LINE
                 if year.get(PROGRESS_KEY.get(key, key), 0)]
        said.append(f"năm {year['year']} {', '.join(parts) or 'chưa có cơ quan phải báo cáo'}")
    return f"Tiến độ qua các năm: {'; '.join(said)}."


def _indicator_table(doc, years: list[int], indicators: list[dict]) -> None:
    """Years down, the task's indicators across (a final review's eight years would not fit across the page), the
    span's total last; a note says how the totals that are not sums were made."""
    first = 24
    widths = [first] + [(TEXT_W - first) / len(indicators)] * len(indicators)
    table = add_table(doc, widths, bordered=True)
    add_row(table, ["Năm"] + [f"{i['name']} ({i['unit']})" for i in indicators], widths, header=True, size=11)
    c, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    aligns = [c] + [right] * len(indicators)
    for year in years:
        add_row(table, [str(year)] + [_number(i["by_year"].get(year)) for i in indicators], widths, size=11,
             aligns=aligns)
    add_row(table, [SPAN_TOTAL] + [_number(i["total"]) for i in indicators], widths, size=11, aligns=aligns)
    notes = [f"{i['name']}: {COMBINE_WORD[i['combine']].lower()}" for i in indicators
             if i.get("combine") in ("max", "latest")]
    if notes:
        add_body(doc, f"{SPAN_TOTAL} ({'; '.join(notes)}).", italic=True)


def _part_reporting(doc, content: dict) -> None:
    add_body(doc, "II. TÌNH HÌNH BÁO CÁO QUA CÁC NĂM", bold=True)
    rows = [(label, key, is_rate) for label, key, is_rate in COMPLETENESS_ROWS
            if key in ("expected", "submitted", "on_time", "late", "missing", "reporting_rate", "on_time_rate")]
    first = 20
    widths = [first] + [(TEXT_W - first) / len(rows)] * len(rows)
    table = add_table(doc, widths, bordered=True)
    add_row(table, ["Năm"] + [label for label, _key, _rate in rows], widths, header=True, size=11)
    for year in content.get("completeness", []):
        counts = year.get("counts")
        if counts is None:
            values = ["-"] * len(rows)
        else:
            values = [_percent(counts.get(key)) if is_rate else _number(counts.get(key, 0))
                      for _label, key, is_rate in rows]
        add_row(table, [str(year["year"])] + values, widths, size=11,
             aligns=[WD_ALIGN_PARAGRAPH.CENTER] * (len(rows) + 1))


def agencies_named(item: dict) -> str:
    """"Sở A, Sở B, Sở C và 4 cơ quan khác": a few names, then how many more."""
    names = ", ".join(item.get("agencies", []))
    more = item.get("more") or 0
    return f"{names} và {more} cơ quan khác" if more else names


def _part_persisted(doc, content: dict) -> None:
    add_body(doc, "III. KHÓ KHĂN, VƯỚNG MẮC KÉO DÀI", bold=True)
    items = content.get("persisted", [])
    if not items:
        add_body(doc, "Không có khó khăn, vướng mắc được báo cáo lặp lại từ hai năm trở lên trong giai đoạn.")
        return
    add_body(doc, "Các nhiệm vụ có khó khăn, vướng mắc được báo cáo từ hai năm trở lên trong giai đoạn:")
    for item in items:
        years = ", ".join(str(year) for year in item["years"])
        add_body(doc, f"- {item['code']}. {item['title']}: các năm {years} ({agencies_named(item)}).")


# --------------------------------------------------------------------------- XLSX

def review_xlsx(content: dict) -> bytes:
    """The review's figures for the DFA's own work: indicators per year and in total, progress per task and year,
    reporting per year, the difficulties that persisted. Numbers are real numbers, text is always text."""
    wb = Workbook()
    wb.properties.title = safe_text(review_title(content))
    wb.properties.creator = "Sở Ngoại vụ tỉnh Thanh Hóa"
    years = content.get("years", [])
    tasks = [task for group in content.get("groups", []) for task in group.get("tasks", [])]

    ws = wb.active
    ws.title = SHEET_INDICATORS
    rows = [[task["code"], task["title"], i["name"], i["unit"], COMBINE_WORD.get(i["combine"], i["combine"]),
             *[i["by_year"].get(year) for year in years], i["total"]]
            for task in tasks for i in task.get("indicators", [])]
    _sheet_table(ws, ["Mục", "Nhiệm vụ", "Chỉ tiêu", "Đơn vị", "Cách tính cả giai đoạn", *map(str, years), SPAN_TOTAL],
                 [8, 40, 36, 14, 16, *[12] * len(years), 14], rows, wrap_cols=(1, 2))
    ws.freeze_panes = "C2"

    ws = wb.create_sheet(SHEET_PROGRESS)
    rows = [[task["code"], task["title"], year["year"], year["expected"], year["reported"], year["completed"],
             year["in_progress"], year["ongoing"], year["no_progress"], year["unreported"]]
            for task in tasks for year in task.get("progress", [])]
    _sheet_table(ws, ["Mục", "Nhiệm vụ", "Năm", "Phải báo cáo", "Đã báo cáo", "Đã hoàn thành", "Đang triển khai",
                      "Thường xuyên", "Chưa triển khai", "Chưa báo cáo"],
                 [8, 50, 8, 12, 12, 12, 12, 12, 12, 12], rows, wrap_cols=(1,))
    ws.freeze_panes = "C2"

    ws = wb.create_sheet(SHEET_REPORTING)
    keys = [(label, key) for label, key, _rate in COMPLETENESS_ROWS]
    rows = [[year["year"], *[(year["counts"] or {}).get(key) for _label, key in keys]]
            for year in content.get("completeness", [])]
    _sheet_table(ws, ["Năm", *[label for label, _key in keys]], [8, *[14] * len(keys)], rows)
    ws.freeze_panes = "B2"

    ws = wb.create_sheet(SHEET_DIFFICULTIES)
    rows = [[item["code"], item["title"], ", ".join(str(y) for y in item["years"]), len(item["years"]),
             item.get("agency_count", 0), agencies_named(item)] for item in content.get("persisted", [])]
    _sheet_table(ws, ["Mục", "Nhiệm vụ", "Các năm", "Số năm", "Số cơ quan", "Cơ quan"], [8, 50, 24, 10, 12, 60],
                 rows, wrap_cols=(1, 5))
    ws.freeze_panes = "A2"

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def review_file(content: dict, fmt: str) -> bytes:
    """The review as a DOCX (dated today, to be signed) or an XLSX: the page's download and `export_synthesis`."""
    if fmt == "docx":
        return review_docx(content, signed_on=timezone.localdate())
    return review_xlsx(content)
