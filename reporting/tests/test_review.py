"""Mid-term and final reviews (sơ kết, tổng kết): the span rules, the figures per year and over the span, the
difficulties that persisted, the DOCX and XLSX, the command and the page.

The cast's small plan (conftest.py) runs 2024–2026: 2024–2025 is a mid-term review, 2024–2026 the final one."""
import io
from decimal import Decimal
from io import StringIO

import docx
import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from agencies.tests.factories import staff_of
from plan119.testing import at
from reporting.cycle.services import ReportingError, report_open
from reporting.difficulties.services import difficulty_raise
from reporting.synthesis.review import review_content, review_span_check
from reporting.synthesis.review_documents import SHEET_INDICATORS, review_docx, review_title, review_xlsx
from reporting.tests.test_indicator_figures import give

pytestmark = pytest.mark.django_db


def _section_difficulty(report, code, text):
    section = report.sections.get(task__code=code)
    section.difficulties = text
    section.save()


@pytest.fixture
def history(small_plan, small_periods, small_indicators):
    """Two years of reports: 2024 and 2025 from the lead and the co-operating departments (and the requested
    organisation in 2025); 2026 not opened. The lead reports a difficulty on 1.1 in both years (in its report in
    2024, as a Difficulty record in 2025); the co-operating department one on 2.2 in 2024 only."""
    ind = small_indicators
    lead, coop, org = (staff_of(a, username=a.code) for a in (small_plan.lead, small_plan.co_operating,
                                                              small_plan.requested))
    with at(2024, 10, 20):
        r_lead = report_open(period=small_periods[2024], agency=small_plan.lead)
        r_coop = report_open(period=small_periods[2024], agency=small_plan.co_operating)
        _section_difficulty(r_lead, "1.1", "Thiếu kinh phí")
        give(r_lead, lead, {("1.1", "events"): "3", ("1.1", "capital"): "1000.5", ("2.1", "events"): "1"}, ind)
        _section_difficulty(r_coop, "2.2", "Thiếu phiên dịch")
        give(r_coop, coop, {("1.1", "events"): "2", ("2.2", "share"): "40"}, ind)
    with at(2025, 10, 20):
        r_lead = report_open(period=small_periods[2025], agency=small_plan.lead)
        r_coop = report_open(period=small_periods[2025], agency=small_plan.co_operating)
        r_org = report_open(period=small_periods[2025], agency=small_plan.requested)
        give(r_lead, lead, {("1.1", "events"): "5", ("1.1", "capital"): "234"}, ind)
        give(r_coop, coop, {("1.1", "events"): "1", ("2.2", "share"): "70"}, ind)
        give(r_org, org, {("1.1", "events"): "100"}, ind)  # voluntary: never in the totals
        difficulty_raise(agency=small_plan.lead, task=small_plan.tasks["1.1"], kind="difficulty",
                         title="Thiếu kinh phí xúc tiến", text="…", user=lead)
    return small_plan


def indicator(content, task, code):
    tasks = {t["code"]: t for g in content["groups"] for t in g["tasks"]}
    return next(i for i in tasks[task]["indicators"] if i["code"] == code)


# --- the span ---

def test_a_review_covers_the_plans_years_first_no_later_than_last(small_plan):
    plan = small_plan.plan
    review_span_check(plan, 2024, 2026)
    review_span_check(plan, 2025, 2025)
    for first, last in ((2023, 2025), (2024, 2027), (2026, 2024)):
        with pytest.raises(ReportingError):
            review_span_check(plan, first, last)
    with pytest.raises(ReportingError, match="2024"):
        review_content(plan, 2025, 2024)


def test_mid_term_and_final_titles(small_plan):
    plan = small_plan.plan
    mid, final = review_content(plan, 2024, 2025), review_content(plan, 2024, 2026)
    assert (mid["kind"], final["kind"]) == ("mid_term", "final")
    assert review_title(mid) == ("Sơ kết 2 năm thực hiện Kế hoạch số 7/KH-TEST ngày 1/3/2024 của UBND tỉnh "
                                 "giai đoạn 2024 - 2025")
    assert review_title(final).startswith("Tổng kết 3 năm") and review_title(final).endswith("giai đoạn 2024 - 2026")
    assert review_title(review_content(plan, 2025, 2025)).endswith("năm 2025")


# --- the figures ---

