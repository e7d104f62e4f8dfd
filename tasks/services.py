"""Writes on plans, tasks and assignments: loading a plan, keeping group assignments whole, merging agencies."""
import datetime
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agencies.models import ORDERED_KINDS, Agency
from agencies.services import agency_retire_into

from .models import (
    Assignment,
    AssignmentRole,
    AssignmentSource,
    DeadlineRule,
    Indicator,
    Plan,
    PlanSection,
    Task,
    TaskGroup,
    code_sort_key,
)

BUNDLED_PLAN = Path(settings.BASE_DIR) / "fixtures" / "plan119.json"


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        for label in sorted(set(self.created) | set(self.updated)):
            out.append(f"{label}: {self.created[label]} created, {self.updated[label]} updated")
        if not self.created and not self.updated:
            out.append("Nothing to change: the database already holds this plan.")
        out += [f"skipped: {reason}" for reason in self.skipped]
        return out


def read_plan_file(path: Path | str = BUNDLED_PLAN) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _ids_changed_by_people(model) -> set[int]:
    """Rows a signed-in person changed (through the admin): the loader leaves those alone."""
    return set(model.history.filter(history_user__isnull=False).values_list("id", flat=True))


def _sync_fields(obj, values: dict, report: LoadReport, label: str, protected: set[int], name: str = "") -> None:
    changed = [field for field, value in values.items() if getattr(obj, field) != value]
    if not changed:
        return
    if obj.pk in protected:
        report.skipped.append(f"{label} {name or obj}: changed by an admin, kept as is")
        return
    for name_ in changed:
        setattr(obj, name_, values[name_])
    obj.save()
    report.updated[label] += 1


def _upsert(model, lookup: dict, values: dict, report: LoadReport, label: str, protected: set[int]):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        report.created[label] += 1
    else:
        _sync_fields(obj, values, report, label, protected)
    return obj


@transaction.atomic
def plan_load(*, data: dict) -> LoadReport:
    """Load a plan (agencies, text, tasks, assignments, deadlines) into an empty or existing database.

    Idempotent: a second run changes nothing. Never overwrites what an admin edited: agencies that exist are
    kept as they are (renames survive), and a task or assignment changed or deleted by a person is skipped
    and reported. Agencies merged away are skipped too: their work already lives with their successor.
    """
    report = LoadReport()
    agencies: dict[str, Agency] = {}
    for row in data["agencies"]:
        agency = Agency.objects.filter(code=row["code"]).first()
        if agency is None:
            agency, _added = agency_create(code=row["code"], name=row["name"], name_en=row["name_en"], kind=row["kind"])
            report.created["agencies"] += 1
        agencies[row["code"]] = agency

    p = data["plan"]
    plan = _upsert(
        Plan,
        {"number": p["number"]},
        {
            "title": p["title"],
            "title_en": p.get("title_en", ""),
            "issued_on": datetime.date.fromisoformat(p["issued_on"]),
            "place": p.get("place", ""),
            "issuer": agencies.get(p.get("issuer")),
            "signer": p.get("signer", ""),
            "signer_title": p.get("signer_title", ""),
            "basis_documents": "\n".join(p.get("basis", [])),
            "preamble": p.get("preamble", ""),
            "first_year": p["first_year"],
            "last_year": p["last_year"],
        },
        report,
        "plan",
        _ids_changed_by_people(Plan),
    )
    for position, s in enumerate(data.get("sections", [])):
        _upsert(
            PlanSection,
            {"plan": plan, "code": s["code"]},
            {"title": s["title"], "title_en": s.get("title_en", ""), "text": s["text"], "position": position},
            report,
            "sections",
            set(),
        )
    for d in data["deadlines"]:
        _upsert(
            DeadlineRule,
            {"plan": plan, "kind": d["kind"]},
            {"month": d["month"], "day": d["day"], "basis": d.get("basis", "")},
            report,
            "deadline rules",
            _ids_changed_by_people(DeadlineRule),
        )
    groups = {}
    protected_groups = _ids_changed_by_people(TaskGroup)
    for position, g in enumerate(data["groups"]):
        groups[g["code"]] = _upsert(
            TaskGroup,
            {"plan": plan, "code": g["code"]},
            {"title": g["title"], "title_en": g.get("title_en", ""), "position": position},
            report,
            "task groups",
            protected_groups,
        )
    tasks: dict[str, Task] = {}
    protected_tasks = _ids_changed_by_people(Task)
    for item in data["items"]:
        tasks[item["code"]] = _upsert(
            Task,
            {"plan": plan, "code": item["code"]},
            {
                "group": groups[item["group"]],
                "parent": tasks[item["parent"]] if item.get("parent") else None,
                "title": item["title"],
                "title_en": item.get("title_en", ""),
                "text": item["text"],
                "assigned_to_all": item.get("all_agencies", False),
            },
            report,
            "tasks",
            protected_tasks,
        )
    _load_assignments(data, plan, tasks, agencies, report)
    _load_indicators(data, plan, tasks, report)
    return report


