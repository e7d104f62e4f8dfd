"""Plan-fidelity tests: the bundled Plan 119 against its own text (fixtures/source/119-KH-UBND-2023.txt), item by
item."""
import re
import unicodedata
from pathlib import Path

import pytest
from django.conf import settings

from tasks.models import Assignment, AssignmentRole, AssignmentSource, Task

SOURCE = (Path(settings.BASE_DIR) / "fixtures" / "source" / "119-KH-UBND-2023.txt").read_text(encoding="utf-8")


def squash(text: str) -> str:
    return " ".join(text.split())


FLAT_SOURCE = squash(SOURCE)

EXPECTED_CODES = (
    "1.1 1.2 2.1 2.2 3.1 3.1.1 3.1.2 3.1.3 3.1.4 3.2 3.2.1 3.2.2 3.2.3 3.3 3.4 3.5 3.6 3.7 3.8 3.9 3.10 "
    "4.1 4.2 4.3 4.4 4.5 5.1 5.2 6.1 6.1.1 6.1.2 6.2 6.3"
).split()
ALL_AGENCY_ITEMS = {"1.1", "2.2", "3.10", "4.5", "5.2", "6.3"}
# item -> (lead agency codes, co-operating agency codes), as the item's text names them
NAMED = {
    "1.2": (["STTTT"], []),
    "2.1": (["SNGV"], []),
    "3.1": (["SNGV"], []), "3.1.1": (["SNGV"], []), "3.1.2": (["SNGV"], []), "3.1.3": (["SNGV"], []),
    "3.1.4": (["SNGV"], []),
    "3.2": (["SCT"], []), "3.2.1": (["SCT"], []), "3.2.2": (["SCT"], []), "3.2.3": (["SCT"], []),
    "3.3": (["SKHDT"], []),
    "3.4": (["BQLKKT"], []),
    "3.5": (["TTXT"], ["BQLKKT"]),
    "3.6": (["SVHTTDL"], []),
    "3.7": (["SLDTBXH"], []),
    "3.8": (["SKHCN"], []),
    "3.9": (["STTTT"], ["SNGV"]),
    "4.1": (["SNGV"], []),
    "4.2": (["SKHDT"], ["HHDN", "TTXT", "VCCI"]),
    "4.3": (["SCT"], []),
    "4.4": (["SVHTTDL"], []),
    "5.1": (["SNGV"], []),
    "6.1": (["SNGV"], []), "6.1.1": (["SNGV"], []), "6.1.2": (["SNGV"], []),
    "6.2": (["STC"], []),
}
REQUESTED = {
    "1.1": {"MTTQ", "BTGTU", "LHHN"}, "4.5": {"MTTQ", "BTGTU", "LHHN"}, "5.2": {"MTTQ", "BTGTU", "LHHN"},
    "4.1": {"HHDN", "VCCI"}, "4.2": {"HHDN", "VCCI"}, "6.3": {"HHDN", "VCCI"},
}


def test_fixture_is_nfc(plan_data):
    raw = str(plan_data)
    assert unicodedata.is_normalized("NFC", raw)


def test_every_item_is_there_once_in_plan_order(plan_data):
    assert [item["code"] for item in plan_data["items"]] == EXPECTED_CODES


def test_every_text_is_verbatim(plan_data):
    for item in plan_data["items"]:
        assert squash(item["text"]) in FLAT_SOURCE, item["code"]
        assert len(item["text"]) >= len("Sở Ngoại vụ:"), item["code"]


def test_each_item_text_follows_its_code_in_the_source(plan_data):
    for item in plan_data["items"]:
        if item["parent"]:
            continue  # dash sub-tasks have no number of their own
        assert f"{item['code']}. {squash(item['text'])[:60]}" in FLAT_SOURCE, item["code"]


def test_dash_subtasks(plan_data):
    children = {}
    for item in plan_data["items"]:
        if item["parent"]:
            children.setdefault(item["parent"], []).append(item["code"])
    assert children == {
        "3.1": ["3.1.1", "3.1.2", "3.1.3", "3.1.4"],
        "3.2": ["3.2.1", "3.2.2", "3.2.3"],
        "6.1": ["6.1.1", "6.1.2"],
    }
    for _parent, codes in children.items():
        for code in codes:
            text = next(i["text"] for i in plan_data["items"] if i["code"] == code)
            assert f"- {squash(text)[:50]}" in FLAT_SOURCE, code


def test_task_groups_are_the_six_headings(plan_data):
    assert [g["code"] for g in plan_data["groups"]] == ["1", "2", "3", "4", "5", "6"]
    for g in plan_data["groups"]:
        assert f"{g['code']}. {g['title']}" in FLAT_SOURCE
        assert g["title_en"]


