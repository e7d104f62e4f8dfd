"""The pieces of an administrative document per Decree 30/2020/NĐ-CP, shared by every DOCX the app writes.

Decree 30 on administrative documents (Appendix I, the layout of an administrative document): A4 portrait, fixed
margins, Times New Roman, the two-column header block (issuing agency under its governing body | national motto),
the number line ("Số: 245/BC-SNgV"), the place/date line, the title and subject line, body paragraphs, the
"Nơi nhận" / signature block, and the page number centred in the top margin from page 2 on. The DFA's provincial
synthesis (reporting.synthesis.documents) and each agency's own report (reporting.cycle.document) are both built
from these functions, so a rule of the Decree is written once. The comments marked "Decree 30" say which rule a
piece of layout implements, so nobody "tidies" it away.

Pure functions of their arguments (no database, no clock): the same input always yields the same document text.
Every piece of text goes through the one sanitiser (agencies/text.py) on its way into the file.
"""
from __future__ import annotations

import copy
import datetime
import functools
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

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

from agencies.text import safe_text

FONT = "Times New Roman"
PROVINCE = "Thanh Hóa"


# --------------------------------------------------------------------------- small formatters

def vn_date_line(place: str, day: datetime.date) -> str:
    """The place/date line of an administrative document, e.g. "Thanh Hóa, ngày 05 tháng 11 năm 2024".

    Decree 30, Appendix I: days below 10 and the months 1 and 2 take a leading zero (so that
    "1" cannot later be turned into "11" or "12"); every other number is written as is ("tháng 3").
    """
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def paragraphs(text: str | None) -> list[str]:
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


def add_run(paragraph, text: str, *, bold=False, italic=False, size: float | None = None):
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


def add_line(container, text: str = "", *, align=WD_ALIGN_PARAGRAPH.CENTER, bold=False, italic=False,
          size: float | None = None, space_before: float = 0):
    """A plain single-run paragraph (header block, title, tables, signature)."""
    p = container.add_paragraph()
    p.alignment = align
    p.paragraph_format.space_before = Pt(space_before)
    p.paragraph_format.space_after = Pt(0)
    if text:
        add_run(p, text, bold=bold, italic=italic, size=size)
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


def add_body(doc, text: str = "", *, bold=False, italic=False):
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
        add_run(paragraph, text, bold=bold, italic=italic)
    return paragraph


def add_rule(container, *, width_mm: float, box_mm: float, space_before: float = 0):
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


def add_table(doc, widths_mm: Sequence[float], *, bordered: bool):
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
        add_run(p, lines[0], bold=header, size=size)
        for extra in lines[1:]:
            q = cell.add_paragraph()
            q.alignment = align
            add_run(q, extra, italic=True, size=size)
    return row


@functools.lru_cache(maxsize=32)
def _row_prototype(widths_mm: tuple, header: bool, size: float, aligns: tuple | None):
    """A row of one-line cells built the python-docx way, to be copied: building each of a synthesis's thousands of
    rows cell by cell through python-docx's schema lookups took most of the DOCX export (bench/bench_scheduler.py)."""
    table = Document().add_table(rows=0, cols=len(widths_mm))
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    return _build_row(table, ["x"] * len(widths_mm), widths_mm, header=header, size=size, aligns=aligns)._tr


