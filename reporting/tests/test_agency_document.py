"""The agency's own report as a Decree 30 document (issue 13): reporting.cycle.document and its download view.

On the cast's small plan (conftest.py): the owner's department leads 1.1 and 1.2.1 and co-operates on 2.1; the
catalogue (small_indicators) has events (a count) on 1.1 and 2.1 and capital (an amount, lead only) on 1.1.
"""
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document

from plan119.testing import at, fill
from reporting.cycle import services
from reporting.cycle.document import report_document_content, report_docx
from reporting.models import IndicatorValue, ReportVersion, SectionFigure
from reporting.synthesis.decree30 import issuer_of, signature_lines

pytestmark = pytest.mark.django_db

SUBJECT = "Kết quả thực hiện Kế hoạch số 7/KH-TEST ngày 1/3/2024 của UBND tỉnh năm 2025"


def open_docx(data: bytes):
    return Document(io.BytesIO(data))


def body_texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def header_cells(doc) -> list[list[str]]:
    """The header block's cells, row by row, each as its paragraphs' texts (empty ones, the rules, left out)."""
    return [[[p.text for p in cell.paragraphs if p.text] for cell in row.cells] for row in doc.tables[0].rows]


def closing(doc) -> tuple[list[str], list[str]]:
    left, right = doc.tables[-1].rows[0].cells
    return [p.text for p in left.paragraphs if p.text], [p.text for p in right.paragraphs if p.text]


@pytest.fixture
def written(small_report, small_indicators):
    """The owner's report with every kind of content: results, progress, catalogue values, a free-form figure,
    difficulties, proposals, the overall assessment and the plans for next year."""
    fill(small_report)
    section = small_report.sections.get(task__code="1.1")
    section.difficulties = "Thiếu kinh phí tổ chức hội nghị."
    section.proposals = "Đề nghị bố trí thêm kinh phí."
    section.save()
    IndicatorValue.objects.create(section=section, indicator=small_indicators["events"], value=Decimal("1200"))
    IndicatorValue.objects.create(section=section, indicator=small_indicators["capital"], value=Decimal("1234.5"))
    SectionFigure.objects.create(section=section, label="Doanh nghiệp tham gia", value=Decimal("45"),
                                 unit="doanh nghiệp")
    small_report.summary = "Đơn vị hoàn thành tốt các nhiệm vụ được giao."
    small_report.next_year = "Tiếp tục tổ chức hội nghị xúc tiến thương mại."
    small_report.save()
    return small_report


@pytest.fixture
def submitted(written, owner):
    return services.report_submit(report=written, user=owner)


def docx_of(report, **kwargs):
    return open_docx(report_docx(report_document_content(report), **kwargs))


# --- the document's structure ---

def test_header_block_names_the_governing_body_above_the_agency(submitted):
    cells = header_cells(docx_of(submitted, doc_number="12"))
    assert cells[0][0] == ["UBND TỈNH THANH HÓA", "SỞ THỬ NGHIỆM CÔNG THƯƠNG"]
    assert cells[0][1] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    # submitted on 20/10/2025 (the cast's clock): the document is dated the day the DFA received it
    assert cells[1] == [["Số: 12/BC-T-LEAD"], ["Thanh Hóa, ngày 20 tháng 10 năm 2025"]]


@pytest.mark.parametrize("typed,line", [("", "Số:       /BC-T-LEAD"), ("  12 ", "Số: 12/BC-T-LEAD"),
                                        ("12/BC-SCT", "Số: 12/BC-SCT")])
def test_number_line_written_once_whatever_is_typed(submitted, typed, line):
    assert header_cells(docx_of(submitted, doc_number=typed))[1][0] == [line]


def test_title_and_every_task_heading_in_plan_order(submitted):
    texts = body_texts(docx_of(submitted))
    assert texts[texts.index("BÁO CÁO") + 1] == SUBJECT
    headings = [t for t in texts if t[:1].isdigit() and ". " in t]
    assert headings == ["1.1. Hội nghị xúc tiến", "1.2.1. Hội chợ", "2.1. Kết nghĩa"]
    assert "DỰ THẢO" not in texts


