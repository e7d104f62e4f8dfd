"""The admin of plans and agencies: every page renders and adding an agency expands the items for all departments
(on the bundled Plan 119, as deployed); who may enter, assignments and merges on the cast's small plan (conftest.py)."""
import pytest
from django.contrib import admin
from django.urls import reverse

from agencies.models import Agency
from tasks.models import Assignment, AssignmentRole, AssignmentSource

pytestmark = pytest.mark.django_db


def test_every_admin_page_renders(client, plan119, admin_user):
    client.force_login(admin_user)
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        assert client.get(changelist, {"q": "Sở"}).status_code == 200, changelist
        add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
        assert client.get(add).status_code in (200, 403), add
        obj = model.objects.first()
        if obj is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
            assert client.get(change).status_code == 200, change
            history = reverse(f"admin:{meta.app_label}_{meta.model_name}_history", args=[obj.pk])
            assert client.get(history).status_code == 200, history


def test_admin_is_closed_to_agency_staff(client, owner):
    client.force_login(owner)
    response = client.get(reverse("admin:tasks_assignment_changelist"))
    assert response.status_code == 302


def test_admin_adds_a_co_operating_agency_with_history(client, small_plan, admin):
    client.force_login(admin)
    task = small_plan.tasks["2.2"]
    agency = small_plan.outside
    response = client.post(
        reverse("admin:tasks_assignment_add"),
        {"task": task.pk, "agency": agency.pk, "role": AssignmentRole.CO_OPERATING, "basis": ""},
    )
    assert response.status_code == 302
    assignment = Assignment.objects.get(task=task, agency=agency)
    assert assignment.source == AssignmentSource.ADMIN
    assert assignment.history.first().history_user == admin


def test_admin_adding_an_agency_expands_group_items(client, plan119, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:agencies_agency_add"),
        {
            "code": "SDL", "name": "Sở Du lịch", "name_en": "Department of Tourism", "kind": "department",
            "active": "on", "contact_emails": "sdl@thanhhoa.gov.vn", "head_email": "",
            "assignments-TOTAL_FORMS": "0", "assignments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Agency.objects.get(code="SDL").assignments.count() == 6


def test_admin_rejects_a_bad_contact_email(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("admin:agencies_agency_add"),
        {"code": "SDL", "name": "Sở Du lịch", "kind": "department", "active": "on", "contact_emails": "not-an-address",
         "assignments-TOTAL_FORMS": "0", "assignments-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 200
    assert not Agency.objects.filter(code="SDL").exists()
    assert "not-an-address" in response.content.decode()


def test_admin_merge_action(client, small_plan, admin):
    client.force_login(admin)
    district, successor = small_plan.lead, small_plan.co_operating
    url = reverse("admin:agencies_agency_changelist")
    page = client.post(url, {"action": "merge_agencies", "_selected_action": [district.pk]})
    assert page.status_code == 200 and "Merge" in page.content.decode() or "Sáp nhập" in page.content.decode()
    response = client.post(
        url,
        {"action": "merge_agencies", "_selected_action": [district.pk], "apply": "1", "successor": successor.pk,
         "on": "01/07/2025"},
    )
    assert response.status_code == 302
    district.refresh_from_db()
    assert district.merged_into == successor and not district.active
    assert district.history.first().history_user == admin
    assert not district.assignments.exists() and successor.assignments.filter(task__code="1.2.1").exists()


def test_admin_merge_into_itself_is_refused(client, small_plan, admin):
    client.force_login(admin)
    district = small_plan.lead
    client.post(
        reverse("admin:agencies_agency_changelist"),
        {"action": "merge_agencies", "_selected_action": [district.pk], "apply": "1", "successor": district.pk,
         "on": "01/07/2025"},
    )
    district.refresh_from_db()
    assert district.active
