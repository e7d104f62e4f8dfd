"""A reorganisation as data (issue 15): a merge and a split in the middle of an open period (drafts, reminders,
dashboards, synthesis), the preview, applying a file twice, file errors. On the cast's small plan (conftest.py):
T-LEAD leads 1.1, 1.2.1 and co-operates on 2.1; T-COOP co-operates on 1.1 and leads 2.1 and 2.2."""
import datetime
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from agencies.models import Agency, User
from agencies.sheets import ImportFileError
from plan119.testing import at, fill
from reporting.cycle import services
from reporting.cycle.reorganisation import reorganisation_apply, reorganisation_file_apply
from reporting.dashboards import metrics
from reporting.models import EventKind, Report
from reporting.synthesis.build import synthesis_content
from tasks.models import AssignmentRole, DraftHandling, Reorganisation, ReorganisationChange
from tasks.reorganisation import reorganisation_read, reorganisation_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def english():
    with translation.override("en"):
        yield

HEADER = "Ngày hiệu lực,Căn cứ,Thao tác,Mã đơn vị,Tên,Tên tiếng Anh,Loại,Từ đơn vị,Nhiệm vụ\n"
MERGE = HEADER + ("25/10/2025,QĐ 1/QĐ-UBND,Sáp nhập,T-NEW,Sở Thử nghiệm Kinh tế,Test Department of Economy,Sở,"
                  "T-LEAD;T-COOP,\n")
SPLIT = HEADER + ("25/10/2025,QĐ 2/QĐ-UBND,Chia tách,T-A,Sở Thử nghiệm A,,department,T-COOP,2.1\n"
                  "25/10/2025,QĐ 2/QĐ-UBND,Chia tách,T-B,Sở Thử nghiệm B,,department,T-COOP,*\n")


def parsed(text: str):
    return reorganisation_read(data=text.encode())


def write_draft(report, code: str, text: str):
    section = report.sections.get(task__code=code)
    section.results, section.progress = text, "in_progress"
    section.save()
    return report


@pytest.fixture
def drafts(small_period, small_plan, owner, outsider):
    """20/10/2025, the 2025 period open (due 05/11): both departments have written a draft, nothing sent."""
    with at(2025, 10, 20):
        services.reports_open_due(today=datetime.date(2025, 10, 20))
        lead = write_draft(Report.objects.get(period=small_period, agency=small_plan.lead), "1.1", "Hội chợ Lào")
        coop = write_draft(Report.objects.get(period=small_period, agency=small_plan.co_operating), "2.1",
                           "Kết nghĩa Hủa Phăn")
        yield lead, coop


def chased(period):
    return set(metrics.reports_to_chase(period=period).values_list("agency__code", flat=True))


def test_the_preview_shows_the_merge_and_changes_nothing(drafts, small_period, small_plan):
    reorganisation = reorganisation_record(parsed=parsed(MERGE))
    with at(2025, 10, 25):
        result = reorganisation_apply(reorganisation=reorganisation, dry_run=True)
    assert not result.has_errors and not result.applied
    assert set(result.structure.moved) >= {("1.1", "T-LEAD", "T-NEW"), ("2.2", "T-COOP", "T-NEW")}
    assert ("owner", "T-LEAD", "T-NEW") in result.structure.users
    assert {(r["agency"], r["outcome"]) for r in result.reports} == {
        ("Sở Thử nghiệm Công Thương", "moved"), ("Sở Thử nghiệm Tài chính", "moved")}
    assert result.opened == [(2025, "Sở Thử nghiệm Kinh tế")]
    # their 2025 reports stop being chased; so do their missing 2024 reports (bodies that ended are not chased)
    assert set(result.reminders_stop) == {(year, name) for year in (2024, 2025)
                                          for name in ("Sở Thử nghiệm Công Thương", "Sở Thử nghiệm Tài chính")}
    assert result.reminders_start == [(2025, "Sở Thử nghiệm Kinh tế")]
    # nothing happened
    assert not Agency.objects.filter(code="T-NEW").exists()
    assert Agency.objects.get(code="T-LEAD").active and User.objects.get(username="owner").agency.code == "T-LEAD"
    assert chased(small_period) == {"T-LEAD", "T-COOP"}
    reorganisation.refresh_from_db()
    assert not reorganisation.is_applied