def test_body_of_a_task_with_indicators_in_vietnamese_numbers(submitted):
    texts = body_texts(docx_of(submitted))
    start = texts.index("1.1. Hội nghị xúc tiến")
    task = texts[start:texts.index("1.2.1. Hội chợ")]
    assert task == [
        "1.1. Hội nghị xúc tiến",
        "Tiến độ: đang triển khai.",
        "Kết quả: Đã tổ chức 3 hội nghị xúc tiến thương mại. (1.1)",
        "Chỉ tiêu:",
        "- Sự kiện xúc tiến: 1.200 sự kiện",
        "- Vốn thu hút: 1.234,5 triệu USD",
        "Số liệu khác:",
        "- Doanh nghiệp tham gia: 45 doanh nghiệp",
        "Khó khăn, vướng mắc: Thiếu kinh phí tổ chức hội nghị.",
        "Kiến nghị, đề xuất: Đề nghị bố trí thêm kinh phí.",
    ]


def test_assessment_and_plans_for_next_year(submitted):
    texts = body_texts(docx_of(submitted))
    assert texts[texts.index("II. ĐÁNH GIÁ CHUNG") + 1] == "Đơn vị hoàn thành tốt các nhiệm vụ được giao."
    assert texts[texts.index("III. PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2026") + 1] == (
        "Tiếp tục tổ chức hội nghị xúc tiến thương mại.")


def test_recipients_and_signature_of_the_director(submitted):
    recipients, signature = closing(docx_of(submitted, signer="Nguyễn Văn A"))
    assert recipients == ["Nơi nhận:", "- Sở Ngoại vụ (để tổng hợp);", "- Lưu: VT."]
    assert signature == ["GIÁM ĐỐC", "Nguyễn Văn A"]


def test_a_deputy_signs_on_the_directors_behalf(submitted):
    _, signature = closing(docx_of(submitted, signer="Trần Thị B", signer_title="Phó Giám đốc"))
    assert signature == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Trần Thị B"]


def test_page_layout_is_the_synthesis_one(submitted):
    section = docx_of(submitted).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert section.different_first_page_header_footer  # page numbers from page 2 on
    assert "PAGE" in section.header._element.xml


def test_same_content_same_document(submitted):
    content = report_document_content(submitted)
    assert report_docx(content, doc_number="3") == report_docx(content, doc_number="3")


# --- what goes in: the version the DFA has, or the draft ---

def test_a_draft_is_marked_and_dated_today(written):
    with at(2025, 10, 25):
        doc = docx_of(written)
    texts = body_texts(doc)
    assert texts[texts.index("DỰ THẢO") + 1] == "BÁO CÁO"
    assert header_cells(doc)[1][1] == ["Thanh Hóa, ngày 25 tháng 10 năm 2025"]
    assert "Kết quả: Đã tổ chức 3 hội nghị xúc tiến thương mại. (1.1)" in texts


def test_a_submitted_report_shows_its_version_not_later_edits(submitted):
    submitted.sections.filter(task__code="1.1").update(results="Sửa sau khi gửi.")
    content = report_document_content(submitted)
    assert (content["draft"], content["version"]) == (False, 1)
    texts = body_texts(open_docx(report_docx(content)))
    assert "Kết quả: Đã tổ chức 3 hội nghị xúc tiến thương mại. (1.1)" in texts
    assert "Kết quả: Sửa sau khi gửi." not in texts


def test_a_returned_report_is_a_draft_of_its_next_version(submitted, dfa):
    services.report_return(report=submitted, user=dfa, comment="Bổ sung số liệu.")
    submitted.sections.filter(task__code="1.1").update(results="Bản sửa theo góp ý.")
    submitted.refresh_from_db()
    texts = body_texts(docx_of(submitted))
    assert "DỰ THẢO" in texts and "Kết quả: Bản sửa theo góp ý." in texts


def test_an_accepted_report_is_its_last_version(submitted, dfa):
    services.report_accept(report=submitted, user=dfa)
    submitted.refresh_from_db()
    assert report_document_content(submitted)["draft"] is False


def test_tasks_in_plan_order_whatever_order_the_stored_version_keeps(submitted):
    # PostgreSQL's jsonb orders keys by length, then bytes: "2.1" would come before "1.2.1"
    version = ReportVersion.objects.get(report=submitted)
    version.content["sections"] = dict(reversed(list(version.content["sections"].items())))
    version.save()
    texts = body_texts(docx_of(submitted))
    assert [t for t in texts if t[:2] in ("1.", "2.") and ". " in t] == [
        "1.1. Hội nghị xúc tiến", "1.2.1. Hội chợ", "2.1. Kết nghĩa"]


