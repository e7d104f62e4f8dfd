"""Items given to all departments and all local People's Committees follow the levels (issue 15): each year they go
to the provincial units and to the local level in existence that year — the district level until 30/06/2025, the
commune level from 01/07/2025 — as the reorganisation applied as data says, never as code.

On the cast's small plan (conftest.py) with one more item, 2.3, given to all, and two district-level committees."""
import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from agencies.models import Agency, AgencyKind
from agencies.tests.factories import staff_of
from plan119.testing import at, fill
from reporting.cycle import services
from reporting.cycle.reorganisation import reorganisation_file_apply
from reporting.dashboards import metrics
from reporting.models import EventKind, Report
from reporting.synthesis.build import synthesis_content
from tasks.models import Assignment, AssignmentSource, DraftHandling, Reorganisation
from tasks.reorganisation import reorganisation_read
from tasks.services import agency_create, assignments_sync_for_agency
from tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

# 01/07/2025: the district level ends. H-A's territory becomes the commune X-1 (which carries its line) and the ward
# X-2; H-B is abolished; the commune X-3 is created from nothing the app knew.
TWO_LEVELS = (
    "Ngày hiệu lực,Căn cứ,Thao tác,Mã đơn vị,Tên,Tên tiếng Anh,Loại,Từ đơn vị,Nhiệm vụ\n"
    "01/07/2025,NQ 1/NQ-UBTVQH,Chia tách,X-1,Ủy ban nhân dân xã Một,,UBND xã,H-A,*\n"
    "01/07/2025,NQ 1/NQ-UBTVQH,Chia tách,X-2,Ủy ban nhân dân phường Hai,,Phường,H-A,2.3\n"
    "01/07/2025,NQ 1/NQ-UBTVQH,Giải thể,H-B,,,,,\n"
    "01/07/2025,NQ 1/NQ-UBTVQH,Thành lập,X-3,Ủy ban nhân dân xã Ba,,commune,,\n"
)
DEPARTMENTS = {"T-LEAD", "T-COOP", "T-OUT"}
COMMUNES = {"X-1", "X-2", "X-3"}


@pytest.fixture
def levels(small_plan, small_periods):
    """Item 2.3 given to all; the districts H-A and H-B (existing since before the plan) carry it, as the
    departments do."""
    task = TaskFactory(group=small_plan.tasks["2.2"].group, plan=small_plan.plan, code="2.3",
                       title="Thông tin đối ngoại", assigned_to_all=True)
    for agency in (small_plan.lead, small_plan.co_operating, small_plan.outside):  # the departments of this test
        assignments_sync_for_agency(agency=agency)
    for code, name in (("H-A", "Ủy ban nhân dân huyện A"), ("H-B", "Ủy ban nhân dân huyện B")):
        agency_create(code=code, name=name, kind=AgencyKind.DISTRICT)
    return task


def apply(text: str, **kwargs):
    return reorganisation_file_apply(parsed=reorganisation_read(data=text.encode()), **kwargs)


def reporters(period) -> set[str]:
    return set(period.reports.values_list("agency__code", flat=True))


def expected(period) -> set[str]:
    return set(metrics.counted_reports(period).filter(expected=True).values_list("agency__code", flat=True))


def test_the_items_for_all_follow_the_levels_across_1_july_2025(levels, small_periods, small_plan):
    y2024, y2025 = small_periods[2024], small_periods[2025]
    with at(2024, 10, 20):
        services.reports_open_due(today=datetime.date(2024, 10, 20))
        report = Report.objects.get(period=y2024, agency__code="H-A")
        services.report_submit(report=fill(report, "Tuyên truyền tại huyện A"), user=staff_of(report.agency))
    # 2024: the provincial units and the district level
    assert expected(y2024) == DEPARTMENTS | {"H-A", "H-B"}
    assert Report.objects.get(period=y2024, agency__code="H-B").sections.filter(task=levels).exists()

    with at(2025, 7, 1):
        _reorganisation, result = apply(TWO_LEVELS)
    assert result.applied
    districts = Agency.objects.filter(code__in=["H-A", "H-B"])
    assert set(districts.values_list("exists_until", flat=True)) == {datetime.date(2025, 6, 30)}
    assert not Assignment.objects.filter(agency__in=districts).exists()
    # every commune carries the item given to all, from the day it exists
    for agency in Agency.objects.filter(code__in=COMMUNES):
        assert agency.exists_from == datetime.date(2025, 7, 1) and agency.kind == AgencyKind.COMMUNE
        assert agency.assignments.get(task=levels).source in (AssignmentSource.ALL_AGENCIES, AssignmentSource.ADMIN)

    with at(2025, 10, 20):
        services.reports_open_due(today=datetime.date(2025, 10, 20))
    # 2025: the provincial units and the commune level; no report is asked of a body that no longer exists
    assert reporters(y2025) == DEPARTMENTS | COMMUNES | {"T-ORG"}
    assert expected(y2025) == DEPARTMENTS | COMMUNES
    assert all(r.sections.filter(task=levels).exists() for r in y2025.reports.filter(agency__code__in=COMMUNES))
    # 2024 is unchanged: the districts' reports stay theirs and count in their year
    assert expected(y2024) == DEPARTMENTS | {"H-A", "H-B"}
    counts = metrics.period_counts(period=y2024)
    assert (counts["expected"], counts["submitted"]) == (5, 1)
    # …and the 2024 synthesis, rebuilt after the districts ended, still says what H-A reported
    content, _versions = synthesis_content(period=y2024)
    item = next(t for g in content["groups"] for t in g["tasks"] if t["code"] == "2.3")
    assert [e["agency"] for e in item["entries"]] == ["Ủy ban nhân dân huyện A"]
    assert "Tuyên truyền tại huyện A" in item["entries"][0]["results"]