def test_titles_in_both_languages(plan_data):
    for item in plan_data["items"]:
        assert item["title"] and item["title_en"], item["code"]


def test_named_lead_agencies_appear_in_the_item_text(plan_data):
    agencies = {a["code"]: a for a in plan_data["agencies"]}
    by_code = {i["code"]: i for i in plan_data["items"]}
    short = {"BQLKKT": "Ban Quản lý Khu kinh tế Nghi Sơn", "TTXT": "Trung tâm Xúc tiến Đầu tư, Thương mại và Du lịch"}
    for code, (lead, co) in NAMED.items():
        item = by_code[code]
        own_text = squash((by_code[item["parent"]]["text"] + " " if item["parent"] else "") + item["text"])
        for agency_code in lead + co:
            name = short.get(agency_code, agencies[agency_code]["name"])
            assert name in own_text, (code, agency_code)


@pytest.mark.django_db
def test_loaded_assignments_match_the_plan(plan119):
    tasks = {t.code: t for t in plan119.tasks.all()}
    assert sorted(tasks) == sorted(EXPECTED_CODES)
    for code, (lead, co) in NAMED.items():
        named = Assignment.objects.filter(task=tasks[code], source=AssignmentSource.PLAN, basis=f"II.{code}")
        assert sorted(named.filter(role=AssignmentRole.LEAD)
                      .values_list("agency__code", flat=True)) == sorted(lead), code
        assert sorted(named.filter(role=AssignmentRole.CO_OPERATING)
                      .values_list("agency__code", flat=True)) == sorted(co), code
    for code in EXPECTED_CODES:
        assert tasks[code].assigned_to_all == (code in ALL_AGENCY_ITEMS), code


@pytest.mark.django_db
def test_all_agency_items_expand_to_every_department_and_district(plan119):
    from agencies.models import Agency, AgencyKind

    members = set(Agency.objects.filter(kind__in=[AgencyKind.DEPARTMENT, AgencyKind.DISTRICT])
                  .values_list("code", flat=True))
    assert len(Agency.objects.filter(kind=AgencyKind.DISTRICT)) == 27
    for code in ALL_AGENCY_ITEMS:
        leads = set(
            Assignment.objects.filter(task__code=code, role=AssignmentRole.LEAD, source=AssignmentSource.ALL_AGENCIES)
            .values_list("agency__code", flat=True)
        )
        assert leads == members, code
    assert not Assignment.objects.filter(agency__code="UBND").exists()


@pytest.mark.django_db
def test_requested_organisations_are_flagged(plan119):
    for code, expected in REQUESTED.items():
        got = set(Assignment.objects.filter(task__code=code, requested=True).values_list("agency__code", flat=True))
        assert got == expected, code
    assert not Assignment.objects.filter(requested=True, agency__kind__in=["department", "district"]).exists()


@pytest.mark.django_db
def test_plan_header_and_deadlines(plan119):
    assert plan119.issued_on.isoformat() == "2023-05-15"
    assert plan119.signer == "Đỗ Minh Tuấn"
    assert (plan119.first_year, plan119.last_year) == (2023, 2030)
    assert plan119.issuer.code == "UBND"
    assert squash(plan119.title).upper() in squash(SOURCE.replace("\n", " ")).upper()
    rules = {r.kind: (r.day, r.month) for r in plan119.deadline_rules.all()}
    assert rules == {"agency_report": (5, 11), "synthesis": (15, 11)}
    assert "trước ngày 05/11 hàng năm" in FLAT_SOURCE and "trước ngày 15/11 hàng năm" in FLAT_SOURCE
    assert [s.code for s in plan119.sections.all()] == ["I", "II", "III", "IV"]
    for section in plan119.sections.all():
        for paragraph in section.paragraphs():
            assert squash(paragraph) in FLAT_SOURCE


@pytest.mark.django_db
def test_sort_order_puts_3_10_after_3_9(plan119):
    codes = list(Task.objects.filter(plan=plan119, group__code="3", parent=None).values_list("code", flat=True))
    assert codes[-2:] == ["3.9", "3.10"]


def test_reference_agencies_are_all_there(plan_data):
    codes = {a["code"] for a in plan_data["agencies"]}
    kinds = [a["kind"] for a in plan_data["agencies"]]
    assert kinds.count("district") == 27
    assert {"SNGV", "STTTT", "SCT", "SKHDT", "BQLKKT", "TTXT", "SVHTTDL", "SLDTBXH", "SKHCN", "STC", "UBND"} <= codes
    assert {"MTTQ", "BTGTU", "LHHN", "HHDN", "VCCI"} <= codes
    assert len({a["name"] for a in plan_data["agencies"]}) == len(plan_data["agencies"])
    assert all(re.fullmatch(r"[A-Z0-9-]+", c) for c in codes)
