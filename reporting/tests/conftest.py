import pytest

from reporting.cycle.services import periods_ensure


@pytest.fixture
def periods(plan119):
    """Plan 119's periods, for the tests of the plan's fidelity (test_metrics.py reproduces the issue on its real
    agencies); tests of mechanics use the cast's small_periods (conftest.py)."""
    return {p.year: p for p in periods_ensure(plan=plan119)}
