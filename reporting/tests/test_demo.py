"""Plan-fidelity test on the real Plan 119: the demo data of `make run`, reports and difficulties in every state,
through the same services as real use."""
import datetime
import io

import pytest
from django.core.management import call_command

from agencies.models import Agency, AgencyKind, User
from plan119.testing import at
from reporting.dashboards.metrics import METRICS
from reporting.models import Difficulty, DifficultyStatus, Report, ReportStatus, Synthesis
from tasks.models import Reorganisation

pytestmark = pytest.mark.django_db


def test_demo_has_reports_and_difficulties_in_every_state(plan119, settings):
    settings.DEBUG = True
    with at(2026, 11, 20, 9):
        call_command("seed_demo", stdout=io.StringIO())
        call_command("open_periods", stdout=io.StringIO())  # as `make run` does next, and the scheduler every day
    current = Report.objects.filter(period__year=2026, expected=True)
    statuses = set(current.values_list("status", flat=True))
    assert statuses >= {ReportStatus.DRAFT, ReportStatus.SUBMITTED, ReportStatus.RETURNED, ReportStatus.ACCEPTED}
    assert current.filter(METRICS["missing"]).exists() and current.filter(METRICS["late"]).exists()
    assert Synthesis.objects.filter(period__year=2023, finalised_at__isnull=False).exists()
    assert set(Difficulty.objects.values_list("status", flat=True)) == set(DifficultyStatus.values)
    escalated = Difficulty.objects.filter(status=DifficultyStatus.ESCALATED)
    assert escalated.count() == 2 and all(d.responses.exists() for d in escalated)
    assert all(d.raised_at.date() < datetime.date(2026, 11, 20) for d in Difficulty.objects.all())
    # the province changes on the way (issue 15): the districts report 2023–2024, the sample communes and wards from
    # 2025; the departments' merge and the two-level local government were applied as reorganisations
    def reporters(year, kind):
        return Report.objects.filter(period__year=year, agency__kind=kind).count()

    assert [reporters(year, AgencyKind.DISTRICT) for year in (2023, 2024, 2025, 2026)] == [27, 27, 0, 0]
    assert [reporters(year, AgencyKind.COMMUNE) for year in (2023, 2024, 2025, 2026)] == [0, 0, 9, 9]
    assert Reorganisation.objects.filter(applied_at__isnull=False).count() == 2
    assert all("Dữ liệu mẫu" in r.title for r in Reorganisation.objects.all())
    skhdt = Agency.objects.get(code="SKHDT")
    assert skhdt.merged_into.code == "STC" and skhdt.exists_until == datetime.date(2025, 2, 28)
    assert set(Report.objects.filter(agency=skhdt).values_list("period__year", flat=True)) == {2023, 2024}
    assert User.objects.get(username="skhdt").agency.code == "STC"
    assert User.objects.get(username="tp-thanhhoa").agency.code == "P-HACTHANH"
    assert Agency.objects.get(code="TP-THANHHOA").successor().code == "P-HACTHANH"
    # run again: nothing doubled
    with at(2026, 11, 21, 9):
        call_command("seed_demo", stdout=io.StringIO())
    assert Difficulty.objects.count() == 5
    assert Reorganisation.objects.count() == 2


@pytest.mark.parametrize("day", [datetime.date(2026, 3, 15), datetime.date(2027, 11, 20)])
def test_the_readme_examples_always_have_something_to_do(plan119, settings, client, day):
    """Whatever the date (before the year's period opens, while it is open, after its deadline): sct has a draft to
    finish and submit, stttt a report the DFA returned, and the DFA stc's report waiting for review."""
    from django.urls import reverse

    from reporting.demo import DEMO_EXAMPLES

    settings.DEBUG = True
    with at(day.year, day.month, day.day, 9):
        call_command("seed_demo", stdout=io.StringIO())
        call_command("seed_demo", stdout=io.StringIO())  # again: the examples stay as they are
        reports = {code: Report.objects.get(agency__code=code, period__year=day.year) for code in DEMO_EXAMPLES}
        assert {code: r.status for code, r in reports.items()} == {
            "SCT": ReportStatus.DRAFT, "STTTT": ReportStatus.RETURNED, "STC": ReportStatus.SUBMITTED}
        assert all(r.is_editable() for r in (reports["SCT"], reports["STTTT"]))
        client.force_login(User.objects.get(username="sct"))
        home = client.get(reverse("home")).content.decode()
        assert reverse("report_edit", args=[reports["SCT"].pk]) in home
        client.force_login(User.objects.get(username="dfa"))
        assert reverse("report_detail", args=[reports["STC"].pk]) in client.get(reverse("review_queue")).content \
            .decode()
