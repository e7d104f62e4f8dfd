"""Indicator totals (reporting.dashboards.metrics.indicator_figures): from what agencies submitted, combined as each
indicator says, requested organisations apart, merged bodies kept in their year."""
from decimal import Decimal

import pytest

from agencies.tests.factories import staff_of
from plan119.testing import fill
from reporting.cycle.services import report_open, report_return, report_save_draft, report_submit
from reporting.dashboards.metrics import indicator_figures
from tasks.services import agency_merge


def give(report, user, values: dict[tuple[str, str], str], indicators, submit=True):
    """Save indicator values {(task code, indicator key): "1234.5"} and submit."""
    report.refresh_from_db()
    by_section: dict[int, dict] = {}
    for (code, key), value in values.items():
        section = report.sections.get(task__code=code)
        by_section.setdefault(section.pk, {})[indicators[key].pk] = Decimal(value) if value is not None else None
    report_save_draft(report=report, user=user, lock_version=report.lock_version, summary="", sections={},
                      indicators=by_section)
    if submit:
        fill(report)
        report.refresh_from_db()
        report_submit(report=report, user=user)
    return report


@pytest.fixture
def cast(small_plan, small_period, small_indicators, in_october_2025, dfa):
    lead, coop, org = (staff_of(a, username=a.code) for a in (small_plan.lead, small_plan.co_operating,
                                                              small_plan.requested))
    reports = {a.code: report_open(period=small_period, agency=a)
               for a in (small_plan.lead, small_plan.co_operating, small_plan.requested)}
    return {"users": {"lead": lead, "coop": coop, "org": org}, "reports": reports, "ind": small_indicators}


def figure(figures, task, code):
    return next(item for item in figures[task] if item["code"] == code)


def test_values_add_up_as_the_indicator_says_and_requested_organisations_stay_apart(cast, small_period, small_plan):
    ind, users, reports = cast["ind"], cast["users"], cast["reports"]
    give(reports["T-LEAD"], users["lead"], {("1.1", "events"): "3", ("1.1", "capital"): "1234.5",
                                            ("2.1", "events"): "2"}, ind)
    give(reports["T-COOP"], users["coop"], {("1.1", "events"): "4", ("2.2", "share"): "60"}, ind)
    give(reports["T-ORG"], users["org"], {("1.1", "events"): "10"}, ind)
    figures = indicator_figures(period=small_period)
    events = figure(figures, "1.1", "events")
    assert events["total"] == 7  # 3 + 4; the requested organisation's 10 apart
    assert events["voluntary_total"] == 10
    assert [(v["agency_code"], v["value"], v["expected"]) for v in events["values"]] == [
        ("T-LEAD", 3, True), ("T-COOP", 4, True), ("T-ORG", 10, False)]  # ordered first, Vietnamese order
    assert figure(figures, "1.1", "capital")["total"] == Decimal("1234.5")
    assert figure(figures, "2.1", "events")["total"] == 2
    assert figure(figures, "2.2", "share")["total"] == 60


def test_max_and_latest(small_indicators):
    share = small_indicators["share"]
    assert share.combined([Decimal(40), Decimal(60), Decimal(50)]) == 60
    share.combine = "latest"
    assert share.combined([Decimal(40), Decimal(60), Decimal(50)]) == 50
    share.combine = "sum"
    assert share.combined([Decimal(40), None, Decimal(50)]) == 90
    assert share.combined([None]) is None


def test_only_submitted_versions_count_a_draft_never(cast, small_period, dfa):
    ind, users, reports = cast["ind"], cast["users"], cast["reports"]
    give(reports["T-LEAD"], users["lead"], {("1.1", "events"): "3"}, ind)
    give(reports["T-COOP"], users["coop"], {("1.1", "events"): "4"}, ind, submit=False)  # a draft
    assert figure(indicator_figures(period=small_period), "1.1", "events")["total"] == 3
    # returned and being corrected: the last submitted value stands until it is sent again
    report_return(report=reports["T-LEAD"], user=dfa, comment="Bổ sung số liệu")
    give(reports["T-LEAD"], users["lead"], {("1.1", "events"): "30"}, ind, submit=False)
    assert figure(indicator_figures(period=small_period), "1.1", "events")["total"] == 3
    reports["T-LEAD"].refresh_from_db()
    report_submit(report=reports["T-LEAD"], user=users["lead"])
    assert figure(indicator_figures(period=small_period), "1.1", "events")["total"] == 30


def test_a_body_merged_after_sending_keeps_its_values_in_its_year(cast, small_period, small_plan):
    ind, users, reports = cast["ind"], cast["users"], cast["reports"]
    give(reports["T-COOP"], users["coop"], {("1.1", "events"): "4"}, ind)
    give(reports["T-LEAD"], users["lead"], {("1.1", "events"): "3"}, ind)
    agency_merge(agency=small_plan.co_operating, successor=small_plan.lead)
    events = figure(indicator_figures(period=small_period), "1.1", "events")
    assert events["total"] == 7
    assert {v["agency_code"] for v in events["values"]} == {"T-LEAD", "T-COOP"}
