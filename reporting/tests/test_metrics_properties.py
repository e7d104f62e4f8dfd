"""Random histories of a reporting period: every output that shows a figure agrees, and the invariants hold.

Each example builds a small cast of its own (a plan with two tasks, four ordered departments, one requested
organisation), plays a random history through the same services the pages call (save a draft, submit, return,
resubmit, accept, reopen, close the period, merge an agency into another, a new body comes into being (before or
after the deadline, its report opened by a page visit), override the deadline, add a day off, an agency asks for an
extension and the DFA grants it),
then reads the figures every way a user can: the dashboard, its drill-downs and their CSV, the agency table's
filters, the per-task table, the synthesis, the reminder runs and the home pages.

`make test` runs a few dozen histories; CI runs 200 more in a step of its own (PLAN119_HYPOTHESIS_EXAMPLES, see
.ci/run).
"""
import csv
import datetime
import io
import os

import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from agencies.models import AgencyKind, Role
from agencies.tests.factories import AgencyFactory, UserFactory, staff_of
from plan119.testing import local
from reporting.cycle import extensions, services
from reporting.dashboards import metrics
from reporting.delivery.reminders import deadline_stage, reminders_due, reminders_manual
from reporting.models import DayOff, ReminderSettings, ReportStatus, due_in_force
from reporting.synthesis.build import synthesis_content
from tasks.models import AssignmentRole, DeadlineKind
from tasks.services import agency_merge
from tasks.tests.factories import AssignmentFactory, DeadlineRuleFactory, PlanFactory, TaskFactory, TaskGroupFactory

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("PLAN119_HYPOTHESIS_EXAMPLES", "25"))
START = local(2025, 10, 24, 9)  # the 2025 period opened on 01/10; due 05/11
DEPARTMENTS = ("D1", "D2", "D3", "D4")
AGENCIES = (*DEPARTMENTS, "ORG")  # ORG: a mass organisation the plan only requests

agency_code = st.sampled_from(("D1", "D1", "D3", "D3", "D2", "D4", "ORG"))  # a few agencies go through many steps
hours = st.integers(min_value=1, max_value=24 * 6)  # how far the clock moves before the step
report_step_strategy = st.tuples(st.sampled_from(("save", "submit", "return", "accept", "reopen")), agency_code, hours)
# "next": what would naturally happen next to this agency's report (a draft is filled in and sent, a sent report is
# returned or accepted, a returned one corrected and sent again, an accepted one reopened), so histories go somewhere
next_step = st.tuples(st.just("next"), agency_code, hours)
NEXT = {ReportStatus.DRAFT: ("send",), ReportStatus.SUBMITTED: ("return", "accept", "return"),
        ReportStatus.RETURNED: ("send", "save"), ReportStatus.ACCEPTED: ("reopen",)}
rare_step_strategy = st.one_of(
    st.tuples(st.just("merge"), st.sampled_from(DEPARTMENTS), hours),
    st.tuples(st.just("found"), st.just(""), st.integers(min_value=1, max_value=24 * 20)),
    st.tuples(st.just("override"), st.integers(min_value=-4, max_value=6), hours),
    st.tuples(st.just("day_off"), st.sampled_from((datetime.date(2025, 11, 5), datetime.date(2025, 11, 6))), hours),
    # an agency asks for `days` more than its deadline (from today if it has passed) and the DFA grants it
    st.tuples(st.just("extend"), st.tuples(agency_code, st.integers(min_value=1, max_value=8)), hours),
)
# weights through a plain integer: one_of and sampled_from favour their first and last choices
step = st.integers(min_value=0, max_value=19).flatmap(
    lambda n: next_step if 2 <= n <= 15 else report_step_strategy if n in (16, 17) else rare_step_strategy)