def test_figures_per_year_and_over_the_span(history):
    content = review_content(history.plan, 2024, 2026)
    events = indicator(content, "1.1", "events")
    assert events["by_year"] == {2024: 5, 2025: 6, 2026: None}  # the requested organisation's 100 stays apart
    assert events["total"] == 11  # a sum adds the years
    capital = indicator(content, "1.1", "capital")
    assert capital["by_year"][2024] == Decimal("1000.5") and capital["total"] == Decimal("1234.5")
    share = indicator(content, "2.2", "share")
    assert share["total"] == 70  # the largest of 40 and 70
    progress = {t["code"]: t["progress"] for g in content["groups"] for t in g["tasks"]}["1.1"]
    assert [(p["year"], p["expected"], p["reported"], p["in_progress"]) for p in progress] == [
        (2024, 2, 2, 2), (2025, 2, 2, 2)]
    completeness = {c["year"]: c["counts"] for c in content["completeness"]}
    assert completeness[2024]["submitted"] == 2 and completeness[2025]["voluntary_submitted"] == 1
    assert completeness[2026]["expected"] == 0  # opened, nobody has reported yet: no rate rather than 0 %
    assert completeness[2026]["reporting_rate"] is None and completeness[2024]["reporting_rate"] == 100


def test_a_latest_value_takes_the_last_years(history, small_indicators):
    small_indicators["share"].combine = "latest"
    small_indicators["share"].save()
    content = review_content(history.plan, 2024, 2025)
    assert indicator(content, "2.2", "share")["total"] == 70
    assert indicator(review_content(history.plan, 2024, 2024), "2.2", "share")["total"] == 40


def test_difficulties_that_persisted(history):
    persisted = review_content(history.plan, 2024, 2025)["persisted"]
    assert [(p["code"], p["years"], p["agencies"], p["more"]) for p in persisted] == [
        ("1.1", [2024, 2025], ["Sở Thử nghiệm Công Thương"], 0)]  # 2.2 was reported in one year only
    assert review_content(history.plan, 2025, 2026)["persisted"] == []


def test_a_few_agencies_named_then_how_many_more():
    from reporting.synthesis.review_documents import agencies_named

    assert agencies_named({"agencies": ["A", "B", "C"], "more": 4}) == "A, B, C và 4 cơ quan khác"
    assert agencies_named({"agencies": ["A"], "more": 0}) == "A"


def test_queries_do_not_grow_with_the_agencies(history, django_assert_max_num_queries):
    # five for the plan, six per year of the span (reports, versions, catalogue, progress, counts, difficulties)
    with django_assert_max_num_queries(5 + 6 * 3):
        review_content(history.plan, 2024, 2026)


# --- the files ---

def test_docx_title_structure_and_vietnamese_numbers(history):
    body = review_docx(review_content(history.plan, 2024, 2025))
    document = docx.Document(io.BytesIO(body))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "BÁO CÁO\nSơ kết 2 năm thực hiện Kế hoạch số 7/KH-TEST" in text
    for heading in ("I. KẾT QUẢ THỰC HIỆN GIAI ĐOẠN 2024 - 2025", "II. TÌNH HÌNH BÁO CÁO QUA CÁC NĂM",
                    "III. KHÓ KHĂN, VƯỚNG MẮC KÉO DÀI", "Nơi nhận:"):
        assert heading in text or any(heading in c.text for t in document.tables for r in t.rows for c in r.cells)
    assert text.index("I. KẾT") < text.index("II. TÌNH") < text.index("III. KHÓ")
    cells = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    assert ["Năm", "Sự kiện xúc tiến (sự kiện)", "Vốn thu hút (triệu USD)"] in cells
    assert ["Cả giai đoạn", "11", "1.234,5"] in cells
    assert "1.1. Hội nghị xúc tiến: các năm 2024, 2025 (Sở Thử nghiệm Công Thương)." in text
    assert "Tiến độ qua các năm: năm 2024 đang triển khai 2; năm 2025 đang triển khai 2." in text
    assert "Số:" in cells[1][0]  # the Decree 30 header block
    assert ["2024", "2", "2", "2", "0", "0", "100,0", "100,0"] in cells  # reporting per year, Vietnamese decimals


def test_xlsx_totals_are_the_year_columns_combined(history, small_indicators):
    small_indicators["share"].combine = "latest"
    small_indicators["share"].save()
    book = openpyxl.load_workbook(io.BytesIO(review_xlsx(review_content(history.plan, 2024, 2025))))
    assert book.sheetnames == ["Chỉ tiêu", "Tiến độ theo năm", "Tình hình báo cáo", "Khó khăn kéo dài"]
    rows = list(book[SHEET_INDICATORS].iter_rows(values_only=True))
    assert rows[0] == ("Mục", "Nhiệm vụ", "Chỉ tiêu", "Đơn vị", "Cách tính cả giai đoạn", "2024", "2025",
                       "Cả giai đoạn")
    by_name = {(r[0], r[2]): r for r in rows[1:]}
    events = by_name[("1.1", "Sự kiện xúc tiến")]
    assert events[5:] == (5, 6, 11) and events[5] + events[6] == events[7]  # a sum: the years added
    share = by_name[("2.2", "Tỷ lệ kiến nghị được trả lời")]
    assert share[5:] == (40, 70, 70) and share[7] == share[6]  # latest: the last year's
    capital = by_name[("1.1", "Vốn thu hút")]
    assert isinstance(capital[7], float | int) and capital[7] == pytest.approx(1234.5)
    progress = list(book["Tiến độ theo năm"].iter_rows(values_only=True))
    assert ("1.1", "Hội nghị xúc tiến", 2024, 2, 2, 0, 2, 0, 0, 0) in progress
    difficulties = list(book["Khó khăn kéo dài"].iter_rows(values_only=True))
    assert difficulties[1][:5] == ("1.1", "Hội nghị xúc tiến", "2024, 2025", 2, 1)