def _load_indicators(data: dict, plan: Plan, tasks: dict[str, Task], report: LoadReport) -> None:
    """The plan file's indicator catalogue (chỉ tiêu). Indicators the DFA or an admin changed are kept as they are."""
    protected = _ids_changed_by_people(Indicator)
    for position, row in enumerate(data.get("indicators", [])):
        values = {field: row.get(field, "") for field in ("name", "name_en", "unit", "unit_en")}
        values.update(kind=row["kind"], combine=row["combine"], lead_only=row.get("lead_only", False),
                      suggested=row.get("suggested", False), position=position)
        indicator = _upsert(Indicator, {"plan": plan, "code": row["code"]}, values, report, "indicators", protected)
        if indicator.pk in protected:
            continue
        wanted = {tasks[code].pk for code in row["tasks"] if code in tasks}
        if set(indicator.tasks.values_list("pk", flat=True)) != wanted:
            indicator.tasks.set(wanted)


def _desired_assignments(data: dict, tasks: dict, agencies: dict) -> dict:
    """(task code, agency code) → fields, as the plan text assigns them."""
    desired = {}
    group_members = list(Agency.objects.active().filter(kind__in=ORDERED_KINDS))
    for item in data["items"]:
        code = item["code"]
        basis = f"II.{code}"
        for role, names in ((AssignmentRole.LEAD, item.get("lead", [])),
                            (AssignmentRole.CO_OPERATING, item.get("co", []))):
            for agency_code in names:
                desired[(code, agency_code)] = {
                    "role": role,
                    "requested": agencies[agency_code].is_requested_kind,
                    "source": AssignmentSource.PLAN,
                    "basis": basis,
                }
        for r in item.get("requested", []):
            desired.setdefault(
                (code, r["agency"]),
                {"role": AssignmentRole.CO_OPERATING, "requested": True, "source": AssignmentSource.PLAN,
                 "basis": r["basis"]},
            )
        if item.get("all_agencies"):
            for agency in group_members:
                desired.setdefault(
                    (code, agency.code),
                    {"role": AssignmentRole.LEAD, "requested": False, "source": AssignmentSource.ALL_AGENCIES,
                     "basis": basis},
                )
    return desired


def _load_assignments(data, plan, tasks, agencies, report: LoadReport) -> None:
    by_code = {a.code: a for a in Agency.objects.all()}
    existing = {(a.task_id, a.agency_id): a for a in Assignment.objects.filter(task__plan=plan)}
    protected = _ids_changed_by_people(Assignment)
    deleted_by_people = set(
        Assignment.history.filter(history_type="-", history_user__isnull=False, task__plan=plan).values_list(
            "task_id", "agency_id"
        )
    )
    for (task_code, agency_code), values in _desired_assignments(data, tasks, agencies).items():
        task, agency = tasks[task_code], by_code[agency_code]
        if not agency.active:
            report.skipped.append(
                f"assignment {task_code} → {agency.code}: agency merged or retired, its work moved on"
            )
            continue
        current = existing.get((task.pk, agency.pk))
        if current is None:
            if (task.pk, agency.pk) in deleted_by_people:
                report.skipped.append(f"assignment {task_code} → {agency.code}: deleted by an admin, not re-created")
                continue
            Assignment.objects.create(task=task, agency=agency, **values)
            report.created["assignments"] += 1
        else:
            _sync_fields(current, values, report, "assignments", protected, name=f"{task_code} → {agency.code}")


def _group_tasks():
    return Task.objects.filter(assigned_to_all=True)