close_step = ("close", "", 1)  # ends most of what can happen: placed once, at a random point or never
DAY = 24
# Histories that once broke a figure, always played (hypothesis adds its random ones)
KNOWN = [
    # sent on time, returned, corrected after the deadline: still on time (issue 11, point 1)
    [("save", "D1", 1), ("submit", "D1", 1), ("return", "D1", DAY), ("save", "D1", 20 * DAY), ("submit", "D1", 1)],
    # a requested organisation's report waits for review but is neither expected nor waiting (point 2)
    [("submit", "ORG", 1), ("submit", "D3", 1)],
    # an agency that sent its report, then was merged, counts the same everywhere (point 3)
    [("submit", "D3", 1), ("merge", "D3", DAY), ("submit", "D4", 1), ("accept", "D4", 1)],
    # merged before sending: its successor carries the work, nobody chases it
    [("merge", "D4", DAY), ("save", "D1", 12 * DAY)],
    # the deadline moves after a late submission: it becomes on time
    [("save", "D2", 1), ("submit", "D2", 9 * DAY), ("override", 5, 1), ("day_off", datetime.date(2025, 11, 5), 1)],
    # accepted, reopened, sent again; the period closed
    [("submit", "D4", 1), ("accept", "D4", 1), ("reopen", "D4", 1), ("submit", "D4", 15 * DAY), ("close", "", 1)],
    # extended, then sent after the period's deadline but by the granted date: on time; another sent after it: late
    [("extend", ("D1", 5), 1), ("send", "D1", 14 * DAY), ("extend", ("D3", 2), 1), ("send", "D3", 16 * DAY)],
    # a body that came into being before the deadline owes the year's report; one that came after it does not,
    # even when a page visit opened a report for it (issue 15: agencies exist for a span of time)
    [("found", "", 2 * DAY), ("found", "", 20 * DAY), ("send", "D1", 1)],
    # extended, then the period's deadline moved past the granted date: the later date holds
    [("extend", ("D2", 1), 1), ("override", 6, 1), ("send", "D2", 16 * DAY)],
]


def build_cast():
    """A plan of its own, issued after Plan 119 so that the dashboards show it, and its 2025 period."""
    plan = PlanFactory(issued_on=datetime.date(2025, 1, 1), first_year=2025, last_year=2026)
    DeadlineRuleFactory(plan=plan, kind=DeadlineKind.AGENCY_REPORT, month=11, day=5, move_to_working_day=True)
    DeadlineRuleFactory(plan=plan, kind=DeadlineKind.SYNTHESIS, month=11, day=15)
    group = TaskGroupFactory(plan=plan)
    lead_task, shared_task = TaskFactory(group=group, plan=plan), TaskFactory(group=group, plan=plan)
    agencies, users = {}, {}
    for code in AGENCIES:
        kind = AgencyKind.MASS_ORGANISATION if code == "ORG" else AgencyKind.DEPARTMENT
        agencies[code] = AgencyFactory(code=f"PBT-{code}", name=f"Cơ quan {code}", kind=kind)
        users[code] = staff_of(agencies[code], username=f"pbt-{code.lower()}")
    for code in DEPARTMENTS[:2]:
        AssignmentFactory(task=lead_task, agency=agencies[code], role=AssignmentRole.LEAD)
    for code in DEPARTMENTS[2:]:
        AssignmentFactory(task=shared_task, agency=agencies[code], role=AssignmentRole.CO_OPERATING)
    AssignmentFactory(task=shared_task, agency=agencies["ORG"], role=AssignmentRole.CO_OPERATING, requested=True)
    dfa = UserFactory(username="pbt-dfa", role=Role.DFA_OFFICER)
    period = {p.year: p for p in services.periods_ensure(plan=plan)}[2025]
    return plan, period, agencies, users, dfa