def test_a_merge_in_the_middle_of_an_open_period(drafts, small_period, small_plan):
    lead_draft, coop_draft = drafts
    with at(2025, 10, 25):
        reorganisation, result = reorganisation_file_apply(parsed=parsed(MERGE), drafts=DraftHandling.MOVE)
    assert result.applied and reorganisation.is_applied and reorganisation.summary["ended"] == ["T-COOP", "T-LEAD"]
    new = Agency.objects.get(code="T-NEW")
    assert new.exists_from == datetime.date(2025, 10, 25) and new.kind == "department"
    lead = Agency.objects.get(code="T-LEAD")
    assert (lead.active, lead.exists_until, lead.merged_into, lead.merged_on) == (
        False, datetime.date(2025, 10, 24), new, datetime.date(2025, 10, 25))
    assert User.objects.get(username="owner").agency == new
    # the successor carries every task, lead where either was lead
    assert dict(new.assignments.filter(task__plan=small_plan.plan).values_list("task__code", "role")) == {
        "1.1": AssignmentRole.LEAD, "1.2": AssignmentRole.LEAD, "1.2.1": AssignmentRole.LEAD,
        "2.1": AssignmentRole.LEAD, "2.2": AssignmentRole.LEAD}
    # drafts: the text moved to the successor's report, the old drafts kept with a note
    report = Report.objects.get(period=small_period, agency=new)
    assert "Hội chợ Lào" in report.sections.get(task__code="1.1").results
    assert "Kết nghĩa Hủa Phăn" in report.sections.get(task__code="2.1").results
    assert report.events.filter(kind=EventKind.REORGANISED).count() == 2  # one for each draft received
    lead_draft.refresh_from_db()
    assert lead_draft.sections.get(task__code="1.1").results == "Hội chợ Lào"
    assert "Sở Thử nghiệm Kinh tế" in lead_draft.events.get(kind=EventKind.REORGANISED).comment
    # reminders, dashboards and synthesis: the successor is expected, the ended bodies no longer
    assert chased(small_period) == {"T-NEW"}
    counts = metrics.period_counts(period=small_period)
    assert (counts["expected"], counts["missing"]) == (1, 1)
    content, _versions = synthesis_content(period=small_period)
    assert "Sở Thử nghiệm Công Thương" not in str(content) and "Sở Thử nghiệm Tài chính" not in str(content)


def test_a_sent_report_stays_with_the_body_that_wrote_it(drafts, small_period, small_plan, owner):
    lead_draft, _coop = drafts
    with at(2025, 10, 21):
        services.report_submit(report=fill(lead_draft), user=owner)
    with at(2025, 10, 25):
        _reorganisation, result = reorganisation_file_apply(parsed=parsed(MERGE))
    assert ("Sở Thử nghiệm Công Thương", "kept") in {(r["agency"], r["outcome"]) for r in result.reports}
    counted = set(metrics.counted_reports(small_period).filter(expected=True).values_list("agency__code", flat=True))
    assert counted == {"T-LEAD", "T-NEW"}  # the sent one counts in its year; the successor owes the rest
    assert metrics.period_counts(period=small_period)["on_time"] == 1
    # the synthesis says what the ended body reported, in the role it reported in
    content, _versions = synthesis_content(period=small_period)
    item = next(t for g in content["groups"] for t in g["tasks"] if t["code"] == "1.1")
    assert [(e["agency"], e["role"]) for e in item["entries"]] == [("Sở Thử nghiệm Công Thương", AssignmentRole.LEAD)]