def assignments_sync_for_agency(*, agency: Agency) -> int:
    """Give an active department or local People's Committee (district or commune) every task assigned to all of them
    (II.1.1, 2.2, …).

    Called when an agency is added, re-activated or changes kind, so that a new agency is handled by data.
    Returns how many assignments were added. An agency that no longer belongs to the group loses the
    group assignments nobody edited by hand.
    """
    if agency.active and agency.kind in ORDERED_KINDS:
        have = set(agency.assignments.values_list("task_id", flat=True))
        new = [
            Assignment(
                task=task, agency=agency, role=AssignmentRole.LEAD, source=AssignmentSource.ALL_AGENCIES,
                basis=f"II.{task.code}"
            )
            for task in _group_tasks().exclude(pk__in=have)
        ]
        for assignment in new:
            assignment.save()  # one by one, so that history records each
        return len(new)
    protected = _ids_changed_by_people(Assignment)
    for assignment in agency.assignments.filter(source=AssignmentSource.ALL_AGENCIES).exclude(pk__in=protected):
        assignment.delete()
    return 0


def assignment_save(*, assignment: Assignment, by_hand: bool = False) -> Assignment:
    """Save an assignment. One added by hand (an admin, the shell) says so: its source is "added by an admin", so
    that reloading the plan or syncing the items for all agencies never takes it away."""
    if by_hand and assignment._state.adding:
        assignment.source = AssignmentSource.ADMIN
    assignment.save()
    return assignment


@transaction.atomic
def agency_save(*, agency: Agency) -> int:
    """Save a new or changed agency and keep its share of the tasks given to all departments and local People's
    Committees.

    The one road by which an agency is added or edited: the admin, `add_agency`, plan_load and the shell all
    come here, so that a department or district never exists without the group items (II.1.1, 2.2, …) it
    carries. Returns how many of them were assigned to it now.
    """
    agency.full_clean(exclude=["search_text", "sort_key"])  # derived from the names by save()
    agency.save()
    return assignments_sync_for_agency(agency=agency)


def agency_create(
    *, code: str, name: str, kind: str, name_en: str = "", contact_emails: str = "", head_email: str = ""
) -> tuple[Agency, int]:
    """Add an agency (a new department, a district-level People's Committee, an organisation the plan requests).

    Returns the agency and how many tasks given to all departments and local People's Committees it received.
    """
    agency = Agency(code=code, name=name, name_en=name_en, kind=kind, contact_emails=contact_emails,
                    head_email=head_email)
    return agency, agency_save(agency=agency)


def assignments_sync_for_task(*, task: Task) -> int:
    """Expand (or withdraw) a task's 'all departments and local People's Committees' assignment after an admin
    toggled it."""
    if task.assigned_to_all:
        have = set(task.assignments.values_list("agency_id", flat=True))
        added = 0
        for agency in Agency.objects.active().filter(kind__in=ORDERED_KINDS).exclude(pk__in=have):
            Assignment.objects.create(
                task=task, agency=agency, role=AssignmentRole.LEAD, source=AssignmentSource.ALL_AGENCIES,
                basis=f"II.{task.code}"
            )
            added += 1
        return added
    protected = _ids_changed_by_people(Assignment)
    for assignment in task.assignments.filter(source=AssignmentSource.ALL_AGENCIES).exclude(pk__in=protected):
        assignment.delete()
    return 0


def assignment_move(*, assignment: Assignment, successor: Agency, successor_tasks: dict[int, Assignment],
                    keep: bool = False) -> bool:
    """Give `assignment`'s task to `successor` (a merge or a split). Where the successor already carries the task,
    the stronger role is kept (lead over co-operating) and the duplicate is removed. `keep`: the task also goes to
    another successor (a split that gives one task to two bodies), so the assignment is copied, not moved.
    `successor_tasks` (task id → the successor's assignment) is kept up to date. Returns whether it moved."""
    other = successor_tasks.get(assignment.task_id)
    if other is None:
        if keep:
            successor_tasks[assignment.task_id] = Assignment.objects.create(
                task=assignment.task, agency=successor, role=assignment.role, requested=assignment.requested,
                source=assignment.source, basis=assignment.basis)
        else:
            assignment.agency = successor
            assignment.save()
            successor_tasks[assignment.task_id] = assignment
        return True
    if assignment.is_lead and not other.is_lead:
        other.role = AssignmentRole.LEAD
        other.save()
    if not keep:
        assignment.delete()
    return False


