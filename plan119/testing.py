"""What every app's tests share: one clock in Thanh Hóa's time, the report form as a browser posts it, and the
small plan of the cast (healthchecks' hc/test.py) that tests of mechanics use; the fixtures are in conftest.py.

Tests of mechanics (a rule of the services, a view's permissions, a form) build this small data of their own;
the real Plan 119 (codes such as SCT, item 4.3, its 27 districts) stays for the tests of the plan's fidelity.
"""
import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import time_machine

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")  # settings.TIME_ZONE: Thanh Hóa, UTC+7 all year


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """That moment on a clock in Thanh Hóa."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=LOCAL)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0):
    """Travel to that local moment, the clock stopped: `with at(2025, 11, 5, 23, 59): ...`."""
    return time_machine.travel(local(year, month, day, hour, minute), tick=False)


def report_form_data(report, **overrides) -> dict:
    """What the browser posts for the report form as the report stands, with overrides by field name."""
    data = {"summary": report.summary, "next_year": report.next_year, "lock_version": report.lock_version,
            "anchor": "", "action": "save"}
    for s in report.sections.all():
        p = f"s{s.pk}"
        data.update({f"{p}-progress": s.progress, f"{p}-results": s.results, f"{p}-difficulties": s.difficulties,
                     f"{p}-proposals": s.proposals, f"{p}-fig-TOTAL_FORMS": "2", f"{p}-fig-INITIAL_FORMS": "0",
                     f"{p}-fig-MIN_NUM_FORMS": "0", f"{p}-fig-MAX_NUM_FORMS": "30"})
    data.update(overrides)
    return data


def section_field(report, code: str, field: str) -> str:
    """The form field of one section, by its task's code: section_field(report, "1.1", "results")."""
    return f"s{report.sections.get(task__code=code).pk}-{field}"


def fill(report, text="Đã tổ chức 3 hội nghị xúc tiến thương mại."):
    """Give every section a results text, as an agency would before submitting."""
    for section in report.sections.all():
        section.results = f"{text} ({section.task.code})"
        section.progress = "in_progress"
        section.save()
    return report


SMALL_PLAN = "7/KH-TEST"  # the small plan's number


@dataclass
class SmallPlan:
    plan: object
    tasks: dict  # by code: "1.1", "1.2" (a parent item), "1.2.1", "2.1", "2.2"
    lead: object  # the lead department: leads 1.1, 1.2 and its 1.2.1; co-operates on 2.1
    co_operating: object  # another department: co-operates on 1.1, leads 2.1 and 2.2
    requested: object  # a mass organisation the plan requests (đề nghị) to co-operate on 1.1: voluntary
    outside: object  # a department with no task in this plan


