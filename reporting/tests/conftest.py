import datetime

import pytest
import time_machine

from reporting.cycle.services import periods_ensure, report_open


@pytest.fixture
def periods(plan119):
    return {p.year: p for p in periods_ensure(plan=plan119)}


@pytest.fixture
def period(periods):
    return periods[2025]


@pytest.fixture
def in_october_2025():
    """20/10/2025, 10:00 in Thanh Hóa: the 2025 period is open, 16 days before the deadline."""
    with time_machine.travel(datetime.datetime(2025, 10, 20, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=7))), tick=False) as t:
        yield t


@pytest.fixture
def report(period, staff, in_october_2025):
    """The 2025 report of the Department of Industry and Trade (lead on 3.2.1–3.2.3 and 4.3, and the all-agency items)."""
    return report_open(period=period, agency=staff.agency)


def fill(report, text="Đã tổ chức 3 hội nghị xúc tiến thương mại."):
    """Give every section a results text, as an agency would before submitting."""
    for section in report.sections.all():
        section.results = f"{text} ({section.task.code})"
        section.progress = "in_progress"
        section.save()
    return report
