"""Plan-fidelity tests: the commands load the real Plan 119 (load_plan) and keep it whole."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from agencies.models import User
from tasks.services import read_plan_file

pytestmark = pytest.mark.django_db


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **kwargs)
    return out.getvalue()


def test_load_plan_twice_says_nothing_changed(empty_db):
    first = run("load_plan")
    assert "tasks: 33 created" in first and "assignments: 333 created" in first
    assert run("load_plan") == "Nothing to change: the database already holds this plan.\n"


def test_export_plan_agrees_with_the_bundled_plan_item_by_item(plan119):
    data = json.loads(run("export_plan", "--plan", "119/KH-UBND"))
    source = read_plan_file()
    names = {a["code"]: a["name"] for a in source["agencies"]}
    assert data["plan"]["number"] == "119/KH-UBND" and data["plan"]["signer"] == "Đỗ Minh Tuấn"
    assert [i["code"] for i in data["items"]] == [i["code"] for i in source["items"]]
    for exported, bundled in zip(data["items"], source["items"], strict=True):
        assert exported["text"] == bundled["text"]
        assert exported["parent"] == bundled["parent"]
        assert exported["all_agencies"] == bundled["all_agencies"]
        assert exported["lead"] == sorted(names[c] for c in bundled["lead"])
        assert exported["co"] == sorted(names[c] for c in bundled["co"])
        assert set(exported["requested"]) == {names[r["agency"]] for r in bundled["requested"]}


def test_export_plan_default_and_unknown_plan(plan119):
    assert json.loads(run("export_plan"))["plan"]["number"] == "119/KH-UBND"
    with pytest.raises(CommandError, match="No plan"):
        run("export_plan", "--plan", "999/KH-UBND")


def test_export_plan_on_an_empty_database(empty_db):
    with pytest.raises(CommandError, match="load_plan"):
        run("export_plan")


def test_seed_demo_refuses_without_debug(plan119, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        run("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_creates_the_documented_users(plan119, settings):
    settings.DEBUG = True
    out = run("seed_demo", "--no-reports")
    assert "created admin" in out
    users = {u.username: u for u in User.objects.all()}
    assert users["admin"].is_superuser
    assert users["dfa"].is_dfa_officer and users["dfa"].agency.code == "SNGV"
    assert users["lanhdao"].is_leadership and not users["lanhdao"].is_dfa_officer
    for code in ["sngv", "stttt", "sct", "skhdt", "bqlkkt", "ttxt", "svhttdl", "sldtbxh", "skhcn", "stc", "mttq",
                 "btgtu", "lhhn", "hhdn", "vcci"]:
        assert users[code].is_agency_staff, code
        assert users[code].check_password("plan119-demo")
    assert "kept    admin" in run("seed_demo", "--no-reports")


def test_add_agency_gives_a_department_the_group_items(plan119):
    from agencies.models import Agency

    out = run("add_agency", "SDL", "Sở Du lịch", "--kind", "department", "--name-en", "Department of Tourism",
              "--emails", "sdl@thanhhoa.gov.vn, vanthu.sdl@thanhhoa.gov.vn")
    assert "SDL added; 6 tasks" in out
    agency = Agency.objects.get(code="SDL")
    assert agency.email_list() == ["sdl@thanhhoa.gov.vn", "vanthu.sdl@thanhhoa.gov.vn"]
    assert agency.assignments.count() == 6


def test_add_agency_says_what_is_wrong(plan119):
    with pytest.raises(CommandError, match="contact_emails"):
        run("add_agency", "SDL", "Sở Du lịch", "--kind", "department", "--emails", "not-an-address")
