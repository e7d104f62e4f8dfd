"""Project-wide test set-up: the strict-services switch, Plan 119 loaded for the tests of its fidelity and the cast (a
small plan of its own, plan119/testing.py) for the tests of mechanics."""
import os

import pytest

# CI sets this: a test that would skip for want of a service (PostgreSQL, Redis, Chromium) fails instead.
STRICT = os.environ.get("PLAN119_STRICT_SERVICES") == "1"


def require_service(available: bool, reason: str) -> None:
    if available:
        return
    if STRICT:
        pytest.fail(f"{reason} (PLAN119_STRICT_SERVICES=1 forbids skipping)")
    pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under PLAN119_STRICT_SERVICES=1: {report.longrepr}"


@pytest.fixture(scope="session", autouse=True)
def _var_dir():
    """The test run's folders (plan119/settings_test.py puts them in a temporary directory), made as `make run` makes
    its own, and removed at the end."""
    import shutil
    import tempfile

    from django.conf import settings

    from plan119.folders import folders_create

    folders_create()
    yield
    if settings.VAR_DIR.is_relative_to(tempfile.gettempdir()):  # never a deployment's var/, whatever --ds says
        shutil.rmtree(settings.VAR_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: after a rollback SQLite hands out the same ids again, so the dashboards'
    cached counts of one test could match another test's stamps (reporting/dashboard.py)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def plan_data():
    from tasks.services import read_plan_file

    return read_plan_file()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load Plan 119 once into the test database; each test's transaction rolls its own changes back."""
    from tasks.services import plan_load, read_plan_file

    with django_db_blocker.unblock():
        plan_load(data=read_plan_file())


@pytest.fixture
def plan119(db, plan_data):
    """The bundled Plan 119/KH-UBND, loaded as `make run` loads it."""
    from tasks.models import Plan
    from tasks.services import plan_load

    plan = Plan.objects.filter(number="119/KH-UBND").first()
    if plan is None:  # a transactional test before this one emptied the database
        plan_load(data=plan_data)
        plan = Plan.objects.get(number="119/KH-UBND")
    return plan


@pytest.fixture
def empty_db(db):
    """A database without the plan, for tests of loading into an empty database."""
    from agencies.models import Agency
    from tasks.models import Assignment, Plan, Task, TaskGroup

    Assignment.objects.all().delete()
    Task.objects.all().delete()
    TaskGroup.objects.all().delete()
    Plan.objects.all().delete()
    Agency.objects.all().delete()
    for model in (Assignment, Task, TaskGroup, Plan, Agency):
        model.history.all().delete()


# --- Plan 119's own people, for the tests of the plan's fidelity only: test_metrics.py (the issue on the demo's real
# agencies), test_journeys.py (whole journeys through Plan 119 in a browser), tasks' test_admin, test_services (the
# loader keeps what an admin changed) and test_views (the members of an item for all agencies) ---

@pytest.fixture
def agency_of(plan119):
    from agencies.models import Agency

    return lambda code: Agency.objects.get(code=code)


@pytest.fixture
def staff(agency_of):
    """Staff of the Department of Industry and Trade (lead on 3.2 and 4.3)."""
    from agencies.tests.factories import staff_of

    return staff_of(agency_of("SCT"), username="sct_staff")


@pytest.fixture
def other_staff(agency_of):
    """Staff of another agency (the Department of Finance)."""
    from agencies.tests.factories import staff_of

    return staff_of(agency_of("STC"), username="stc_staff")


@pytest.fixture
def dfa_officer(agency_of):
    from agencies.models import Role
    from agencies.tests.factories import UserFactory

    return UserFactory(agency=agency_of("SNGV"), role=Role.DFA_OFFICER, username="dfa_officer")


@pytest.fixture
def admin_user(db):
    from agencies.tests.factories import UserFactory

    return UserFactory(username="root", is_staff=True, is_superuser=True)


# --- The clock the cast's report is opened at ---

@pytest.fixture
def in_october_2025():
    """20/10/2025, 10:00 in Thanh Hóa: the 2025 period is open, 16 days before the deadline."""
    from plan119.testing import at

    with at(2025, 10, 20) as traveller:
        yield traveller


# --- The cast: a small plan of its own and its people, for tests of mechanics (see plan119/testing.py) ---

@pytest.fixture
def small_plan(db):
    """Four items, a lead and a co-operating department, a requested organisation, a department outside the plan."""
    from plan119.testing import small_plan_build

    return small_plan_build()


@pytest.fixture
def small_indicators(small_plan):
    """The small plan's indicator catalogue: events (count, 1.1 and 2.1), capital (amount, lead only, 1.1), share
    (percentage, 2.2)."""
    from plan119.testing import small_indicators_build

    return small_indicators_build(small_plan)


@pytest.fixture
def small_periods(small_plan):
    from reporting.cycle.services import periods_ensure

    return {p.year: p for p in periods_ensure(plan=small_plan.plan)}


@pytest.fixture
def small_period(small_periods):
    """2025: opens 01/10, agencies report before 05/11, the synthesis before 15/11."""
    return small_periods[2025]


@pytest.fixture
def owner(small_plan):
    """Staff of the lead department: the report, the difficulties are theirs."""
    from agencies.tests.factories import staff_of

    return staff_of(small_plan.lead, username="owner", first_name="Minh", last_name="Trần")


@pytest.fixture
def colleague(small_plan):
    """Another member of the owner's department."""
    from agencies.tests.factories import staff_of

    return staff_of(small_plan.lead, username="colleague", first_name="Lan", last_name="Nguyễn")


@pytest.fixture
def outsider(small_plan):
    """Staff of the co-operating department: another agency of the same plan, no business with the owner's report."""
    from agencies.tests.factories import staff_of

    return staff_of(small_plan.co_operating, username="outsider")


@pytest.fixture
def dfa(small_plan):
    """An officer of the Department of Foreign Affairs (Sở Ngoại vụ), who reviews and synthesises."""
    from agencies.models import Role
    from agencies.tests.factories import UserFactory

    return UserFactory(role=Role.DFA_OFFICER, username="dfa")


@pytest.fixture
def viewer(small_plan):
    """Provincial leadership: reads everything, changes nothing."""
    from agencies.models import Role
    from agencies.tests.factories import UserFactory

    return UserFactory(role=Role.LEADERSHIP, username="viewer")


@pytest.fixture
def admin(small_plan):
    from agencies.tests.factories import UserFactory

    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def small_report(small_period, owner, in_october_2025):
    """The owner's 2025 report, opened on 20/10/2025 (the clock stays there): 1.1, 1.2.1 (lead) and 2.1."""
    from reporting.cycle.services import report_open

    return report_open(period=small_period, agency=owner.agency)


# --- Real browser (Playwright driving Debian's Chromium; `playwright install` is neither possible nor needed) ---
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API and the ORM in one test
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture(scope="session")
def browser_type(playwright, browser_name):
    require_service(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    return getattr(playwright, browser_name)


@pytest.fixture(autouse=True)
def _celery_eager(settings):
    """Tasks run in-process unless a test starts a real worker (see reporting/tests/test_worker.py)."""
    from plan119.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
