"""Official exports of the DFA's provincial synthesis (báo cáo tổng hợp) of Plan 119.

Pure functions: they take the ``content`` dict built by the synthesis service and the DFA's
editable ``narrative`` and return file bytes. No database access, no clock in the document body,
so the same input always yields the same document text. Every piece of text goes through the one sanitiser
(agencies/text.py) on its way into the files: a control character stored before the rule existed cannot break them,
and a cell made of text is never a formula.

The DOCX follows Decree 30/2020/NĐ-CP on administrative documents (Appendix I, the layout of an
administrative document): A4 portrait, fixed margins, Times New Roman, the two-column header block
(issuing agency | national motto), the place/date line, the "Nơi nhận" / signature block and the
page number centred in the top margin from page 2 on. The comments marked "Decree 30" say which rule
a piece of layout implements, so nobody "tidies" it away.
"""
from __future__ import annotations

import copy
import datetime
import functools
import io
import math
from collections.abc import Sequence

from django.utils import translation
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, Twips
from docx.table import _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from agencies.numbers import format_number
from agencies.text import safe_text, sheet_cell

__all__ = ["synthesis_docx", "synthesis_xlsx", "vn_date_line"]

FONT = "Times New Roman"
PROVINCE = "Thanh Hóa"
# Thanh Hóa is UTC+7 all year (no daylight saving), so a fixed offset is exact.
VN_TZ = datetime.timezone(datetime.timedelta(hours=7))

# Vietnamese labels of the codes used in ``content`` (mirrors the model choices, in the wording of an
# official document rather than the UI translations).
# requested organisations (IV.3–IV.4): their reports are voluntary, counted apart, never late
# (reporting.dashboards.metrics)
VOLUNTARY_MARK = "Tự nguyện (được đề nghị)"
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

def vn_date_line(place: str, day: datetime.date) -> str:
    """The place/date line of an administrative document, e.g. "Thanh Hóa, ngày 05 tháng 11 năm 2024".

    Decree 30, Appendix I: days below 10 and the months 1 and 2 take a leading zero (so that
    "1" cannot later be turned into "11" or "12"); every other number is written as is ("tháng 3").
    """
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


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
    with translation.override("vi"):
        return format_number(value, decimals=1)


def _paragraphs(text: str | None) -> list[str]:
    """Narrative text → its non-empty paragraphs (the editor separates them with newlines)."""
    return [line.strip() for line in safe_text(text).splitlines() if line.strip()]


# --------------------------------------------------------------------------- DOCX helpers

def _set_fonts(parent, size_pt: float | None = None) -> None:
    """Force Times New Roman on every script slot of the ``w:rPr`` under ``parent`` (created if absent).

    Vietnamese letters with diacritics fall in the hAnsi range, and Word uses the East Asian slot
    when the editing language is an Asian one, so setting only ``font.name`` (ascii/hAnsi) is not
    enough for "Times New Roman everywhere".
    """
    rpr = _child(parent, "w:rPr")
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)  # rFonts is the first child of rPr
    for attr in list(rfonts.attrib):  # theme fonts take precedence over explicit names: drop them
        if attr.lower().endswith("theme"):
            del rfonts.attrib[attr]
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(slot), FONT)
    if size_pt is not None:
        for tag in ("w:sz", "w:szCs"):
            _child(rpr, tag).set(qn("w:val"), str(int(size_pt * 2)))


def _child(parent, tag: str):
    """The first ``tag`` child of ``parent``, appended if missing."""
    el = parent.find(qn(tag))
    if el is None:
        el = OxmlElement(tag)
        parent.append(el)
    return el


def _setup_styles(doc) -> None:
    # Document defaults too, so that table styles and anything not based on Normal stay in TNR.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault")) if defaults is not None else None
    if rpr_default is not None:
        _set_fonts(rpr_default, 14)

    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)  # Decree 30: body text 13–14 pt
    _set_fonts(normal.element, 14)
    lang = _child(_child(normal.element, "w:rPr"), "w:lang")  # spell-check in Vietnamese
    lang.set(qn("w:val"), "vi-VN")
    lang.set(qn("w:eastAsia"), "vi-VN")
    fmt = normal.paragraph_format
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE


def _run(paragraph, text: str, *, bold=False, italic=False, size: float | None = None):
    """A run with its properties. The same XML as ``paragraph.add_run(text)``, written directly: python-docx feeds
    the text through a character-by-character translator and sets each property through schema lookups, which
    dominates the export of a synthesis with tens of thousands of runs (bench/bench_scheduler.py)."""
    text = safe_text(text)
    if any(ch in text for ch in "\t\n\r"):  # tabs and breaks need python-docx's translation
        run = paragraph.add_run(text)
        run.bold = bold or None
        run.italic = italic or None
        if size is not None:
            run.font.size = Pt(size)
        return run
    r = OxmlElement("w:r")
    rpr = OxmlElement("w:rPr")
    r.append(rpr)
    if bold:
        rpr.append(OxmlElement("w:b"))
    if italic:
        rpr.append(OxmlElement("w:i"))
    if size is not None:
        sz = OxmlElement("w:sz")
        sz.set(qn("w:val"), str(int(round(size * 2))))
        rpr.append(sz)
    if text:
        t = OxmlElement("w:t")
        t.text = text
        if len(text.strip()) < len(text):
            t.set(qn("xml:space"), "preserve")
        r.append(t)
    paragraph._p.append(r)
    return Run(r, paragraph)


def _line(container, text: str = "", *, align=WD_ALIGN_PARAGRAPH.CENTER, bold=False, italic=False,
          size: float | None = None, space_before: float = 0):
    """A plain single-run paragraph (header block, title, tables, signature)."""
    p = container.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_before = Pt(space_before)
    p.paragraph_format.space_after = Pt(0)
    if text:
        _run(p, text, bold=bold, italic=italic, size=size)
    return p


@functools.cache
def _body_prototype():
    """A body paragraph. Decree 30: justified, first-line indent 1–1.27 cm, at least 6 pt between paragraphs."""
    p = Document().add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt = p.paragraph_format
    fmt.first_line_indent = Cm(1)
    fmt.space_before = Pt(6)
    fmt.space_after = Pt(0)
    return p._p


def _body(doc, text: str = "", *, bold=False, italic=False):
    """A body paragraph (see _body_prototype), inserted before the section properties.

    ``doc.add_paragraph`` searches all body children for the section properties on every call, which makes a long
    synthesis quadratic; the section properties are always the body's last element, so look there only.
    """
    body = doc.element.body
    p = copy.deepcopy(_body_prototype())
    if body[-1].tag == qn("w:sectPr"):
        body[-1].addprevious(p)
    else:
        body.append(p)
    paragraph = Paragraph(p, doc._body)
    if text:
        _run(paragraph, text, bold=bold, italic=italic)
    return paragraph


def _rule(container, *, width_mm: float, box_mm: float, space_before: float = 0):
    """A short solid horizontal rule, centred in a box ``box_mm`` wide.

    Decree 30 asks for a solid line under the issuing agency's name (1/3–1/2 of the name's length),
    under the motto (as long as the motto) and under the subject line. It is drawn as the top border
    of an empty, 1 pt-high paragraph whose indents set its length, so no underscores end up in the
    document text.
    """
    p = container.add_paragraph()
    fmt = p.paragraph_format
    side = max((box_mm - width_mm) / 2, 0)
    fmt.left_indent = Mm(side)
    fmt.right_indent = Mm(side)
    fmt.space_before = Pt(space_before)
    fmt.space_after = Pt(0)
    fmt.line_spacing = Pt(1)
    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, val in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        top.set(qn(key), val)
    borders.append(top)
    ppr.append(borders)
    # Keep the empty paragraph's own mark tiny so the rule sits right under the text above.
    mark = OxmlElement("w:rPr")
    sz = OxmlElement("w:sz")
    sz.set(qn("w:val"), "2")
    mark.append(sz)
    ppr.append(mark)
    # pPr children must follow the schema order: pBdr before spacing/ind/jc, rPr last.
    spacing, ind = ppr.find(qn("w:spacing")), ppr.find(qn("w:ind"))
    first = next((el for el in (spacing, ind) if el is not None), None)
    if first is not None:
        first.addprevious(borders)
    return p


