"""The plan's services: the loader and export (on the bundled Plan 119: they read and write its file, and every test
database holds its items for all departments and districts), and the mechanics of toggling an item for all agencies
and merging agencies, on the cast's small plan (conftest.py)."""
import datetime

import pytest
from django.contrib.auth.models import Group

from agencies.models import ORDERED_KINDS, Agency, AgencyKind, Role
from agencies.tests.factories import AgencyFactory, staff_of
from tasks.models import Assignment, AssignmentRole, AssignmentSource, Task
from tasks.services import (
    agency_create,
    agency_merge,
    agency_save,
    assignments_sync_for_agency,
    assignments_sync_for_task,
    plan_export,
    plan_load,
)
from tasks.tests.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def snapshot():
    return sorted(
        Assignment.objects.values_list("task__code", "agency__code", "role", "requested", "source", "basis")
    ), sorted(Task.objects.values_list("code", "title", "text"))


def test_loading_twice_changes_nothing(plan119, plan_data):
    before = snapshot()
    history_before = Assignment.history.count()
    report = plan_load(data=plan_data)
    assert snapshot() == before
    assert Assignment.history.count() == history_before
    assert report.lines() == ["Nothing to change: the database already holds this plan."]


def _as_admin(obj, user, **changes):
    """Change an object the way the admin does: with a history user."""
    for name, value in changes.items():
        setattr(obj, name, value)
    obj._history_user = user
    obj.save()


def test_loader_keeps_an_assignment_an_admin_edited(plan119, plan_data, admin_user):
    assignment = Assignment.objects.get(task__code="3.5", agency__code="BQLKKT")
    _as_admin(assignment, admin_user, role=AssignmentRole.LEAD)
    report = plan_load(data=plan_data)
    assignment.refresh_from_db()
    assert assignment.role == AssignmentRole.LEAD
    assert any("3.5" in line and "BQLKKT" in line and "admin" in line for line in report.skipped)


def test_loader_does_not_recreate_an_assignment_an_admin_deleted(plan119, plan_data, admin_user):
    assignment = Assignment.objects.get(task__code="3.9", agency__code="SNGV")
    assignment._history_user = admin_user
    assignment.delete()
    report = plan_load(data=plan_data)
    assert not Assignment.objects.filter(task__code="3.9", agency__code="SNGV").exists()
    assert any("3.9" in line and "deleted by an admin" in line for line in report.skipped)


def test_loader_restores_what_nobody_touched(plan119, plan_data):
    Assignment.objects.filter(task__code="3.9", agency__code="SNGV").delete()  # no history user: not an admin's edit
    Task.objects.filter(code="1.2").update(title="sai")
    plan_load(data=plan_data)
    assert Assignment.objects.filter(task__code="3.9", agency__code="SNGV", role=AssignmentRole.CO_OPERATING).exists()
    assert Task.objects.get(code="1.2").title != "sai"


def test_loader_keeps_a_renamed_agency(plan119, plan_data, admin_user):
    agency = Agency.objects.get(code="STTTT")
    _as_admin(agency, admin_user, name="Sở Khoa học và Công nghệ (sáp nhập)")
    plan_load(data=plan_data)
    assert Agency.objects.get(code="STTTT").name == "Sở Khoa học và Công nghệ (sáp nhập)"


def test_loading_into_an_empty_database_twice_is_stable(empty_db, plan_data):
    plan_load(data=plan_data)
    first = snapshot()
    plan_load(data=plan_data)
    assert snapshot() == first
    assert Assignment.objects.count() == 333


def test_a_new_department_gets_the_group_items(plan119):
    agency = AgencyFactory(code="SDL", name="Sở Du lịch", kind=AgencyKind.DEPARTMENT)
    added = assignments_sync_for_agency(agency=agency)
    assert added == 6
    codes = set(agency.assignments.values_list("task__code", flat=True))
    assert codes == {"1.1", "2.2", "3.10", "4.5", "5.2", "6.3"}
    assert set(agency.assignments.values_list("role", "source")) == {
        (AssignmentRole.LEAD, AssignmentSource.ALL_AGENCIES)
    }
    assert assignments_sync_for_agency(agency=agency) == 0


def test_an_agency_created_anywhere_gets_the_group_items(plan119):
    """The shell, a command and plan_load go through agency_create, as the admin goes through agency_save."""
    agency, added = agency_create(code="SDL", name="Sở Du lịch", kind=AgencyKind.DEPARTMENT,
                                  contact_emails="sdl@thanhhoa.gov.vn")
    assert added == 6
    assert set(agency.assignments.values_list("task__code", flat=True)) == {"1.1", "2.2", "3.10", "4.5", "5.2", "6.3"}
    organisation, added = agency_create(code="HNDT", name="Hội Nông dân tỉnh", kind=AgencyKind.MASS_ORGANISATION)
    assert added == 0 and not organisation.assignments.exists()