@transaction.atomic
def agency_merge(*, agency: Agency, successor: Agency, on: datetime.date | None = None) -> dict:
    """Merge `agency` into `successor` (as Vietnam's 2025 reorganisation did).

    Its assignments move to the successor; where the successor already carries the task, the stronger role is
    kept (lead over co-operating) and the duplicate is removed. History keeps every step; the merged agency
    stays, inactive, with its past reports. Its users move to the successor.
    """
    on = on or timezone.localdate()
    moved = combined = 0
    successor_tasks = {a.task_id: a for a in successor.assignments.all()}
    for assignment in agency.assignments.select_related("task"):
        if assignment_move(assignment=assignment, successor=successor, successor_tasks=successor_tasks):
            moved += 1
        else:
            combined += 1
    users = agency_retire_into(agency=agency, successor=successor, on=on)
    added = assignments_sync_for_agency(agency=successor)
    return {"moved": moved, "combined": combined, "users": users, "group_added": added}


def plan_export(*, plan: Plan) -> dict:
    """The plan as data: header, deadlines, every item with the agencies the plan itself names, and the agencies."""
    tasks = (
        plan.tasks.select_related("group", "parent")
        .prefetch_related("assignments__agency")
        .order_by("sort_key")
    )
    items = []
    for task in tasks:
        named = [a for a in task.assignments.all() if a.source == AssignmentSource.PLAN]
        items.append(
            {
                "code": task.code,
                "parent": task.parent.code if task.parent else None,
                "group": int(task.group.code) if task.group.code.isdigit() else task.group.code,
                "title": task.title,
                "title_en": task.title_en,
                "text": task.text,
                "lead": sorted(a.agency.name for a in named if a.role == AssignmentRole.LEAD),
                "co": sorted(
                    a.agency.name
                    for a in named
                    if a.role == AssignmentRole.CO_OPERATING and a.basis == f"II.{task.code}"
                ),
                "all_agencies": task.assigned_to_all,
                "requested": sorted(a.agency.name for a in named if a.requested),
            }
        )
    named_ids = set(
        Assignment.objects.filter(task__plan=plan, source=AssignmentSource.PLAN).values_list("agency_id", flat=True)
    )
    return {
        "plan": {
            "number": plan.number,
            "title": plan.title,
            "title_en": plan.title_en,
            "issued_on": plan.issued_on.isoformat(),
            "issuer": plan.issuer.name if plan.issuer else "",
            "signer": plan.signer,
            "first_year": plan.first_year,
            "last_year": plan.last_year,
            "basis": plan.basis_list(),
        },
        "deadlines": [
            {"kind": r.kind, "month": r.month, "day": r.day, "move_to_working_day": r.move_to_working_day}
            for r in plan.deadline_rules.all()
        ],
        "sections": [{"code": s.code, "title": s.title, "text": s.text} for s in plan.sections.all()],
        "items": items,
        "indicators": [
            {"code": i.code, "name": i.name, "name_en": i.name_en, "unit": i.unit, "unit_en": i.unit_en,
             "kind": i.kind, "combine": i.combine, "tasks": sorted((t.code for t in i.tasks.all()), key=code_sort_key),
             "lead_only": i.lead_only, "suggested": i.suggested}
            for i in plan.indicators.prefetch_related("tasks")
        ],
        "agencies": [
            {
                "code": a.code,
                "name": a.name,
                "name_en": a.name_en,
                "kind": a.kind,
                "active": a.active,
                "requested": a.is_requested_kind,
                "named_in_plan": a.pk in named_ids or (plan.issuer_id == a.pk),
            }
            for a in Agency.objects.order_by("kind", "code")
        ],
    }


@transaction.atomic
def indicator_save(*, indicator: Indicator, tasks) -> Indicator:
    """Save an indicator of the catalogue with its tasks. Its history records who changed it, so loading the plan
    file again never overwrites what the DFA decided (`_load_indicators`). Values already reported stay as they
    are; an indicator no longer asked of a section still shows there with its value, so it can be cleared."""
    indicator.save()
    indicator.tasks.set(tasks)
    return indicator