def play(history, plan, period, agencies, users, dfa, clock):
    """Play the steps through the services; a step a rule refuses (e.g. returning a draft) changes nothing.

    Returns the clock at the end and, as the test saw it happen, when each agency first sent its report."""
    now = START
    first_sent: dict[int, datetime.datetime] = {}
    cast = {"plan": plan, "period": period, "agencies": agencies, "users": users, "dfa": dfa, "granted": {}}
    for action, arg, advance in history:
        now += datetime.timedelta(hours=advance)
        clock.move_to(now)
        services.reports_open_due(today=now.date())  # the daily job
        period.refresh_from_db()
        try:
            if action in REPORT_ACTIONS:
                do_report_step(cast, action, arg, advance, now, first_sent)
            elif action == "extend":
                do_extend(cast, *arg, now.date())
            else:
                do_rare_step(cast, action, arg, now.date())
        except services.ReportingError:
            pass
    period.refresh_from_db()
    return now, first_sent, cast["granted"]


REPORT_ACTIONS = ("next", "save", "send", "submit", "return", "accept", "reopen")


def do_report_step(cast, action, code, advance, now, first_sent):
    """What an agency or the DFA does to one report ("next": whatever would naturally come next)."""
    report = cast["period"].reports.filter(agency=cast["agencies"][code]).first()
    if report is None:
        return
    if action == "next":
        choices = NEXT[report.status]
        action = choices[advance % len(choices)]
    user, dfa = cast["users"][code], cast["dfa"]
    if action in ("save", "send"):
        sections = {s.pk: {"progress": "in_progress", "results": f"Kết quả {code} {now:%d/%m %H}"}
                    for s in report.sections.all()}
        report = services.report_save_draft(report=report, user=user, lock_version=report.lock_version, summary="",
                                            sections=sections)
    if action in ("submit", "send"):
        services.report_submit(report=report, user=user)
        first_sent.setdefault(report.pk, now)
    elif action == "return":
        services.report_return(report=report, user=dfa, comment="Bổ sung số liệu")
    elif action == "accept":
        services.report_accept(report=report, user=dfa)
    elif action == "reopen":
        services.report_reopen(report=report, user=dfa, reason="Mở lại để bổ sung")


def do_extend(cast, code, days, today):
    """The agency asks for `days` beyond its deadline (from today once it has passed), the DFA grants it; either may
    be refused by a rule (sent, closed, too late for the synthesis). The test notes the granted dates."""
    report = cast["period"].reports.filter(agency=cast["agencies"][code]).first()
    if report is None:
        return
    day = max(report.due_date, today) + datetime.timedelta(days=days)
    extension = extensions.extension_request(report=report, user=cast["users"][code], proposed_date=day,
                                             reason="Cần thêm thời gian")
    extensions.extension_grant(extension=extension, user=cast["dfa"])
    cast["granted"][report.pk] = day


def do_rare_step(cast, action, arg, today):
    """What happens around the reports: a merge, a moved deadline, a day off, the period closed."""
    if action == "merge":
        source, target = cast["agencies"][arg], cast["agencies"][advance_target(arg)]
        source.refresh_from_db()
        target.refresh_from_db()
        if source.active and target.active:
            agency_merge(agency=source, successor=target, on=today)
    elif action == "found":
        founded = AgencyFactory(kind=AgencyKind.DEPARTMENT, exists_from=today)
        AssignmentFactory(task=cast["plan"].tasks.first(), agency=founded, role=AssignmentRole.LEAD)
        services.report_open(period=cast["period"], agency=founded)
    elif action == "override":
        services.period_dates_override(period=cast["period"], opens_on=None, synthesis_due=None,
                                       agency_due=datetime.date(2025, 11, 5) + datetime.timedelta(days=arg))
    elif action == "day_off" and not DayOff.objects.filter(date=arg).exists():
        services.day_off_save(day_off=DayOff(date=arg, name="Nghỉ bù"))
    elif action == "close":
        services.period_close(period=cast["period"], user=cast["dfa"])


def advance_target(code: str) -> str:
    """The department a merge goes into: the next one along (a merge into itself is not a merge)."""
    return DEPARTMENTS[(DEPARTMENTS.index(code) + 1) % len(DEPARTMENTS)]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]


