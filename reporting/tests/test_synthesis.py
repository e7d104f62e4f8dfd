"""The provincial synthesis: counts, determinism, versions, edit, finalise; the command and the page.

On the cast's small plan (conftest.py), with two more departments of its own."""
import datetime
import io
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse

from agencies.models import Agency
from plan119.testing import at, fill
from reporting.cycle import services
from reporting.difficulties import services as difficulty_services
from reporting.models import Synthesis
from reporting.synthesis.build import synthesis_build, synthesis_edit, synthesis_finalise

pytestmark = pytest.mark.django_db


@pytest.fixture
def season(small_period, small_plan, owner, outsider, dfa):
    """2025 on the cast's plan: the lead department on time and accepted, the co-operating one late (3 days) and
    waiting, a planning department returned, the requested organisation voluntary, a health department missing (both
    co-operate on 2.2)."""
    from agencies.tests.factories import AgencyFactory, staff_of
    from tasks.models import AssignmentRole
    from tasks.tests.factories import AssignmentFactory

    for code, name in (("T-PLAN", "Sở Thử nghiệm Kế hoạch"), ("T-HEALTH", "Sở Thử nghiệm Y tế")):
        AssignmentFactory(task=small_plan.tasks["2.2"], agency=AgencyFactory(code=code, name=name),
                          role=AssignmentRole.CO_OPERATING)
    with at(2025, 11, 3):
        lead = fill(services.report_open(period=small_period, agency=owner.agency))
        services.report_submit(report=lead, user=owner)
        services.report_accept(report=lead, user=dfa)
        planning_user = staff_of(Agency.objects.get(code="T-PLAN"))
        planning = fill(services.report_open(period=small_period, agency=planning_user.agency))
        services.report_submit(report=planning, user=planning_user)
        services.report_return(report=planning, user=dfa, comment="Bổ sung")
        requested_user = staff_of(small_plan.requested)
        requested = fill(services.report_open(period=small_period, agency=requested_user.agency))
        services.report_submit(report=requested, user=requested_user)
        difficulty_services.difficulty_raise(agency=owner.agency, task=small_plan.tasks["1.2.1"], kind="difficulty",
                                             title="Thiếu kinh phí xúc tiến", text="…", user=owner)
    with at(2025, 11, 8):
        co_operating = fill(services.report_open(period=small_period, agency=outsider.agency))
        services.report_submit(report=co_operating, user=outsider)
    return small_period


def test_counts(season):
    with at(2025, 11, 10):
        synthesis = synthesis_build(period=season)
    c = synthesis.content["completeness"]
    expected = 4  # the lead, co-operating, planning and health departments: neither T-ORG (requested) nor T-OUT
    assert c["expected"] == expected
    assert (c["submitted"], c["on_time"], c["late"], c["accepted"], c["returned"], c["waiting"]) == (3, 2, 1, 1, 1, 1)
    assert c["missing"] == expected - 3
    assert c["reporting_rate"] == round(300 / expected, 1) and c["on_time_rate"] == round(200 / expected, 1)
    assert c["voluntary_submitted"] == 1
    assert synthesis.content["missing"] == ["Sở Thử nghiệm Y tế"]
    assert synthesis.content["late"] == [{"name": "Sở Thử nghiệm Tài chính", "days_late": 3}]
    assert synthesis.built_from == {"T-LEAD": 1, "T-PLAN": 1, "T-COOP": 1, "T-ORG": 1}
    task_121 = next(t for g in synthesis.content["groups"] for t in g["tasks"] if t["code"] == "1.2.1")
    assert task_121["counts"]["in_progress"] == 1 and task_121["entries"][0]["agency"] == "Sở Thử nghiệm Công Thương"
    task_22 = next(t for g in synthesis.content["groups"] for t in g["tasks"] if t["code"] == "2.2")
    assert task_22["counts"]["no_report"] == expected - 3  # the health department's section: three others sent
    assert synthesis.content["difficulties"][0]["title"] == "Thiếu kinh phí xúc tiến"