def test_agency_create_refuses_what_the_admin_refuses(plan119):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        agency_create(code="SDL", name="Sở Du lịch", kind=AgencyKind.DEPARTMENT, contact_emails="not-an-address")
    assert "contact_emails" in error.value.message_dict
    with pytest.raises(ValidationError):
        agency_create(code="SCT", name="Sở Công Thương (bis)", kind=AgencyKind.DEPARTMENT)  # the code is taken
    assert not Agency.objects.filter(code="SDL").exists()


def test_an_organisation_that_becomes_a_department_gets_the_group_items(plan119):
    agency, _added = agency_create(code="HNDT", name="Hội Nông dân tỉnh", kind=AgencyKind.MASS_ORGANISATION)
    agency.kind = AgencyKind.DEPARTMENT
    assert agency_save(agency=agency) == 6
    agency.kind = AgencyKind.MASS_ORGANISATION
    assert agency_save(agency=agency) == 0 and not agency.assignments.exists()


def test_plan_load_gives_an_agency_new_to_the_file_the_group_items_of_other_plans(plan119, plan_data):
    """An agency first met in a second plan's file carries the first plan's all-departments items too."""
    second_plan = {"plan": {**plan_data["plan"], "number": "200/KH-UBND"}, "deadlines": plan_data["deadlines"],
                   "groups": plan_data["groups"][:1], "items": [],
                   "agencies": [{"code": "SDL", "name": "Sở Du lịch", "name_en": "Department of Tourism",
                                 "kind": "department"}]}
    plan_load(data=second_plan)
    assert Agency.objects.get(code="SDL").assignments.filter(task__plan=plan119).count() == 6


def test_an_organisation_gets_no_group_items(plan119):
    agency = AgencyFactory(code="HNDT", name="Hội Nông dân tỉnh", kind=AgencyKind.MASS_ORGANISATION)
    assert assignments_sync_for_agency(agency=agency) == 0
    assert not agency.assignments.exists()


def test_a_district_that_changes_kind_loses_untouched_group_items(plan119):
    agency = Agency.objects.get(code="H-BATHUOC")
    agency.kind = AgencyKind.MASS_ORGANISATION
    agency.save()
    assignments_sync_for_agency(agency=agency)
    assert not agency.assignments.exists()


def test_toggling_all_agencies_on_a_task(small_plan):
    task = small_plan.tasks["2.2"]  # led by the co-operating department alone
    task.assigned_to_all = True
    task.save()
    departments_and_districts = Agency.objects.filter(active=True, kind__in=ORDERED_KINDS).count()
    assert assignments_sync_for_task(task=task) == departments_and_districts - 1  # T-COOP already leads it
    assert not task.assignments.filter(agency=small_plan.requested).exists()  # an organisation is never ordered
    assert task.assignments.filter(agency=small_plan.outside, source=AssignmentSource.ALL_AGENCIES).exists()
    task.assigned_to_all = False
    task.save()
    assignments_sync_for_task(task=task)
    assert list(task.assignments.values_list("agency__code", flat=True)) == ["T-COOP"]


def test_merge_moves_assignments_and_users_and_keeps_history(small_plan):
    district = AgencyFactory(code="T-DIST", name="Ủy ban nhân dân huyện Thử nghiệm", kind=AgencyKind.DISTRICT)
    city = AgencyFactory(code="T-CITY", name="Ủy ban nhân dân thành phố Thử nghiệm", kind=AgencyKind.DISTRICT)
    for agency in (district, city):  # both carry the items of all departments and districts, as real districts do
        assignments_sync_for_agency(agency=agency)
        AssignmentFactory(task=small_plan.tasks["2.2"], agency=agency, role=AssignmentRole.CO_OPERATING)
    shared = district.assignments.count()
    user = staff_of(district)
    extra = Assignment.objects.create(
        task=small_plan.tasks["2.1"], agency=district, role=AssignmentRole.CO_OPERATING, source=AssignmentSource.ADMIN
    )
    result = agency_merge(agency=district, successor=city, on=datetime.date(2025, 7, 1))
    district.refresh_from_db()
    user.refresh_from_db()
    assert (district.active, district.merged_into, district.merged_on) == (False, city, datetime.date(2025, 7, 1))
    assert user.agency == city
    assert not district.assignments.exists()
    assert result == {"moved": 1, "combined": shared, "users": 1, "group_added": 0}
    extra.refresh_from_db()
    assert extra.agency == city
    assert extra.history.filter(agency=district).exists()  # where it came from is kept
    assert Assignment.history.filter(agency_id=district.pk, history_type="-").count() == shared


