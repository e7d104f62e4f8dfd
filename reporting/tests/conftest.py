import pytest

from reporting.cycle.services import periods_ensure, report_open


@pytest.fixture
def periods(plan119):
    return {p.year: p for p in periods_ensure(plan=plan119)}


@pytest.fixture
def period(periods):
    return periods[2025]


@pytest.fixture
def report(period, staff, in_october_2025):
    """The 2025 report of the Department of Industry and Trade (lead on 3.2.1–3.2.3 and 4.3, and the all-agency
    items)."""
    return report_open(period=period, agency=staff.agency)