def small_plan_build() -> SmallPlan:
    """A plan of five items, issued after Plan 119 (15/05/2023) so that the dashboards and forms show it.

    Its years are 2024–2026; agencies report before 05/11 (IV.2), the DFA synthesises before 15/11 (IV.1).
    """
    from agencies.models import AgencyKind
    from agencies.tests.factories import AgencyFactory
    from tasks.models import AssignmentRole, DeadlineKind
    from tasks.tests.factories import AssignmentFactory, DeadlineRuleFactory, PlanFactory, TaskFactory, TaskGroupFactory

    plan = PlanFactory(number=SMALL_PLAN, title="Kế hoạch thử nghiệm", issued_on=datetime.date(2024, 3, 1),
                       first_year=2024, last_year=2026)
    DeadlineRuleFactory(plan=plan, kind=DeadlineKind.AGENCY_REPORT, month=11, day=5, basis="IV.2")
    DeadlineRuleFactory(plan=plan, kind=DeadlineKind.SYNTHESIS, month=11, day=15, basis="IV.1")
    trade = TaskGroupFactory(plan=plan, code="1", title="Xúc tiến thương mại")
    cooperation = TaskGroupFactory(plan=plan, code="2", title="Hợp tác quốc tế")
    parent = TaskFactory(group=trade, plan=plan, code="1.2", title="Hỗ trợ doanh nghiệp", title_en="Support to firms")
    tasks = {
        "1.1": TaskFactory(group=trade, plan=plan, code="1.1", title="Hội nghị xúc tiến", title_en="Trade fairs"),
        "1.2": parent,
        "1.2.1": TaskFactory(group=trade, plan=plan, parent=parent, code="1.2.1", title="Hội chợ", title_en="Fairs"),
        "2.1": TaskFactory(group=cooperation, plan=plan, code="2.1", title="Kết nghĩa", title_en="Twinning"),
        "2.2": TaskFactory(group=cooperation, plan=plan, code="2.2", title="Đón đoàn", title_en="Delegations"),
    }
    lead = AgencyFactory(code="T-LEAD", name="Sở Thử nghiệm Công Thương", name_en="Test Department of Trade")
    co_operating = AgencyFactory(code="T-COOP", name="Sở Thử nghiệm Tài chính", name_en="Test Department of Finance")
    requested = AgencyFactory(code="T-ORG", name="Hội Thử nghiệm", name_en="Test Association",
                              kind=AgencyKind.MASS_ORGANISATION)
    outside = AgencyFactory(code="T-OUT", name="Sở Thử nghiệm Ngoài kế hoạch", name_en="Test Department Outside")
    AssignmentFactory(task=tasks["1.1"], agency=lead, role=AssignmentRole.LEAD)
    AssignmentFactory(task=tasks["1.1"], agency=co_operating, role=AssignmentRole.CO_OPERATING)
    AssignmentFactory(task=tasks["1.1"], agency=requested, role=AssignmentRole.CO_OPERATING, requested=True)
    AssignmentFactory(task=tasks["1.2"], agency=lead, role=AssignmentRole.LEAD)
    AssignmentFactory(task=tasks["1.2.1"], agency=lead, role=AssignmentRole.LEAD)
    AssignmentFactory(task=tasks["2.1"], agency=co_operating, role=AssignmentRole.LEAD)
    AssignmentFactory(task=tasks["2.1"], agency=lead, role=AssignmentRole.CO_OPERATING)
    AssignmentFactory(task=tasks["2.2"], agency=co_operating, role=AssignmentRole.LEAD)
    return SmallPlan(plan=plan, tasks=tasks, lead=lead, co_operating=co_operating, requested=requested, outside=outside)



def small_indicators_build(small: SmallPlan) -> dict:
    """A catalogue for the small plan: events held (a count, summed) on 1.1 and 2.1, capital attracted (an amount in
    USD million, summed, lead agencies only) on 1.1, and a share of requests answered (a percentage, the largest
    value) on 2.2."""
    from tasks.models import Indicator

    def make(code, name, unit, kind, combine, tasks, lead_only=False, position=0):
        indicator = Indicator.objects.create(plan=small.plan, code=code, name=name, name_en=code, unit=unit,
                                             kind=kind, combine=combine, lead_only=lead_only, position=position)
        indicator.tasks.set([small.tasks[t] for t in tasks])
        return indicator

    return {
        "events": make("events", "Sự kiện xúc tiến", "sự kiện", "count", "sum", ["1.1", "2.1"], position=1),
        "capital": make("capital", "Vốn thu hút", "triệu USD", "amount", "sum", ["1.1"], lead_only=True, position=2),
        "share": make("share", "Tỷ lệ kiến nghị được trả lời", "%", "percentage", "max", ["2.2"], position=3),
    }


def another_plan_build(agency):
    """A second plan, issued before the small one (so the small plan stays the one shown), with one item that only
    `agency` carries and its periods for 2023–2030: for tests that one plan's pages leave out another plan."""
    from reporting.cycle.services import periods_ensure
    from tasks.models import DeadlineKind
    from tasks.tests.factories import AssignmentFactory, DeadlineRuleFactory

    plan = AssignmentFactory(agency=agency).task.plan
    DeadlineRuleFactory(plan=plan, kind=DeadlineKind.AGENCY_REPORT, month=11, day=5)
    DeadlineRuleFactory(plan=plan, kind=DeadlineKind.SYNTHESIS, month=11, day=15)
    periods_ensure(plan=plan)
    return plan