def test_a_split_in_the_middle_of_an_open_period_drafts_closed(drafts, small_period, small_plan, outsider, english):
    _lead, coop_draft = drafts
    with at(2025, 10, 25):
        _reorganisation, result = reorganisation_file_apply(parsed=parsed(SPLIT), drafts=DraftHandling.CLOSE)
    a, b = Agency.objects.get(code="T-A"), Agency.objects.get(code="T-B")
    assert dict(a.assignments.filter(task__plan=small_plan.plan).values_list("task__code", "role")) == {
        "2.1": AssignmentRole.LEAD}
    assert dict(b.assignments.filter(task__plan=small_plan.plan).values_list("task__code", "role")) == {
        "1.1": AssignmentRole.CO_OPERATING, "2.2": AssignmentRole.LEAD}
    coop = Agency.objects.get(code="T-COOP")
    assert not coop.active and coop.successor() == b and not coop.assignments.exists()
    assert User.objects.get(pk=outsider.pk).agency == b  # the people go with the rest
    # the draft is closed with a note, its text not copied
    assert [r["outcome"] for r in result.reports if r["agency"] == coop.name] == ["closed"]
    assert "closed" in coop_draft.events.get(kind=EventKind.REORGANISED).comment
    assert not Report.objects.get(period=small_period, agency=a).sections.exclude(results="").exists()
    assert sorted(result.opened) == [(2025, "Sở Thử nghiệm A"), (2025, "Sở Thử nghiệm B")]
    assert chased(small_period) == {"T-LEAD", "T-A", "T-B"}
    assert metrics.period_counts(period=small_period)["expected"] == 3


def test_a_split_moves_each_task_s_text_to_the_successor_that_inherits_it(drafts, small_period):
    _lead, coop_draft = drafts
    write_draft(coop_draft, "2.2", "Đón đoàn Nhật Bản")
    with at(2025, 10, 25):
        reorganisation_file_apply(parsed=parsed(SPLIT), drafts=DraftHandling.MOVE)
    a_report = Report.objects.get(period=small_period, agency__code="T-A")
    b_report = Report.objects.get(period=small_period, agency__code="T-B")
    assert "Kết nghĩa Hủa Phăn" in a_report.sections.get(task__code="2.1").results
    assert "Đón đoàn Nhật Bản" in b_report.sections.get(task__code="2.2").results
    assert not b_report.sections.filter(results__contains="Kết nghĩa").exists()


def test_applying_a_file_twice_changes_nothing_the_second_time(drafts, small_period, tmp_path):
    path = tmp_path / "sap-nhap.csv"
    path.write_text(MERGE, encoding="utf-8")
    out = io.StringIO()
    with at(2025, 10, 25):
        call_command("apply_reorganisation", file=str(path), stdout=out)
    assert "created T-NEW" in out.getvalue() and "report 2025 Sở Thử nghiệm Kinh tế: opened" in out.getvalue()
    snapshot = (Agency.history.count(), Report.objects.count(), list(Agency.objects.values_list("code", "active")))
    out = io.StringIO()
    with at(2025, 10, 26):
        call_command("apply_reorganisation", file=str(path), stdout=out)
    assert "already in effect, nothing changed" in out.getvalue()
    assert (Agency.history.count(), Report.objects.count(),
            list(Agency.objects.values_list("code", "active"))) == snapshot
    assert Reorganisation.objects.count() == 1


def test_the_command_s_dry_run_writes_nothing(drafts, tmp_path):
    path = tmp_path / "sap-nhap.csv"
    path.write_text(MERGE, encoding="utf-8")
    out = io.StringIO()
    with at(2025, 10, 25):
        call_command("apply_reorganisation", file=str(path), dry_run=True, stdout=out)
    assert "dry run, nothing written" in out.getvalue() and "created T-NEW" in out.getvalue()
    assert not Agency.objects.filter(code="T-NEW").exists() and not Reorganisation.objects.exists()


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_file_with_a_formula_is_read_as_text(small_plan):
    data = xlsx([HEADER.strip().split(","),
                 [datetime.date(2025, 7, 1), "", "create", "T-X", "=HYPERLINK(\"http://x\")", "", "department", "",
                  ""]])
    result = reorganisation_read(data=data)
    assert result.effective_on == datetime.date(2025, 7, 1)
    assert result.rows[0].status == "change"
    assert result.rows[0].change.name.lstrip("'").startswith("=HYPERLINK")