def test_text_typed_by_agencies_cannot_become_a_formula(history):
    from tasks.models import Task

    Task.objects.filter(code="1.1").update(title="=HYPERLINK(\"http://x\")")
    book = openpyxl.load_workbook(io.BytesIO(review_xlsx(review_content(history.plan, 2024, 2025))))
    cell = book[SHEET_INDICATORS]["B2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


# --- the command ---

def test_export_command_both_forms(history, tmp_path):
    out = StringIO()
    call_command("export_synthesis", "--from", "2024", "--to", "2025", "--format", "docx", "-o",
                 str(tmp_path / "r.docx"), stdout=out)
    assert "r.docx" in out.getvalue()
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "r.docx")).paragraphs)
    assert "Sơ kết 2 năm" in text
    call_command("export_synthesis", "--from", "2024", "--to", "2026", "--format", "xlsx", "-o",
                 str(tmp_path / "r.xlsx"), stdout=StringIO())
    assert openpyxl.load_workbook(tmp_path / "r.xlsx").sheetnames[0] == SHEET_INDICATORS
    # the yearly form keeps working and keeps its own message
    with pytest.raises(CommandError, match="build_synthesis"):
        call_command("export_synthesis", "--year", "2025", "--format", "docx", "-o", str(tmp_path / "x.docx"))


@pytest.mark.parametrize("args", [
    ("--from", "2025", "--to", "2024"),  # backwards
    ("--from", "2020", "--to", "2025"),  # before the plan
    ("--from", "2024"),  # half a span
    ("--to", "2025"),
    ("--year", "2025", "--from", "2024", "--to", "2025"),  # both forms at once
    (),  # neither
])
def test_export_command_refuses_bad_spans(history, tmp_path, args):
    target = tmp_path / "bad.docx"
    with pytest.raises(CommandError):
        call_command("export_synthesis", *args, "--format", "docx", "-o", str(target), stdout=StringIO())
    assert not target.exists()


# --- the page ---

def review_url(fmt="docx", first=2024, last=2025, **extra):
    params = {"first": first, "last": last, "format": fmt, **extra}
    return reverse("review_download") + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def test_page_permissions(client, history, owner, outsider, dfa, viewer, admin):
    response = client.get(review_url())
    assert response.status_code == 302 and "login" in response["Location"]
    for user in (owner, outsider):
        client.force_login(user)
        assert client.get(review_url()).status_code == 403
    for user in (dfa, viewer, admin):
        client.force_login(user)
        response = client.get(review_url())
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
        assert 'filename="so-ket-KH119-2024-2025.docx"' in response["Content-Disposition"]
    response = client.get(review_url("xlsx", 2024, 2026))
    assert response.status_code == 200 and 'filename="tong-ket-KH119-2024-2026.xlsx"' in response["Content-Disposition"]


def test_bad_spans_get_the_form_again_with_a_message(client, history, dfa):
    client.force_login(dfa)
    for url in (review_url(first=2025, last=2024), review_url(first=2020), review_url(first="abc"),
                review_url(fmt="pdf")):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="vi")
        assert response.status_code == 400
        assert 'name="first"' in response.content.decode()
    page = client.get(review_url(first=2025, last=2024), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Năm bắt đầu của kỳ sơ kết, tổng kết (2025) không được sau năm kết thúc (2024)." in page
    page = client.get(review_url(first=2020), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "is-invalid" in page  # 2020 is not one of the plan's years: the field says so
    response = client.get(reverse("review_download"))  # no span yet: just the form
    assert response.status_code == 200 and 'name="last"' in response.content.decode()


def test_the_synthesis_page_offers_the_review_form(client, history, dfa, owner):
    client.force_login(dfa)
    page = client.get(reverse("synthesis", args=[2025])).content.decode()
    assert reverse("review_download") in page and 'name="first"' in page


def test_download_query_count_bounded(client, history, dfa, django_assert_max_num_queries):
    client.force_login(dfa)
    with django_assert_max_num_queries(40):
        assert client.get(review_url("xlsx", 2024, 2026)).status_code == 200