def test_a_version_from_before_indicators_existed_still_makes_a_document(submitted):
    version = ReportVersion.objects.get(report=submitted)
    for section in version.content["sections"].values():
        del section["indicators"]
    del version.content["next_year"]
    version.save()
    texts = body_texts(docx_of(submitted))
    assert "Chỉ tiêu:" not in texts and "(Chưa có phương hướng, nhiệm vụ năm tới.)" in texts


# --- text people typed cannot break it ---

def test_hostile_text_does_not_break_the_document(written):
    long_paragraph = "Hội nghị " * 1250  # 11,250 characters, one paragraph
    section = written.sections.get(task__code="1.1")
    section.results = "=cmd|' /C calc'!A0\n" + long_paragraph.strip()
    section.save()
    # stored before the input rule existed: control characters straight into the database
    type(section).objects.filter(pk=section.pk).update(proposals="Kiến\x01 nghị\x1b\u202e đặc biệt")
    written.refresh_from_db()
    texts = body_texts(docx_of(written, doc_number="1\x0b2", signer="A\x00B"))
    assert "Kết quả: =cmd|' /C calc'!A0" in texts
    assert long_paragraph.strip() in texts
    assert "Kiến nghị, đề xuất: Kiến nghị đặc biệt" in texts


# --- the heading and the signature by kind of agency ---

def test_issuer_of_a_department():
    issuer = issuer_of(kind="department", name="Sở Công Thương", code="SCT")
    assert (issuer.governing_body, issuer.name_lines, issuer.symbol, issuer.head) == (
        "UBND TỈNH THANH HÓA", ("SỞ CÔNG THƯƠNG",), "SCT", "GIÁM ĐỐC")


@pytest.mark.parametrize("name,head", [("Ban Dân tộc", "TRƯỞNG BAN"), ("Thanh tra tỉnh", "CHÁNH THANH TRA"),
                                       ("Văn phòng UBND tỉnh", "CHÁNH VĂN PHÒNG")])
def test_issuer_of_a_department_not_headed_by_a_director(name, head):
    assert issuer_of(kind="department", name=name, code="X").head == head


@pytest.mark.parametrize("kind,name,level", [
    ("district", "Ủy ban nhân dân huyện Đông Sơn", "HUYỆN ĐÔNG SƠN"),
    ("commune", "Ủy ban nhân dân phường Hạc Thành", "PHƯỜNG HẠC THÀNH"),  # a commune-level committee (from 2025)
    ("commune", "Ủy ban nhân dân xã Mường Lát", "XÃ MƯỜNG LÁT"),
    ("provincial_committee", "Ủy ban nhân dân tỉnh Thanh Hóa", "TỈNH THANH HÓA"),
])
def test_issuer_of_a_peoples_committee(kind, name, level):
    issuer = issuer_of(kind=kind, name=name, code="H-X")
    assert (issuer.governing_body, issuer.name_lines, issuer.symbol, issuer.head, issuer.collective) == (
        "", ("ỦY BAN NHÂN DÂN", level), "UBND", "CHỦ TỊCH", "TM. ỦY BAN NHÂN DÂN")


@pytest.mark.parametrize("kind", ["mass_organisation", "business_association"])
def test_issuer_of_a_requested_organisation_has_no_governing_body(kind):
    issuer = issuer_of(kind=kind, name="Hiệp hội Doanh nghiệp tỉnh", code="HHDN")
    assert (issuer.governing_body, issuer.name_lines, issuer.head) == ("", ("HIỆP HỘI DOANH NGHIỆP TỈNH",), "CHỦ TỊCH")


@pytest.mark.parametrize("title,lines", [
    ("", ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]),
    ("Phó Chủ tịch", ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]),
    ("Chánh Văn phòng", ["TM. ỦY BAN NHÂN DÂN", "TL. CHỦ TỊCH", "CHÁNH VĂN PHÒNG"]),
])
def test_signature_of_a_peoples_committee(title, lines):
    assert signature_lines("CHỦ TỊCH", title, "TM. ỦY BAN NHÂN DÂN") == lines