def names(queryset) -> list[str]:
    return sorted(r.agency.name for r in queryset)


def check_everything(client, plan, period, dfa, now, first_sent, granted):
    counts = metrics.period_counts(period=period)
    counted = list(metrics.counted_reports(period).select_related("agency", "period"))
    check_what_happened(period, counted, first_sent, granted)
    check_invariants(counts, counted)
    check_python_and_sql_agree(period, counted, now.date())
    client.force_login(dfa)
    check_dashboard(client, period, counts)
    check_synthesis(client, period, counts)
    check_reminders(period, now.date())


def check_what_happened(period, counted, first_sent, granted):
    # what the test saw happen: a report once sent always counts in its year, whatever became of its agency; a report
    # of a body in existence on the report's due date counts (issue 15); late means the first submission came after
    # the deadline in force at the end, the period's or, for a report the DFA gave more time, the last date it
    # granted (the later of the two)
    assert set(first_sent) <= {r.pk for r in counted}
    assert {r.pk for r in counted} == {r.pk for r in period.reports.select_related("agency", "period")
                                       if r.pk in first_sent or r.agency.exists_on(r.due_date)}
    due = {r.pk: max(period.agency_due, granted.get(r.pk, period.agency_due)) for r in counted}
    seen_late = {pk for pk, at in first_sent.items() if at.date() > due[pk]}
    assert {r.pk for r in metrics.reports_for_metric(period=period, metric="extended")} == \
        {r.pk for r in counted if r.expected and due[r.pk] > period.agency_due}
    assert {r.pk for r in metrics.reports_for_metric(period=period, metric="late")} == \
        {r.pk for r in counted if r.expected and r.pk in seen_late}
    assert {r.pk for r in metrics.reports_for_metric(period=period, metric="on_time")} == \
        {r.pk for r in counted if r.expected and r.pk in first_sent and r.pk not in seen_late}


def check_invariants(counts, counted):
    assert counts["expected"] == counts["submitted"] + counts["missing"]
    assert counts["submitted"] == counts["on_time"] + counts["late"]
    assert counts["submitted"] == counts["accepted"] + counts["returned"] + counts["waiting"]
    assert counts["voluntary_submitted"] <= counts["voluntary"]
    assert counts["expected"] + counts["voluntary"] == len(counted)


def check_python_and_sql_agree(period, counted, today):
    """The model's rule for lateness and for the due date (Python) says what the SQL says."""
    late = {r.pk for r in metrics.reports_for_metric(period=period, metric="late")}
    sql_due = dict(metrics.counted_reports(period).annotate(due=metrics.DUE).values_list("pk", "due"))
    overdue = {r.pk for r in metrics.reports_overdue(period=period, today=today)}
    for report in counted:
        assert (report.days_late > 0) == (report.pk in late), report
        assert report.due_date == sql_due[report.pk] == due_in_force(period.agency_due, report.extended_due)
        assert (report.pk in overdue) == (report.expected and report.first_submitted_at is None
                                          and report.due_date < today)
        if not report.expected:
            assert report.days_late == 0 and metrics.days_left_to_report(report, period, today) is None
        if report.first_submitted_at is not None:  # the first submission decides, whatever came after
            first = report.versions.order_by("number").first()
            assert first.submitted_at == report.first_submitted_at


