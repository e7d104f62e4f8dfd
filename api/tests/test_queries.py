"""Every list endpoint answers in a number of queries that does not grow with the data (the house's quality bar)."""
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from agencies.tests.factories import AgencyFactory, staff_of
from plan119.testing import fill
from reporting.cycle import services
from reporting.difficulties.services import difficulty_raise, difficulty_respond
from tasks.models import AssignmentRole
from tasks.tests.factories import AssignmentFactory, TaskFactory

LISTS = {
    "plans": "v1/plans/",
    "groups": "v1/plans/{plan}/groups/",
    "tasks": "v1/plans/{plan}/tasks/",
    "agencies": "v1/agencies/?kind=department",
    "periods": "v1/plans/{plan}/periods/",
    "reports": "v1/plans/{plan}/periods/2025/reports/",
    "reports by figure": "v1/plans/{plan}/periods/2025/reports/?metric=submitted",
    "figures": "v1/plans/{plan}/periods/2025/figures/",
    "figures by agency": "v1/plans/{plan}/periods/2025/figures/agencies/",
    "figures by task": "v1/plans/{plan}/periods/2025/figures/tasks/",
    "indicator totals": "v1/plans/{plan}/periods/2025/figures/indicators/",
    "figures by year": "v1/plans/{plan}/figures/years/",
    "difficulties": "v1/plans/{plan}/difficulties/",
    "events": "v1/events/",
}
BUDGET = 12  # session, user, roles, the period, count, page, prefetches, the feed's sequencing


def _grow(small_plan, small_period, dfa, n: int) -> None:
    """n more agencies, each lead on a task of its own and co-operating on 1.1, with a submitted and reviewed report,
    an indicator value and an answered difficulty."""
    group = small_plan.tasks["1.1"].group
    for i in range(n):
        agency = AgencyFactory()
        task = TaskFactory(group=group, plan=small_plan.plan, code=f"1.{10 + i + n * 10}")
        AssignmentFactory(task=task, agency=agency, role=AssignmentRole.LEAD)
        AssignmentFactory(task=small_plan.tasks["1.1"], agency=agency, role=AssignmentRole.CO_OPERATING)
        staff = staff_of(agency)
        report = fill(services.report_open(period=small_period, agency=agency))
        section = report.sections.first()
        section.figures.create(label="Hội nghị", value=2, unit="cái")
        services.report_submit(report=report, user=staff)
        (services.report_accept if i % 2 else services.report_return)(report=report, user=dfa, comment="Ý kiến")
        difficulty = difficulty_raise(agency=agency, task=task, kind="difficulty", title="Khó khăn", text="…",
                                      user=staff, period=small_period)
        difficulty_respond(difficulty=difficulty, user=dfa, text="Hướng dẫn", status="guided")


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    return len(queries)


def _counts(client, urls) -> dict[str, int]:
    counts = {}
    for name, url in urls.items():
        client.get(url)  # warms what is cached per process, gives the feed's new changes their places
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        counts[name] = len(queries)
    return counts


def test_list_endpoints_are_flat_as_data_grows(small_plan, small_period, small_report, dfa):
    client = APIClient()
    client.force_login(dfa)
    urls = {name: "/api/" + path.format(plan=small_plan.plan.pk) for name, path in LISTS.items()}
    _grow(small_plan, small_period, dfa, 2)
    small = _counts(client, urls)
    _grow(small_plan, small_period, dfa, 8)
    large = _counts(client, urls)
    assert large == small, "queries with 3 agencies, then with 11"
    assert max(large.values()) <= BUDGET, large


def test_a_report_by_token_is_flat_too(small_plan, small_period, small_report, dfa, by_token):
    url = f"/api/v1/plans/{small_plan.plan.pk}/periods/2025/reports/T-LEAD/"
    by_token.get(url)  # the token's "last used" is written at most once a minute
    small = _count(by_token, url)
    _grow(small_plan, small_period, dfa, 5)
    assert _count(by_token, url) == small