def _borders(table, value: str) -> None:
    """Set every table border to ``value`` ("nil" for the layout tables, "single" for data tables)."""
    tbl_pr = table._tbl.tblPr
    old = tbl_pr.find(qn("w:tblBorders"))
    if old is not None:
        tbl_pr.remove(old)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), value)
        if value != "nil":
            el.set(qn("w:sz"), "4")
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "auto")
        borders.append(el)
    # Schema order inside tblPr: tblStyle, ..., tblW, jc, ..., tblBorders, ..., tblLayout, ...
    anchor = None
    for tag in ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook"):
        anchor = tbl_pr.find(qn(tag))
        if anchor is not None:
            break
    if anchor is not None:
        anchor.addprevious(borders)
    else:
        tbl_pr.append(borders)


def _table(doc, widths_mm: Sequence[float], *, bordered: bool):
    table = doc.add_table(rows=0, cols=len(widths_mm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _borders(table, "single" if bordered else "nil")
    # A fixed layout needs an explicit total width, or some viewers shrink the table to its content.
    tbl_w = table._tbl.tblPr.find(qn("w:tblW"))
    if tbl_w is not None:
        tbl_w.set(qn("w:type"), "dxa")
        tbl_w.set(qn("w:w"), str(Mm(sum(widths_mm)).twips))
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    return table


def _build_row(table, values: list[str], widths_mm, *, header=False, size: float = 13, aligns=None):
    row = table.add_row()
    if header:
        # Repeat the header row on every page the table runs over.
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:tblHeader"))
    for i, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
        cell.width = Mm(widths_mm[i])
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        align = WD_ALIGN_PARAGRAPH.CENTER if header or aligns is None else aligns[i]
        p = cell.paragraphs[0]
        p.alignment = align
        lines = str(value).split("\n")
        _run(p, lines[0], bold=header, size=size)
        for extra in lines[1:]:
            q = cell.add_paragraph()
            q.alignment = align
            _run(q, extra, italic=True, size=size)
    return row


@functools.lru_cache(maxsize=32)
def _row_prototype(widths_mm: tuple, header: bool, size: float, aligns: tuple | None):
    """A row of one-line cells built the python-docx way, to be copied: building each of a synthesis's thousands of
    rows cell by cell through python-docx's schema lookups took most of the DOCX export (bench/bench_scheduler.py)."""
    table = Document().add_table(rows=0, cols=len(widths_mm))
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    return _build_row(table, ["x"] * len(widths_mm), widths_mm, header=header, size=size, aligns=aligns)._tr


def _row(table, values: list[str], widths_mm: Sequence[float], *, header=False, size: float = 13,
         aligns: list | None = None):
    """A table row, one cell per value; a value's further lines become italic paragraphs of its cell."""
    texts = [safe_text(value) for value in values]
    if any(ch in text for text in texts for ch in "\t\n\r"):
        return _build_row(table, texts, widths_mm, header=header, size=size, aligns=aligns)
    tr = copy.deepcopy(_row_prototype(tuple(widths_mm), header, size, tuple(aligns) if aligns is not None else None))
    for t, text in zip(list(tr.iter(qn("w:t"))), texts, strict=False):
        if not text:
            t.getparent().remove(t)
            continue
        t.text = text
        if len(text.strip()) < len(text):
            t.set(qn("xml:space"), "preserve")
    table._tbl.append(tr)
    return _Row(tr, table)


def _page_number_header(section) -> None:
    """Decree 30: the page number is centred in the top margin and not shown on the first page."""
    section.different_first_page_header_footer = True
    # An explicit, empty first-page header (rather than none at all) keeps page 1 blank in every viewer.
    section.first_page_header.is_linked_to_previous = False
    header = section.header
    header.is_linked_to_previous = False
    p = header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER

    def field_char(kind: str):
        run = p.add_run()
        run.font.size = Pt(14)
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)
        return run

    field_char("begin")
    instr_run = p.add_run()
    instr_run.font.size = Pt(14)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    instr_run._r.append(instr)
    field_char("separate")
    field_char("end")


# --------------------------------------------------------------------------- DOCX

# Decree 30, Appendix I: A4 portrait; margins top/bottom 20–25 mm, left 30–35 mm, right 15–20 mm.
PAGE_W, PAGE_H = 210, 297
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 20, 20, 30, 15
TEXT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT  # 165 mm
# Header/closing block: the agency side is narrower than the motto side.
BLOCK_W = [65, TEXT_W - 65]
HEADER_SIZE = 13  # Decree 30: the header block is set in 12–13 pt


def _margin(mm: float) -> Twips:
    """A margin of at least ``mm``: Word stores whole twips, and 15 mm (850.4 tw) would round to
    850 tw, i.e. just under the Decree's minimum."""
    return Twips(math.ceil(mm * 1440 / 25.4))


def synthesis_docx(content: dict, narrative: dict, *, doc_number: str = "",
                   signed_on: datetime.date | None = None, signer: str = "",
                   signer_title: str = "GIÁM ĐỐC") -> bytes:
    """The DFA's synthesis report to the Provincial People's Committee as a Decree 30 DOCX."""
    narrative = narrative or {}
    day = signed_on or datetime.date.today()
    plan = content.get("plan", {})
    year = content.get("year")

    doc = Document()
    _setup_styles(doc)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(PAGE_W), Mm(PAGE_H)
    section.top_margin, section.bottom_margin = _margin(MARGIN_TOP), _margin(MARGIN_BOTTOM)
    section.left_margin, section.right_margin = _margin(MARGIN_LEFT), _margin(MARGIN_RIGHT)
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    _page_number_header(section)

    _header_block(doc, doc_number, day)
    _title(doc, plan, year)
    _part_results(doc, content, narrative)
    _part_reporting(doc, content)
    _part_difficulties(doc, content)
    _body(doc, "IV. ĐÁNH GIÁ CHUNG", bold=True)
    for text in _paragraphs(narrative.get("assessment")):
        _body(doc, text)
    _body(doc, "V. KIẾN NGHỊ, ĐỀ XUẤT", bold=True)
    for text in _paragraphs(narrative.get("proposals")):
        _body(doc, text)
    _closing_block(doc, signer, signer_title)

    # Fixed metadata: nothing time-dependent except the signing date the caller chose.
    props = doc.core_properties
    props.title = safe_text(f"Báo cáo kết quả thực hiện Kế hoạch số {plan.get('number', '')} năm {year}")
    props.subject = safe_text(plan.get("title"))[:255]  # the core property holds at most 255 characters
    props.author = "Sở Ngoại vụ tỉnh Thanh Hóa"
    props.last_modified_by = "Sở Ngoại vụ tỉnh Thanh Hóa"
    props.language = "vi-VN"
    props.keywords = "Kế hoạch 119; ngoại giao kinh tế; báo cáo tổng hợp"
    props.comments = ""
    props.revision = 1
    props.created = props.modified = datetime.datetime.combine(day, datetime.time())

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


DOC_SYMBOL = "BC-SNgV"  # ký hiệu: a report (BC) of the DFA (SNgV), Decree 30/2020/NĐ-CP, Appendix III


def number_line(doc_number: str | None) -> str:
    """"Số: 245/BC-SNgV": the symbol is written once, whether the officer typed "245" or "245/BC-SNgV". An unnumbered
    draft keeps room for the number the clerk (văn thư) writes in at registration."""
    number = (doc_number or "").strip()
    if not number:
        return f"Số:       /{DOC_SYMBOL}"
    return f"Số: {number}" if "/" in number else f"Số: {number}/{DOC_SYMBOL}"


def _header_block(doc, doc_number: str, day: datetime.date) -> None:
    """Decree 30 header: issuing agency (left) and national motto (right), number and date below.

    Two rows so that "Số: …" and the date line always sit on the same baseline, whatever the
    height of the names above them.
    """
    table = _table(doc, BLOCK_W, bordered=False)
    top, bottom = table.add_row(), table.add_row()
    for row in (top, bottom):
        for cell, width in zip(row.cells, BLOCK_W, strict=True):
            cell.width = Mm(width)

    left = top.cells[0]
    left.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    # Governing body in regular capitals, issuing agency in bold capitals.
    _run(left.paragraphs[0], "UBND TỈNH THANH HÓA", size=HEADER_SIZE)
    _line(left, "SỞ NGOẠI VỤ", bold=True, size=HEADER_SIZE)
    _rule(left, width_mm=18, box_mm=BLOCK_W[0], space_before=1)

    right = top.cells[1]
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(right.paragraphs[0], "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=HEADER_SIZE)
    _line(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=HEADER_SIZE)
    _rule(right, width_mm=60, box_mm=BLOCK_W[1], space_before=1)

    p = bottom.cells[0].paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = Pt(6)
    _run(p, number_line(doc_number), size=HEADER_SIZE)

    p = bottom.cells[1].paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = Pt(6)
    _run(p, vn_date_line(PROVINCE, day), italic=True, size=HEADER_SIZE)


def _title(doc, plan: dict, year) -> None:
    """Decree 30: document type in bold capitals, the subject line (trích yếu) bold below, then a short rule."""
    _line(doc, "BÁO CÁO", bold=True, size=14, space_before=18)
    issued = _citation_date(plan.get("issued_on"))
    subject = f"Kết quả thực hiện Kế hoạch số {plan.get('number', '')}"
    if issued:
        subject += f" ngày {issued}"
    subject += f" của UBND tỉnh năm {year}"
    _line(doc, subject, bold=True, size=14)
    _rule(doc, width_mm=45, box_mm=TEXT_W, space_before=2)


def _part_results(doc, content: dict, narrative: dict) -> None:
    _body(doc, "I. KẾT QUẢ THỰC HIỆN", bold=True)
    intro = _paragraphs(narrative.get("introduction"))
    if not intro:
        # Default opening so that an un-edited draft still reads as a report.
        plan, period = content.get("plan", {}), content.get("period", {})
        text = (f"Thực hiện Kế hoạch số {plan.get('number', '')} ngày {_citation_date(plan.get('issued_on'))} "
                f"của UBND tỉnh, Sở Ngoại vụ tổng hợp kết quả thực hiện năm {content.get('year')}")
        if period.get("covers_from") and period.get("covers_to"):
            text += f" (số liệu từ ngày {_dmy(period['covers_from'])} đến ngày {_dmy(period['covers_to'])})"
        intro = [text + " như sau:"]
    for text in intro:
        _body(doc, text)

    for group in content.get("groups", []):
        _body(doc, f"{group['code']}. {group['title']}", bold=True)
        for task in group.get("tasks", []):
            _body(doc, f"{task['code']}. {task['title']}", bold=True, italic=True)
            for entry in task.get("entries", []):
                results = _paragraphs(entry.get("results"))
                if not results:
                    continue
                role = ROLE.get(entry.get("role"), "phối hợp")
                _body(doc, f"- {entry['agency']} ({role}): {results[0]}")
                for more in results[1:]:
                    _body(doc, more)
            counts = task.get("counts", {})
            parts = [f"{label} {counts.get(key, 0)}" for key, label in PROGRESS_LINE]
            _body(doc, "Tiến độ: " + "; ".join(parts), italic=True)


COMPLETENESS_ROWS = [
    ("Số đơn vị phải báo cáo", "expected", False),
    ("Đã gửi báo cáo", "submitted", False),
    ("Đúng hạn", "on_time", False),
    ("Chậm hạn", "late", False),
    ("Chưa gửi", "missing", False),
    ("Đã tiếp nhận", "accepted", False),
    ("Trả lại chỉnh sửa", "returned", False),
    ("Tỷ lệ báo cáo (%)", "reporting_rate", True),
    ("Tỷ lệ báo cáo đúng hạn (%)", "on_time_rate", True),
]


def _part_reporting(doc, content: dict) -> None:
    _body(doc, "II. TÌNH HÌNH BÁO CÁO CỦA CÁC CƠ QUAN, ĐƠN VỊ", bold=True)
    completeness = content.get("completeness", {})
    widths = [115, 50]
    table = _table(doc, widths, bordered=True)
    _row(table, ["Chỉ tiêu", "Số liệu"], widths, header=True)
    for label, key, is_rate in COMPLETENESS_ROWS:
        value = completeness.get(key)
        shown = _percent(value) if is_rate else str(value if value is not None else 0)
        _row(table, [label, shown], widths, aligns=[WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER])

    voluntary = completeness.get("voluntary_submitted") or 0
    if voluntary:
        _body(doc, f"Ngoài ra, có {voluntary} cơ quan, đơn vị không thuộc diện phải báo cáo đã gửi báo cáo.")

    missing = content.get("missing", [])
    if missing:
        _body(doc, f"Các cơ quan, đơn vị chưa gửi báo cáo ({len(missing)}): {', '.join(missing)}.")
    else:
        _body(doc, "Tất cả các cơ quan, đơn vị phải báo cáo đã gửi báo cáo.")
    late = content.get("late", [])
    if late:
        names = ", ".join(f"{item['name']} ({item['days_late']} ngày)" for item in late)
        _body(doc, f"Các cơ quan, đơn vị gửi báo cáo chậm hạn ({len(late)}): {names}.")
    else:
        _body(doc, "Không có cơ quan, đơn vị gửi báo cáo chậm hạn.")

    agencies = content.get("agencies", [])
    if not agencies:
        return
    _body(doc, "Chi tiết tình hình báo cáo của từng cơ quan, đơn vị:")
    widths = [15, 60, 40, 27, 23]  # "STT" fits on one line at 13 pt
    table = _table(doc, widths, bordered=True)
    _row(table, ["STT", "Cơ quan, đơn vị", "Trạng thái", "Ngày gửi", "Số ngày chậm"], widths, header=True)
    c, left = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    for i, agency in enumerate(agencies, 1):
        name = agency["name"]
        if not agency.get("expected", True):
            name += f"\n({VOLUNTARY_MARK})"
        status = REPORT_STATUS.get(agency.get("status") or "draft", agency.get("status"))
        days = agency.get("days_late") or 0
        _row(table, [str(i), name, status, _dmy(agency.get("submitted_at")), str(days) if days > 0 else ""],
             widths, aligns=[c, left, left, c, c])


def _part_difficulties(doc, content: dict) -> None:
    _body(doc, "III. KHÓ KHĂN, VƯỚNG MẮC VÀ KIẾN NGHỊ", bold=True)
    items = content.get("difficulties", [])
    if not items:
        _body(doc, "Các cơ quan, đơn vị không báo cáo khó khăn, vướng mắc, kiến nghị.")
        return
    widths = [15, 35, 20, 60, 35]
    table = _table(doc, widths, bordered=True)
    _row(table, ["STT", "Cơ quan", "Nhiệm vụ", "Nội dung", "Trạng thái"], widths, header=True)
    c, left = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    for i, item in enumerate(items, 1):
        kind = "Kiến nghị" if item.get("kind") == "proposal" else "Khó khăn"
        text = f"{kind}: {item.get('title', '')}"
        response = (item.get("response") or "").strip()
        if response:
            text += f"\nPhản hồi: {' '.join(_paragraphs(response))}"
        status = DIFFICULTY_STATUS.get(item.get("status"), item.get("status") or "")
        _row(table, [str(i), item.get("agency", ""), item.get("task") or "", text, status], widths,
             aligns=[c, left, c, left, left])


def _closing_block(doc, signer: str, signer_title: str) -> None:
    """Decree 30: recipients ("Nơi nhận") bottom left, signature block bottom right."""
    _line(doc)
    table = _table(doc, BLOCK_W, bordered=False)
    row = table.add_row()
    for cell, width in zip(row.cells, BLOCK_W, strict=True):
        cell.width = Mm(width)
    left, right = row.cells

    # "Nơi nhận:" 12 pt bold italic, the list 11 pt; the file copy goes to the clerk (VT) and the
    # drafting division (HTQT: international cooperation).
    p = left.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.LEFT
    _run(p, "Nơi nhận:", bold=True, italic=True, size=12)
    for recipient in ("- UBND tỉnh (để b/c);",
                      "- Các sở, ban, ngành, UBND các huyện, thị xã, thành phố;",
                      "- Lưu: VT, HTQT."):
        _line(left, recipient, align=WD_ALIGN_PARAGRAPH.LEFT, size=11)

    # Signing authority: the director signs as "GIÁM ĐỐC"; a deputy signs on the director's behalf
    # ("KT." = ký thay) and anyone else by the director's order ("TL." = thừa lệnh), the authority
    # line first and the signer's own title below.
    title = (signer_title or "GIÁM ĐỐC").strip().upper()
    p = right.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if title == "GIÁM ĐỐC":
        _run(p, title, bold=True, size=14)
    else:
        authority = "KT. GIÁM ĐỐC" if title.startswith("PHÓ GIÁM ĐỐC") else "TL. GIÁM ĐỐC"
        _run(p, authority, bold=True, size=14)
        _line(right, title, bold=True, size=14)
    for _ in range(4):  # room for the signature and the seal
        _line(right, "", size=14)
    _line(right, (signer or "").strip(), bold=True, size=14)


# --------------------------------------------------------------------------- XLSX

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="top", wrap_text=True)
DATE_FORMAT = "DD/MM/YYYY"
SHEET_REPORTING = "Tình hình báo cáo"
SHEET_PROGRESS = "Tiến độ nhiệm vụ"
SHEET_DIFFICULTIES = "Khó khăn, kiến nghị"


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
        ])
    _sheet_table(ws, ["STT", "Mã", "Cơ quan, đơn vị", "Loại", "Diện báo cáo", "Trạng thái", "Ngày gửi",
                      "Số ngày chậm", "Phiên bản"],
                 [6, 10, 40, 22, 16, 22, 13, 12, 10], rows, wrap_cols=(2,), date_cols=(6,))
    completeness = content.get("completeness", {})
    summary = [(label, completeness.get(key), is_rate) for label, key, is_rate in COMPLETENESS_ROWS]
    summary.insert(7, ("Chờ xem xét", completeness.get("waiting"), False))
    summary.append(("Gửi tự nguyện (không thuộc diện phải báo cáo)", completeness.get("voluntary_submitted"), False))
    # Columns K:L, one blank column after the agency table so they stay outside its autofilter range.
    _sheet_table(ws, ["Chỉ tiêu", "Số liệu"], [40, 12], [[label, value] for label, value, _ in summary],
                 col=11, wrap_cols=(0,), filtered=False)
    for i, (_, _, is_rate) in enumerate(summary, 2):
        if is_rate:
            ws.cell(row=i, column=12).number_format = "0.0"
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

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