def test_rebuild_is_deterministic_and_ignores_drafts(season):
    with at(2025, 11, 10):
        first = synthesis_build(period=season).content
        # a draft being typed does not leak in: only submitted versions count
        draft = Agency.objects.get(code="T-PLAN").reports.get(period=season)  # returned: a draft again
        services.report_save_draft(report=draft, user=draft.agency.users.first(), lock_version=draft.lock_version,
                                   summary="đang sửa",
                                   sections={draft.sections.first().pk: {"results": "bản nháp mới"}})
        second = synthesis_build(period=season).content
    assert first == second


def test_edit_and_finalise_locks_and_closes(season, dfa):
    with at(2025, 11, 10):
        synthesis = synthesis_build(period=season)
    synthesis = synthesis_edit(synthesis=synthesis, user=dfa, lock_version=synthesis.lock_version,
                               introduction="Mở đầu", assessment="Đánh giá", proposals="Kiến nghị", doc_number="123")
    with pytest.raises(services.ReportingError):
        synthesis_edit(synthesis=synthesis, user=dfa, lock_version=0, introduction="x", assessment="",
                       proposals="")
    synthesis_finalise(synthesis=synthesis, user=dfa)
    synthesis.refresh_from_db()
    season.refresh_from_db()
    assert synthesis.is_final and synthesis.finalised_by == dfa and season.is_closed
    with pytest.raises(services.ReportingError):
        synthesis_build(period=season)


def test_export_command(season, tmp_path):
    with pytest.raises(CommandError, match="build_synthesis"):
        call_command("export_synthesis", "--year", "2025", "--format", "docx", "-o", str(tmp_path / "x.docx"))
    with at(2025, 11, 10):
        call_command("build_synthesis", "--year", "2025", stdout=StringIO())
    call_command("export_synthesis", "--year", "2025", "--format", "docx", "-o", str(tmp_path / "s.docx"),
                 stdout=StringIO())
    call_command("export_synthesis", "--year", "2025", "--format", "xlsx", "-o", str(tmp_path / "s.xlsx"),
                 stdout=StringIO())
    import docx
    import openpyxl

    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "s.docx")).paragraphs)
    assert "BÁO CÁO" in text and "năm 2025" in text
    assert openpyxl.load_workbook(tmp_path / "s.xlsx").sheetnames == [
        "Tình hình báo cáo", "Tiến độ nhiệm vụ", "Khó khăn, kiến nghị", "Chỉ tiêu"]


def test_nightly_build_window(season):
    from reporting.synthesis.build import syntheses_build_due

    assert syntheses_build_due(today=datetime.date(2025, 11, 4)) == []
    assert syntheses_build_due(today=datetime.date(2025, 11, 5)) == [season.pk]
    assert syntheses_build_due(today=datetime.date(2025, 11, 16)) == []


# --- the page ---

def test_page_permissions(client, season, owner, outsider, dfa, viewer):
    url = reverse("synthesis", args=[2025])
    assert client.get(url).status_code == 302
    for user, code in ((owner, 403), (outsider, 403), (viewer, 403), (dfa, 200)):
        client.force_login(user)
        assert client.get(url).status_code == code
    client.force_login(dfa)
    client.post(reverse("synthesis_build", args=[2025]))  # eager in tests: built at once
    synthesis = Synthesis.objects.get(period=season)
    assert synthesis.built_at and synthesis.state == "idle" and synthesis.progress == 100
    assert client.get(reverse("synthesis_status", args=[2025])).json()["progress"] == 100
    client.force_login(viewer)
    assert client.get(url).status_code == 403  # leadership reads it once final
    client.force_login(dfa)
    client.post(reverse("synthesis_finalise", args=[2025]))
    client.force_login(viewer)
    assert client.get(url).status_code == 200
    assert client.get(reverse("synthesis_download", args=[2025, "docx"])).status_code == 200
    client.force_login(owner)
    assert client.get(reverse("synthesis_download", args=[2025, "docx"])).status_code == 403