@pytest.mark.parametrize("text, message", [
    (HEADER + "32/13/2025,,Sáp nhập,T-NEW,Sở mới,,Sở,T-LEAD,\n", "not a date"),
    (HEADER + "01/07/2025,,Dời đô,T-NEW,,,,,\n", "Unknown action"),
    (HEADER + "01/07/2025,,Sáp nhập,T-NEW,Sở mới,,Sở,T-NOBODY,\n", "No agency has the code"),
    (HEADER + "01/07/2025,,Sáp nhập,T-NEW,,,,T-LEAD,\n", "give its name and kind"),
    (HEADER + "01/07/2025,,Sáp nhập,T-LEAD,,,,T-LEAD,\n", "merged into itself"),
    (HEADER + "01/07/2025,,Thành lập,mã có dấu,Sở mới,,Sở,,\n", "may hold only letters"),
    (HEADER + "01/07/2025,,Chia tách,T-A,Sở A,,Sở,T-COOP,2.1\n", "Exactly one successor"),
    (HEADER + "01/07/2025,,Chia tách,T-A,Sở A,,Sở,T-COOP,9.9;*\n", "No task has the code 9.9"),
    (HEADER + "01/07/2025,,Đổi tên,T-NOBODY,Tên mới,,,,\n", "Renaming needs"),
    (HEADER + "01/07/2025,,Loại bỏ,,,,,,\n", "Unknown action"),
])
def test_row_by_row_errors(small_plan, english, text, message):
    result = parsed(text)
    assert result.has_errors
    assert any(message in m for row in result.rows for m in row.messages), [r.messages for r in result.rows]
    with pytest.raises(ValueError):
        reorganisation_record(parsed=result)


def test_errors_name_the_row_in_vietnamese(small_plan):
    with translation.override("vi"):
        result = parsed(HEADER + "01/07/2025,,Sáp nhập,T-NEW,Sở mới,,Sở,T-NOBODY,\n")
    assert result.rows[0].line == 2
    assert result.rows[0].messages == ["Không có đơn vị nào có mã “T-NOBODY”."]


def test_two_effective_dates_in_one_file_are_refused(small_plan, english):
    result = parsed(HEADER + "01/07/2025,,Đổi tên,T-LEAD,Sở A,,,,\n02/07/2025,,Đổi tên,T-COOP,Sở B,,,,\n")
    assert result.has_errors and "one effective date" in result.error


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"\xd0\xcf\x11\xe0" + b"0" * 100, ".xls"),
    (b"PK\x03\x04broken", "not an Excel workbook"),
    (b"a,b\n1,2\n", "must name the columns"),
    (HEADER.encode(), "holds no change"),
    (b"x" * (2 * 1024 * 1024 + 1), "larger than"),
])
def test_file_errors(small_plan, english, data, message):
    with pytest.raises(ImportFileError, match=message):
        reorganisation_read(data=data)


def test_the_command_refuses_a_file_with_errors(small_plan, english, tmp_path):
    path = tmp_path / "loi.csv"
    path.write_text(HEADER + "01/07/2025,,Sáp nhập,T-NEW,Sở mới,,Sở,T-NOBODY,\n", encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError, match="nothing applied"):
        call_command("apply_reorganisation", file=str(path), stdout=out)
    assert "line 2: error" in out.getvalue()
    assert not Agency.objects.filter(code="T-NEW").exists()


# --- the admin's pages: upload, preview, apply ----------------------------------------------------------------------

def upload(client, text: str, name="sap-nhap.csv"):
    return client.post(reverse("admin:tasks_reorganisation_upload"),
                       {"file": SimpleUploadedFile(name, text.encode()), "title": ""})


