"""The reports admin: an edit there reaches the dashboards and makes the agency's open form stale; dates changed there
move the periods. On the cast's small plan (conftest.py)."""
import datetime

import pytest
from django.urls import reverse

from plan119.testing import at, fill
from reporting.cycle import services
from reporting.dashboards.selectors import progress_by_year

pytestmark = pytest.mark.django_db


def years_of(plan, task):
    return next(row["years"] for row in progress_by_year(plan=plan) if row["task_id"] == task.pk)


def change_form_data(response):
    """The POST an admin sends on "Save" without touching anything, taken from the change page's forms."""
    forms = [response.context["adminform"].form]
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        forms.extend(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is True:
                data[form.add_prefix(name)] = "on"
            elif value not in (None, False):
                data[form.add_prefix(name)] = value
    return data


def test_an_admin_edit_of_a_section_shows_on_the_dashboard(client, small_period, owner, admin):
    period = small_period
    with at(2025, 11, 3, 9):
        report = fill(services.report_open(period=period, agency=owner.agency))
        report = services.report_submit(report=report, user=owner)
    section = report.sections.order_by("pk").first()
    assert years_of(period.plan, section.task) == {2025: {"in_progress": 1}}
    client.force_login(admin)
    url = reverse("admin:reporting_report_change", args=[report.pk])
    data = change_form_data(client.get(url))
    index = next(i for i in range(int(data["sections-TOTAL_FORMS"])) if int(data[f"sections-{i}-id"]) == section.pk)
    data[f"sections-{index}-progress"] = "completed"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    section.refresh_from_db()
    assert section.progress == "completed"
    assert years_of(period.plan, section.task) == {2025: {"completed": 1}}
    lock_version = report.lock_version
    report.refresh_from_db()
    assert report.lock_version == lock_version + 1


@pytest.mark.parametrize("who", ["owner", "outsider", "dfa", "viewer", None])
def test_the_reports_admin_is_closed_to_others(client, small_period, owner, request, who):
    with at(2025, 11, 3, 9):
        report = services.report_open(period=small_period, agency=owner.agency)
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("admin:reporting_report_change", args=[report.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- dates: the admin calls the same services as the shell and the tests (reporting.cycle.services) ---

def test_a_day_off_added_and_deleted_in_the_admin_moves_the_deadline(client, small_periods, small_plan, admin):
    from reporting.models import DayOff
    from tasks.models import DeadlineKind

    plan = small_plan.plan
    rule = plan.deadline_rules.get(kind=DeadlineKind.SYNTHESIS)
    rule.move_to_working_day = True
    services.deadline_rule_save(rule=rule)
    client.force_login(admin)
    response = client.post(reverse("admin:reporting_dayoff_add"), {"date": "17/11/2025", "name": "Nghỉ bù"})
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert plan.periods.get(year=2025).synthesis_due == datetime.date(2025, 11, 18)
    day_off = DayOff.objects.get()
    assert day_off.history.first().history_user == admin
    response = client.post(reverse("admin:reporting_dayoff_delete", args=[day_off.pk]), {"post": "yes"})
    assert response.status_code == 302 and not DayOff.objects.exists()
    assert plan.periods.get(year=2025).synthesis_due == datetime.date(2025, 11, 17)
    services.day_off_save(day_off=DayOff(date=datetime.date(2025, 11, 17), name="Nghỉ bù"))
    response = client.post(reverse("admin:reporting_dayoff_changelist"),
                           {"action": "delete_selected", "_selected_action": [DayOff.objects.get().pk], "post": "yes"})
    assert response.status_code == 302 and not DayOff.objects.exists()
    assert plan.periods.get(year=2025).synthesis_due == datetime.date(2025, 11, 17)


def test_a_deadline_rule_changed_in_the_admin_moves_open_periods(client, small_periods, small_plan, admin):
    from tasks.models import DeadlineKind

    plan = small_plan.plan
    rule = plan.deadline_rules.get(kind=DeadlineKind.AGENCY_REPORT)
    client.force_login(admin)
    response = client.post(reverse("admin:tasks_deadlinerule_change", args=[rule.pk]),
                           {"plan": plan.pk, "kind": rule.kind, "month": "11", "day": "3", "basis": "IV.2"})
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert plan.periods.get(year=2025).agency_due == datetime.date(2025, 11, 3)
    assert rule.history.first().history_user == admin  # so that load_plan keeps the admin's date


def test_a_period_closed_in_the_admin_is_closed_as_the_dfa_closes_it(client, small_periods, admin):
    period = small_periods[2025]
    client.force_login(admin)
    url = reverse("admin:reporting_reportingperiod_change", args=[period.pk])
    response = client.post(url, {"status": "open", "opens_on_override": "", "agency_due_override": "10/11/2025",
                                 "synthesis_due_override": ""})
    assert response.status_code == 302, response.context["errors"] if response.context else response
    period.refresh_from_db()
    assert period.agency_due == datetime.date(2025, 11, 10) and not period.is_closed
    client.post(url, {"status": "closed", "opens_on_override": "", "agency_due_override": "10/11/2025",
                      "synthesis_due_override": ""})
    period.refresh_from_db()
    assert period.is_closed and period.closed_by == admin
