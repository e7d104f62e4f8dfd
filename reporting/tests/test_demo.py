"""Plan-fidelity test on the real Plan 119: the demo data of `make run`, reports and difficulties in every state,
through the same services as real use."""
import datetime
import io

import pytest
from django.core.management import call_command

from plan119.testing import at
from reporting.dashboards.metrics import METRICS
from reporting.models import Difficulty, DifficultyStatus, Report, ReportStatus, Synthesis

pytestmark = pytest.mark.django_db


def test_demo_has_reports_and_difficulties_in_every_state(plan119, settings):
    settings.DEBUG = True
    with at(2026, 11, 20, 9):
        call_command("seed_demo", stdout=io.StringIO())
    current = Report.objects.filter(period__year=2026, expected=True)
    statuses = set(current.values_list("status", flat=True))
    assert statuses >= {ReportStatus.DRAFT, ReportStatus.SUBMITTED, ReportStatus.RETURNED, ReportStatus.ACCEPTED}
    assert current.filter(METRICS["missing"]).exists() and current.filter(METRICS["late"]).exists()
    assert Synthesis.objects.filter(period__year=2023, finalised_at__isnull=False).exists()
    assert set(Difficulty.objects.values_list("status", flat=True)) == set(DifficultyStatus.values)
    escalated = Difficulty.objects.filter(status=DifficultyStatus.ESCALATED)
    assert escalated.count() == 2 and all(d.responses.exists() for d in escalated)
    assert all(d.raised_at.date() < datetime.date(2026, 11, 20) for d in Difficulty.objects.all())
    # run again: nothing doubled
    with at(2026, 11, 21, 9):
        call_command("seed_demo", stdout=io.StringIO())
    assert Difficulty.objects.count() == 5


@pytest.mark.parametrize("day", [datetime.date(2026, 3, 15), datetime.date(2027, 11, 20)])
def test_the_readme_examples_always_have_something_to_do(plan119, settings, client, day):
    """Whatever the date (before the year's period opens, while it is open, after its deadline): sct has a draft to
    finish and submit, stttt a report the DFA returned, and the DFA skhdt's report waiting for review."""
    from django.urls import reverse

    from agencies.models import User
    from reporting.demo import DEMO_EXAMPLES

    settings.DEBUG = True
    with at(day.year, day.month, day.day, 9):
        call_command("seed_demo", stdout=io.StringIO())
        call_command("seed_demo", stdout=io.StringIO())  # again: the examples stay as they are
        reports = {code: Report.objects.get(agency__code=code, period__year=day.year) for code in DEMO_EXAMPLES}
        assert {code: r.status for code, r in reports.items()} == {
            "SCT": ReportStatus.DRAFT, "STTTT": ReportStatus.RETURNED, "SKHDT": ReportStatus.SUBMITTED}
        assert all(r.is_editable() for r in (reports["SCT"], reports["STTTT"]))
        client.force_login(User.objects.get(username="sct"))
        home = client.get(reverse("home")).content.decode()
        assert reverse("report_edit", args=[reports["SCT"].pk]) in home
        client.force_login(User.objects.get(username="dfa"))
        assert reverse("report_detail", args=[reports["SKHDT"].pk]) in client.get(reverse("review_queue")).content \
            .decode()