def test_the_admin_uploads_previews_and_applies(client, admin, drafts, small_period):
    with at(2025, 10, 25):
        client.force_login(admin)
        response = upload(client, MERGE)
        reorganisation = Reorganisation.objects.get()
        assert response.status_code == 302 and response.url == reverse("admin:tasks_reorganisation_preview",
                                                                          args=[reorganisation.pk])
        page = client.get(response.url)
        assert page.status_code == 200
        assert "1.1: T-LEAD → T-NEW" in page.content.decode()
        assert not Agency.objects.filter(code="T-NEW").exists()  # the preview changed nothing
        response = client.post(reverse("admin:tasks_reorganisation_preview", args=[reorganisation.pk]),
                               {"drafts": "close", "apply": "1"})
    assert response.status_code == 302
    reorganisation.refresh_from_db()
    assert reorganisation.is_applied and reorganisation.applied_by == admin and reorganisation.drafts == "close"
    assert not Agency.objects.get(code="T-LEAD").active
    # the history: the list of reorganisations shows it
    assert "QĐ 1/QĐ-UBND" in client.get(reverse("admin:tasks_reorganisation_changelist")).content.decode()
    # the same file again is the same reorganisation, already applied
    with at(2025, 10, 25, 11):
        response = upload(client, MERGE)
    assert Reorganisation.objects.count() == 1 and response.url.endswith(f"/{reorganisation.pk}/preview/")


def test_the_admin_sees_row_errors_and_nothing_is_kept(client, admin, small_plan):
    client.force_login(admin)
    with translation.override("vi"):
        response = upload(client, HEADER + "01/07/2025,,Sáp nhập,T-NEW,Sở mới,,Sở,T-NOBODY,\n")
    assert response.status_code == 200
    assert "Không có đơn vị nào có mã “T-NOBODY”." in response.content.decode()
    assert not Reorganisation.objects.exists()
    response = upload(client, "not,a,reorganisation\n", name="x.csv")
    assert response.status_code == 200 and not Reorganisation.objects.exists()


def test_a_reorganisation_entered_in_the_admin_is_previewed_like_a_file(client, admin, drafts):
    reorganisation = Reorganisation.objects.create(title="Nhập tay", effective_on=datetime.date(2025, 10, 25))
    ReorganisationChange.objects.create(reorganisation=reorganisation, action="rename", code="T-LEAD",
                                        name="Sở Thử nghiệm Thương mại")
    with at(2025, 10, 25):
        client.force_login(admin)
        page = client.get(reverse("admin:tasks_reorganisation_preview", args=[reorganisation.pk]))
        assert "Sở Thử nghiệm Thương mại" in page.content.decode()
        client.post(reverse("admin:tasks_reorganisation_preview", args=[reorganisation.pk]),
                    {"drafts": "move", "apply": "1"})
    assert Agency.objects.get(code="T-LEAD").name == "Sở Thử nghiệm Thương mại"


@pytest.mark.parametrize("who", ["anonymous", "dfa", "owner"])
def test_only_admins_reach_the_reorganisation_pages(client, small_plan, dfa, owner, who):
    reorganisation = Reorganisation.objects.create(title="X", effective_on=datetime.date(2025, 7, 1))
    if who != "anonymous":
        client.force_login({"dfa": dfa, "owner": owner}[who])
    for url in (reverse("admin:tasks_reorganisation_upload"),
                reverse("admin:tasks_reorganisation_preview", args=[reorganisation.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response.url


def test_the_readme_s_example_file_applies_to_plan_119(plan119, english):
    """docs/reorganisation-example.csv, the README's example, is a valid reorganisation of Plan 119's agencies."""
    path = settings.BASE_DIR / "docs" / "reorganisation-example.csv"
    result = reorganisation_read(data=path.read_bytes())
    assert not result.has_errors, [(row.line, row.messages) for row in result.rows]
    with at(2025, 3, 1):
        _reorganisation, applied = reorganisation_file_apply(parsed=result)
    assert applied.applied
    assert Agency.objects.get(code="SLDTBXH").successor().code == "SNV"
    assert Agency.objects.get(code="SYT").assignments.filter(task__code="3.7").exists()
    assert not Agency.objects.get(code="BDT").active and Agency.objects.get(code="SDTTG").active
