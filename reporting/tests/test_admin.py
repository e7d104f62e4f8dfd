"""The reports admin: an edit there reaches the dashboards and makes the agency's open form stale."""
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


def test_an_admin_edit_of_a_section_shows_on_the_dashboard(client, period, staff, admin_user):
    with at(2025, 11, 3, 9):
        report = fill(services.report_open(period=period, agency=staff.agency))
        report = services.report_submit(report=report, user=staff)
    section = report.sections.order_by("pk").first()
    assert years_of(period.plan, section.task) == {2025: {"in_progress": 1}}
    client.force_login(admin_user)
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


@pytest.mark.parametrize("who", ["staff", "other_staff", None])
def test_the_reports_admin_is_closed_to_others(client, period, staff, request, who):
    with at(2025, 11, 3, 9):
        report = services.report_open(period=period, agency=staff.agency)
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("admin:reporting_report_change", args=[report.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]