def check_dashboard(client, period, counts):
    """The dashboard, its drill-downs (page and CSV) and the agency table's filters."""
    stats = client.get(reverse("dashboard_year", args=[2025])).context["stats"]
    assert {k: stats[k] for k in counts} == counts
    for metric in metrics.METRICS:
        listed = names(metrics.reports_for_metric(period=period, metric=metric))
        assert len(listed) == counts[metric]
        rows = csv_rows(client.get(reverse("dashboard_reports", args=[2025]), {"metric": metric, "format": "csv"}))
        assert sorted(row[0] for row in rows) == listed, metric
    table = reverse("dashboard_year", args=[2025])
    assert len(csv_rows(client.get(table, {"format": "csv"}))) == counts["expected"]
    for status, metric in (("missing", "missing"), ("submitted", "waiting"), ("returned", "returned"),
                           ("accepted", "accepted")):
        assert len(csv_rows(client.get(table, {"format": "csv", "status": status}))) == counts[metric], status
    assert len(csv_rows(client.get(table, {"format": "csv", "late": "true"}))) == counts["late"]
    assert len(csv_rows(client.get(table, {"format": "csv", "late": "false"}))) == counts["on_time"]


def check_synthesis(client, period, counts):
    """The synthesis counts the same reports and names the same agencies, and the same per-task progress."""
    content, built_from = synthesis_content(period=period)
    assert {k: content["completeness"][k] for k in counts} == counts
    assert sorted(content["missing"]) == names(metrics.reports_for_metric(period=period, metric="missing"))
    assert (sorted(item["name"] for item in content["late"])
            == names(metrics.reports_for_metric(period=period, metric="late")))
    assert len(built_from) == counts["submitted"] + counts["voluntary_submitted"]
    progress = {row["task_id"]: row for row in metrics.task_progress(period=period)}
    tasks_csv = csv_rows(client.get(reverse("dashboard_tasks", args=[2025]), {"format": "csv"}))
    assert len(tasks_csv) == len(progress)
    for group in content["groups"]:
        for task in group["tasks"]:
            row = next((r for r in progress.values() if r["task__code"] == task["code"]), None)
            if row is not None:
                assert task["counts"]["no_report"] == row["unreported"]
                assert task["counts"]["not_started"] == row["no_progress"]
    for row in progress.values():
        assert row["expected"] == row["reported"] + row["unreported"]
        assert row["reported"] == sum(row[p] for p in ("completed", "in_progress", "ongoing")) + row["no_progress"]


def check_reminders(period, today):
    """The reminder runs chase exactly the missing reports of agencies that still exist, and never a voluntary one."""
    chase = {r.agency_id for r in metrics.reports_to_chase(period=period)}
    assert chase == {r.agency_id for r in metrics.reports_for_metric(period=period, metric="missing")
                     if r.agency.active}
    manual = {r.agency_id for batch in reminders_manual(period=period, today=today).values()
              for item in batch.items.values() for r in item.reports}
    assert manual == chase
    chased = {r.agency_id for batch in reminders_due(today=today).values() for item in batch.items.values()
              if item.period.pk == period.pk and item.kind in ("deadline", "overdue") for r in item.reports}
    assert chased <= chase and all(r.expected for r in metrics.reports_to_chase(period=period))
    # each report is chased at the stage its own deadline (an extension's, if granted) puts it on today
    settings = ReminderSettings.load()
    staged = {r.agency_id for r in metrics.reports_to_chase(period=period).select_related("period")
              if deadline_stage(r.days_left(today), settings) is not None}
    assert chased == (set() if period.is_closed else staged)


@hsettings(max_examples=EXAMPLES, deadline=None, derandomize=os.environ.get("CI") != "true",
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=st.lists(step, min_size=4, max_size=30), close_at=st.none() | st.integers(min_value=0, max_value=30))
def test_every_output_agrees_on_every_figure(client, history, close_at):
    if close_at is not None:
        history = [*history[:close_at], close_step, *history[close_at:]]
    play_and_check(client, history)


@pytest.mark.parametrize("history", KNOWN)
def test_known_histories(client, history):
    play_and_check(client, history)


def play_and_check(client, history):
    cache.clear()
    with transaction.atomic(), time_machine.travel(START, tick=False) as clock:
        plan, period, agencies, users, dfa = build_cast()
        now, first_sent, granted = play(history, plan, period, agencies, users, dfa, clock)
        check_everything(client, plan, period, dfa, now, first_sent, granted)
        transaction.set_rollback(True)