def test_the_item_s_page_lists_the_level_in_existence(levels, small_periods, client, dfa):
    with at(2025, 7, 1):
        apply(TWO_LEVELS)
    client.force_login(dfa)
    page = client.get(reverse("task_detail", args=[levels.pk])).content.decode()
    assert "Ủy ban nhân dân xã Một" in page and "Ủy ban nhân dân phường Hai" in page
    assert "Ủy ban nhân dân huyện B" not in page


def test_a_late_reorganisation_closes_the_abolished_body_s_draft_and_moves_the_split_one_s(levels, small_periods):
    """The decision came late: the 2025 period opened on 01/10 with the districts' reports; the reorganisation, in
    force since 01/07, is applied on 15/10. H-B (abolished) has no successor: its draft is closed with a note; H-A's
    text goes to the communes that inherit each task. Neither is lost."""
    y2025 = small_periods[2025]
    with at(2025, 10, 1):
        services.reports_open_due(today=datetime.date(2025, 10, 1))
    assert {"H-A", "H-B"} <= reporters(y2025)
    for code in ("H-A", "H-B"):
        draft = Report.objects.get(period=y2025, agency__code=code)
        section = draft.sections.get(task=levels)
        section.results, section.progress = f"Bản nháp của {code}", "in_progress"
        section.save()
    with at(2025, 10, 15):
        _reorganisation, result = apply(TWO_LEVELS, drafts=DraftHandling.MOVE)
    outcomes = {r["agency"]: r["outcome"] for r in result.reports}
    assert outcomes == {"Ủy ban nhân dân huyện A": "moved", "Ủy ban nhân dân huyện B": "closed"}
    assert "Bản nháp của H-A" in Report.objects.get(period=y2025, agency__code="X-2").sections.get(task=levels).results
    closed = Report.objects.get(period=y2025, agency__code="H-B")
    assert closed.sections.get(task=levels).results == "Bản nháp của H-B"  # kept as it was
    assert "closed" in closed.events.get(kind=EventKind.REORGANISED).comment or \
        "đóng" in closed.events.get(kind=EventKind.REORGANISED).comment
    assert expected(y2025) == DEPARTMENTS | COMMUNES
    assert set(metrics.reports_to_chase(period=y2025).values_list("agency__code", flat=True)) == \
        DEPARTMENTS | COMMUNES


def test_a_reorganisation_is_applied_from_its_effective_date_not_before(levels, small_periods, tmp_path):
    """Uploaded in June for 1 July: the preview shows it, applying waits — until then the districts exist, keep
    their people and report."""
    with at(2025, 6, 20):
        reorganisation, result = apply(TWO_LEVELS)
        assert not result.applied and result.not_yet and "01/07/2025" in result.not_yet
        assert Agency.objects.get(code="H-A").active and not Agency.objects.filter(code="X-1").exists()
        preview = apply(TWO_LEVELS, dry_run=True)[1]
        assert {"X-1", "X-2", "X-3"} <= set(preview.structure.created)
        path = tmp_path / "hai-cap.csv"
        path.write_text(TWO_LEVELS, encoding="utf-8")
        with pytest.raises(CommandError, match="01/07/2025"):
            call_command("apply_reorganisation", file=str(path))
    assert Reorganisation.objects.filter(applied_at__isnull=True).count() == 1  # recorded, waiting for its day
    with at(2025, 7, 1):
        again = apply(TWO_LEVELS)[1]
    assert again.applied and not Agency.objects.get(code="H-A").active