def add_row(table, values: list[str], widths_mm: Sequence[float], *, header=False, size: float = 13,
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



# --------------------------------------------------------------------------- the page

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



def new_document():
    """An empty A4 portrait document with the Decree's margins, fonts and page numbers."""
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
    return doc


def document_bytes(doc, *, title: str, subject: str, author: str, keywords: str, day: datetime.date) -> bytes:
    """The file, with fixed metadata: nothing time-dependent except the signing date the caller chose."""
    props = doc.core_properties
    props.title = safe_text(title)
    props.subject = safe_text(subject)[:255]  # the core property holds at most 255 characters
    props.author = props.last_modified_by = safe_text(author)
    props.language = "vi-VN"
    props.keywords = safe_text(keywords)
    props.comments = ""
    props.revision = 1
    props.created = props.modified = datetime.datetime.combine(day, datetime.time())
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- who issues the document

@dataclass(frozen=True)
class Issuer:
    """The issuing agency as the header and the signature block name it.

    Decree 30, Appendix I, II.3: the issuing agency's name in bold capitals, under the name of its direct governing
    body (cơ quan chủ quản trực tiếp) in regular capitals where it has one. II.7: the head signs under their title; a
    collective body (a People's Committee) signs "TM." (on behalf of) the committee above it.
    """

    name_lines: tuple[str, ...]  # ("SỞ CÔNG THƯƠNG",) or ("ỦY BAN NHÂN DÂN", "HUYỆN ĐÔNG SƠN")
    symbol: str  # the agency's part of the document symbol: BC-<symbol>
    head: str  # the head's title: "GIÁM ĐỐC", "CHỦ TỊCH" …
    governing_body: str = ""  # "UBND TỈNH THANH HÓA"; empty where the agency has no governing body
    collective: str = ""  # "TM. ỦY BAN NHÂN DÂN" for a People's Committee


PEOPLES_COMMITTEE = "Ủy ban nhân dân"
# Kinds of agency that are a People's Committee (UBND): collective bodies with no governing body in their heading.
PEOPLES_COMMITTEE_KINDS = ("district", "commune", "provincial_committee")
# Heads whose title is not the default of their kind, told by the first words of the agency's name.
HEAD_BY_NAME = (("Ban ", "TRƯỞNG BAN"), ("Thanh tra", "CHÁNH THANH TRA"), ("Văn phòng", "CHÁNH VĂN PHÒNG"))


def issuer_of(*, kind: str, name: str, code: str) -> Issuer:
    """The heading and the signing authority of an agency of the province, by its kind (agencies.models.AgencyKind).

    - A provincial department or unit answers to the Provincial People's Committee: "UBND TỈNH THANH HÓA" above its
      name; its director signs ("GIÁM ĐỐC"; "TRƯỞNG BAN" for a board, "CHÁNH THANH TRA", "CHÁNH VĂN PHÒNG").
    - A People's Committee (of a district or commune, or of the province) is a state body of its own level: as on
      every document it issues, its name stands alone in two lines ("ỦY BAN NHÂN DÂN" / "HUYỆN ĐÔNG SƠN") with no
      governing body above it, and it signs "TM. ỦY BAN NHÂN DÂN" / "CHỦ TỊCH"; its symbol is "UBND".
    - Mass organisations and business associations are not under the People's Committee (the plan requests, not
      orders, them: IV.3–IV.4): their name alone, signed by their chair ("CHỦ TỊCH", "TRƯỞNG BAN" for a board).
    """
    name = " ".join(safe_text(name).split())
    if kind in PEOPLES_COMMITTEE_KINDS:
        level = name[len(PEOPLES_COMMITTEE):].strip() if name.lower().startswith(PEOPLES_COMMITTEE.lower()) else name
        return Issuer(name_lines=(PEOPLES_COMMITTEE.upper(), level.upper()), symbol="UBND", head="CHỦ TỊCH",
                      collective=f"TM. {PEOPLES_COMMITTEE.upper()}")
    head = next((title for start, title in HEAD_BY_NAME if name.startswith(start)),
                "GIÁM ĐỐC" if kind == "department" else "CHỦ TỊCH")
    governing = f"UBND TỈNH {PROVINCE.upper()}" if kind == "department" else ""
    return Issuer(name_lines=(name.upper(),), symbol=safe_text(code).upper(), head=head, governing_body=governing)


def number_line(doc_number: str | None, symbol: str) -> str:
    """"Số: 245/BC-SNgV": the symbol is written once, whether the officer typed "245" or "245/BC-SNgV". An unnumbered
    document keeps room for the number the clerk (văn thư) writes in at registration."""
    number = " ".join(safe_text(doc_number).split())
    if not number:
        return f"Số:       /{symbol}"
    return f"Số: {number}" if "/" in number else f"Số: {number}/{symbol}"


def add_header_block(doc, *, issuer: Issuer, number: str, day: datetime.date) -> None:
    """Decree 30 header: issuing agency (left) and national motto (right), the number line and the place/date line
    below.

    Two rows so that "Số: …" and the date line always sit on the same baseline, whatever the height of the names
    above them. ``number`` is the whole number line (see number_line).
    """
    table = add_table(doc, BLOCK_W, bordered=False)
    top, bottom = table.add_row(), table.add_row()
    for row in (top, bottom):
        for cell, width in zip(row.cells, BLOCK_W, strict=True):
            cell.width = Mm(width)

    left = top.cells[0]
    first = left.paragraphs[0]
    first.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # Governing body in regular capitals, issuing agency in bold capitals.
    lines = list(issuer.name_lines)
    if issuer.governing_body:
        add_run(first, issuer.governing_body, size=HEADER_SIZE)
    else:
        add_run(first, lines.pop(0), bold=True, size=HEADER_SIZE)
    for text in lines:
        add_line(left, text, bold=True, size=HEADER_SIZE)
    # Decree 30: the rule under the name is 1/3–1/2 as long as it (13 pt capitals are about 2.7 mm wide).
    longest = max(len(text) for text in issuer.name_lines)
    add_rule(left, width_mm=min(max(longest * 0.9, 18), 30), box_mm=BLOCK_W[0], space_before=1)

    right = top.cells[1]
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_run(right.paragraphs[0], "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=HEADER_SIZE)
    add_line(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=HEADER_SIZE)
    add_rule(right, width_mm=60, box_mm=BLOCK_W[1], space_before=1)

    p = bottom.cells[0].paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = Pt(6)
    add_run(p, number, size=HEADER_SIZE)

    p = bottom.cells[1].paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_before = Pt(6)
    add_run(p, vn_date_line(PROVINCE, day), italic=True, size=HEADER_SIZE)


def add_title(doc, subject: str, *, draft: bool = False) -> None:
    """Decree 30: the document type in bold capitals, the subject line (trích yếu) bold below, then a short rule.
    A draft says so above the title ("DỰ THẢO"), so that nobody signs it by mistake."""
    if draft:
        add_line(doc, "DỰ THẢO", bold=True, size=14, space_before=12)
    add_line(doc, "BÁO CÁO", bold=True, size=14, space_before=6 if draft else 18)
    add_line(doc, subject, bold=True, size=14)
    add_rule(doc, width_mm=45, box_mm=TEXT_W, space_before=2)


def signature_lines(head: str, signer_title: str = "", collective: str = "") -> list[str]:
    """The authority lines above the signature (Decree 30, Appendix I, II.7).

    The head signs under their own title; a deputy ("PHÓ GIÁM ĐỐC") signs on the head's behalf ("KT." = ký thay) and
    anyone else by the head's order ("TL." = thừa lệnh), the authority line first and the signer's own title below;
    a collective body's line ("TM. ỦY BAN NHÂN DÂN") comes first of all.
    """
    title = " ".join(safe_text(signer_title or head).split()).upper()
    lines = [collective] if collective else []
    if title == head:
        return [*lines, head]
    authority = f"KT. {head}" if title.startswith(f"PHÓ {head}") else f"TL. {head}"
    return [*lines, authority, title]


def add_closing_block(doc, *, recipients: Sequence[str], authority: Sequence[str], signer: str = "") -> None:
    """Decree 30: recipients ("Nơi nhận") bottom left, signature block bottom right."""
    add_line(doc)
    table = add_table(doc, BLOCK_W, bordered=False)
    row = table.add_row()
    for cell, width in zip(row.cells, BLOCK_W, strict=True):
        cell.width = Mm(width)
    left, right = row.cells

    # "Nơi nhận:" 12 pt bold italic, the list 11 pt.
    p = left.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.LEFT
    add_run(p, "Nơi nhận:", bold=True, italic=True, size=12)
    for recipient in recipients:
        add_line(left, recipient, align=WD_ALIGN_PARAGRAPH.LEFT, size=11)

    p = right.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    first, *more = authority
    add_run(p, first, bold=True, size=14)
    for text in more:
        add_line(right, text, bold=True, size=14)
    for _ in range(4):  # room for the signature and the seal
        add_line(right, "", size=14)
    add_line(right, " ".join(safe_text(signer).split()), bold=True, size=14)