def test_document_of_a_district_committee(submitted):
    content = report_document_content(submitted)
    content["agency"] = {"code": "H-DONGSON", "name": "Ủy ban nhân dân huyện Đông Sơn", "kind": "district"}
    doc = open_docx(report_docx(content, doc_number="5", signer="Lê Văn C"))
    assert header_cells(doc)[0][0] == ["ỦY BAN NHÂN DÂN", "HUYỆN ĐÔNG SƠN"]
    assert header_cells(doc)[1][0] == ["Số: 5/BC-UBND"]
    assert closing(doc)[1] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Lê Văn C"]


# --- the download ---

def url(report, **params):
    return reverse("report_document", args=[report.pk]) + ("?" + "&".join(f"{k}={v}" for k, v in params.items())
                                                          if params else "")


@pytest.mark.parametrize("who,expected", {"owner": 200, "colleague": 200, "outsider": 404, "dfa": 200, "viewer": 200,
                                          "admin": 200}.items())
def test_who_may_download(client, submitted, request, who, expected):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url(submitted)).status_code == expected


def test_anonymous_goes_to_login(client, submitted):
    response = client.get(url(submitted))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_download_is_a_docx_named_after_the_agency(client, submitted, dfa):
    client.force_login(dfa)
    response = client.get(url(submitted, number="12", signer="Nguyễn Văn A"))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert response["Content-Disposition"] == 'attachment; filename="bao-cao-2025-T-LEAD.docx"'
    doc = open_docx(response.content)
    assert header_cells(doc)[1][0] == ["Số: 12/BC-T-LEAD"]
    assert closing(doc)[1] == ["GIÁM ĐỐC", "Nguyễn Văn A"]


def test_draft_download_says_so_in_its_name(client, written, owner):
    client.force_login(owner)
    response = client.get(url(written))
    assert response["Content-Disposition"] == 'attachment; filename="bao-cao-2025-T-LEAD-du-thao.docx"'


def test_a_number_too_long_is_refused_with_a_message(client, submitted, owner):
    client.force_login(owner)
    response = client.get(url(submitted, number="1" * 21), follow=True)
    assert response.redirect_chain[-1][0] == reverse("report_detail", args=[submitted.pk])
    assert "Chưa tạo được văn bản" in response.content.decode()


def test_post_is_not_allowed(client, submitted, owner):
    client.force_login(owner)
    assert client.post(url(submitted)).status_code == 405


@pytest.mark.parametrize("state", ["draft", "submitted"])
def test_query_budget_does_not_grow_with_the_report(client, written, owner, small_indicators, state):
    if state == "submitted":
        services.report_submit(report=written, user=owner)
    client.force_login(owner)
    client.get(url(written))  # session, user and groups warmed up as on any page
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(written)).status_code == 200
    section = written.sections.get(task__code="2.1")
    for i in range(5):
        SectionFigure.objects.create(section=section, label=f"Số liệu {i}", value=i, unit="")
    IndicatorValue.objects.create(section=section, indicator=small_indicators["events"], value=Decimal("7"))
    with CaptureQueriesContext(connection) as more:
        assert client.get(url(written)).status_code == 200
    assert len(few) <= 10, [q["sql"][:80] for q in few.captured_queries]
    assert len(more) == len(few)


def test_links_on_the_report_and_edit_pages(client, written, owner):
    client.force_login(owner)
    link = reverse("report_document", args=[written.pk])
    assert f'action="{link}"' in client.get(reverse("report_detail", args=[written.pk])).content.decode()
    assert f'href="{link}"' in client.get(reverse("report_edit", args=[written.pk])).content.decode()


def test_the_dfa_sees_the_download_on_a_submitted_report(client, submitted, dfa):
    client.force_login(dfa)
    page = client.get(reverse("report_detail", args=[submitted.pk])).content.decode()
    assert reverse("report_document", args=[submitted.pk]) in page
    assert "Phiên bản Sở Ngoại vụ đã nhận" in page


def test_date_of_a_submitted_document_is_in_vietnam_time(written, owner):
    with at(2025, 10, 31, hour=23, minute=30):  # 16:30 UTC, already 31/10 in Thanh Hóa
        report = services.report_submit(report=written, user=owner)
    assert report_document_content(report)["date"] == datetime.date(2025, 10, 31).isoformat()