def test_merge_keeps_the_stronger_role(small_plan):
    lead, outside, tasks = small_plan.lead, small_plan.outside, small_plan.tasks
    AssignmentFactory(task=tasks["1.1"], agency=outside, role=AssignmentRole.CO_OPERATING)  # the lead department leads
    AssignmentFactory(task=tasks["2.2"], agency=outside, role=AssignmentRole.CO_OPERATING)
    AssignmentFactory(task=tasks["2.2"], agency=lead, role=AssignmentRole.CO_OPERATING)
    agency_merge(agency=lead, successor=outside)
    assert Assignment.objects.get(task=tasks["1.1"], agency=outside).role == AssignmentRole.LEAD
    assert Assignment.objects.get(task=tasks["2.2"], agency=outside).role == AssignmentRole.CO_OPERATING


def test_merge_refuses_a_loop(small_plan):
    a, b = small_plan.lead, small_plan.co_operating
    agency_merge(agency=a, successor=b)
    with pytest.raises(ValueError):
        agency_merge(agency=b, successor=a)
    with pytest.raises(ValueError):
        agency_merge(agency=b, successor=b)


def test_loader_skips_merged_agencies(plan119, plan_data):
    agency_merge(agency=Agency.objects.get(code="SKHDT"), successor=Agency.objects.get(code="STC"))
    report = plan_load(data=plan_data)
    assert not Assignment.objects.filter(agency__code="SKHDT").exists()
    assert any("SKHDT" in line and "merged" in line for line in report.skipped)


def test_export_shape(plan119):
    data = plan_export(plan=plan119)
    assert set(data) >= {"plan", "deadlines", "items", "agencies"}
    assert set(data["plan"]) >= {"number", "title", "issued_on", "signer", "first_year", "last_year"}
    assert data["plan"]["issued_on"] == "2023-05-15"
    assert {(d["kind"], d["month"], d["day"]) for d in data["deadlines"]} == {
        ("agency_report", 11, 5), ("synthesis", 11, 15)
    }
    items = {i["code"]: i for i in data["items"]}
    for item in items.values():
        assert set(item) >= {"code", "parent", "group", "title", "text", "lead", "co", "all_agencies", "requested"}
    assert items["3.5"]["lead"] == ["Trung tâm Xúc tiến Đầu tư, Thương mại và Du lịch"]
    assert items["3.5"]["co"] == ["Ban Quản lý Khu kinh tế Nghi Sơn và các Khu công nghiệp"]
    assert items["3.9"]["co"] == ["Sở Ngoại vụ"]
    assert sorted(items["4.2"]["co"]) == sorted(
        ["Hiệp hội Doanh nghiệp tỉnh", "VCCI Chi nhánh Thanh Hóa", "Trung tâm Xúc tiến Đầu tư, Thương mại và Du lịch"]
    )
    assert items["4.2"]["requested"] == sorted(["Hiệp hội Doanh nghiệp tỉnh", "VCCI Chi nhánh Thanh Hóa"])
    assert items["1.1"]["all_agencies"] and items["1.1"]["lead"] == []
    assert items["3.1.2"]["parent"] == "3.1" and items["3.1.2"]["group"] == 3
    agencies = {a["code"]: a for a in data["agencies"]}
    assert agencies["VCCI"]["requested"] and not agencies["SNGV"]["requested"]
    assert set(agencies["SNGV"]) >= {"code", "name", "kind", "requested"}


def test_roles_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_an_assignment_added_by_hand_says_so_and_an_edit_keeps_its_source(small_plan):
    from tasks.models import Assignment, AssignmentRole, AssignmentSource
    from tasks.services import assignment_save

    task = small_plan.tasks["2.2"]
    new = Assignment(task=task, agency=small_plan.outside, role=AssignmentRole.CO_OPERATING)
    added = assignment_save(assignment=new, by_hand=True)
    assert added.source == AssignmentSource.ADMIN
    named = Assignment.objects.filter(task=task).exclude(pk=added.pk).first()
    source = named.source
    named.role = AssignmentRole.CO_OPERATING
    assert assignment_save(assignment=named, by_hand=True).source == source  # an edit is not an addition