def test_only_the_dfa_edits_the_narrative_and_only_once_built(client, season, dfa, viewer):
    url = reverse("synthesis", args=[2025])
    data = {"doc_number": "", "introduction": "Mở đầu", "assessment": "", "proposals": "", "lock_version": "0"}
    client.force_login(dfa)
    assert client.post(url, data).status_code == 403  # nothing built yet: nothing to edit
    client.post(reverse("synthesis_build", args=[2025]))
    client.post(reverse("synthesis_finalise", args=[2025]))
    client.force_login(viewer)
    assert client.get(url).status_code == 200  # final: leadership reads it ...
    assert client.post(url, data).status_code == 403  # ... and never edits it
    assert Synthesis.objects.get(period=season).narrative()["introduction"] != "Mở đầu"


def test_edit_narrative_and_download(client, season, dfa):
    client.force_login(dfa)
    client.post(reverse("synthesis_build", args=[2025]))
    synthesis = Synthesis.objects.get(period=season)
    response = client.post(reverse("synthesis", args=[2025]), {"introduction": "Năm 2025, các đơn vị…",
                                                               "assessment": "Tốt", "proposals": "", "doc_number": "45",
                                                               "lock_version": synthesis.lock_version})
    assert response.status_code == 302
    synthesis.refresh_from_db()
    assert synthesis.introduction == "Năm 2025, các đơn vị…" and synthesis.doc_number == "45"
    response = client.get(reverse("synthesis_download", args=[2025, "docx"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    import docx

    document = docx.Document(io.BytesIO(response.content))
    assert any("45/BC-SNgV" in c.text for t in document.tables for row in t.rows for c in row.cells)
    assert client.get(reverse("synthesis_download", args=[2025, "xlsx"])).status_code == 200
    assert client.get("/synthesis/2025/download.pdf").status_code == 404


def test_wrong_methods(client, season, dfa):
    client.force_login(dfa)
    assert client.get(reverse("synthesis_build", args=[2025])).status_code == 405
    assert client.get(reverse("synthesis_finalise", args=[2025])).status_code == 405
    assert client.post(reverse("synthesis_status", args=[2025])).status_code == 405


def test_a_build_whose_worker_died_is_offered_again(client, season, dfa):
    from django.utils import timezone

    synthesis = synthesis_build(period=season)
    client.force_login(dfa)
    status = reverse("synthesis_status", args=[2025])
    moving = timezone.now()
    Synthesis.objects.filter(pk=synthesis.pk).update(state="running", progress=40, state_changed_at=moving)
    assert client.get(status).json()["state"] == "running"  # still moving: the page keeps polling
    with time_machine.travel(moving + Synthesis.STALE_BUILD + datetime.timedelta(seconds=1)):
        assert client.get(status).json()["state"] == "failed"  # stopped moving: the page stops and offers a rebuild
        page = client.get(reverse("synthesis", args=[2025])).content.decode()
        assert 'data-state="failed"' in page
    client.post(reverse("synthesis_build", args=[2025]))  # eager in tests
    synthesis.refresh_from_db()
    assert synthesis.build_state() == "idle" and synthesis.progress == 100


def test_leadership_is_offered_the_synthesis_only_once_final_and_told_why_otherwise(client, season, dfa, viewer):
    """Leadership's home and dashboard link to the synthesis only when they may read it (no bare 403 from a link); a
    direct visit before that answers 403 with a page in Vietnamese."""
    url = reverse("synthesis", args=[2025])
    client.force_login(viewer)
    with at(2025, 11, 10):
        home = client.get(reverse("home")).content.decode()
        board = client.get(reverse("dashboard_year", args=[2025])).content.decode()
        denied = client.get(url)
    assert url not in home and 'id="synthesis-not-yet"' in home and url not in board
    assert denied.status_code == 403 and "Bạn không thể mở trang này" in denied.content.decode()
    client.force_login(dfa)
    with at(2025, 11, 10):
        client.post(reverse("synthesis_build", args=[2025]))
        client.post(reverse("synthesis_finalise", args=[2025]))
        client.force_login(viewer)
        assert url in client.get(reverse("home")).content.decode()
        assert url in client.get(reverse("dashboard_year", args=[2025])).content.decode()
