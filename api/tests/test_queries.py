"""Every list endpoint answers in a number of queries that does not grow with the data (the house's quality bar)."""
import pytest
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


@pytest.mark.parametrize("name", list(LISTS))
def test_list_endpoints_are_flat_as_data_grows(name, small_plan, small_period, small_report, dfa,
                                               django_assert_max_num_queries):
    client = APIClient()
    client.force_login(dfa)
    url = "/api/" + LISTS[name].format(plan=small_plan.plan.pk)
    _grow(small_plan, small_period, dfa, 2)
    client.get(url)  # the first call warms what is cached per process (content types, the feed's counter row)
    small = _count(client, url)
    _grow(small_plan, small_period, dfa, 8)
    client.get(url)  # the changes of the growth get their places in the feed (one batch: a fixed number of queries)
    with django_assert_max_num_queries(BUDGET):
        large = _count(client, url)
    assert large == small, f"{name}: {small} queries with 3 agencies, {large} with 11"


def test_a_report_by_token_is_flat_too(small_plan, small_period, small_report, dfa, by_token):
    url = f"/api/v1/plans/{small_plan.plan.pk}/periods/2025/reports/T-LEAD/"
    by_token.get(url)  # the token's "last used" is written at most once a minute
    small = _count(by_token, url)
    _grow(small_plan, small_period, dfa, 5)
    assert _count(by_token, url) == small
