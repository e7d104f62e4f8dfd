"""A reorganisation of the province's bodies as data (sắp xếp, sáp nhập, chia tách, giải thể; issue 15): read from a
CSV or XLSX file or entered in the admin, checked change by change, and applied to agencies, assignments and people.

Its effects on reports, drafts and reminders belong to reporting (reporting/cycle/reorganisation.py), which calls
reorganisation_structure_apply() here inside its own transaction; nothing here knows of reports.

Rules (README, "Reorganisations"):
- create: a new body, from the effective date; rename: the same body (code and history stay) under a new name;
- merge: the bodies in `from` end the day before the effective date; their assignments and people pass to the
  body in `code` (created when it does not exist yet); where it already carries a task, the stronger role stays;
- split: the one body in `from` ends; each row names a successor and the tasks it inherits; the row with "*" takes
  every other task, the people, and the predecessor's line of succession;
- abolish: the body ends; its assignments are withdrawn; its people stay with it (an admin moves or deactivates them);
- a change already in effect (the body exists, is renamed, has ended) changes nothing: applying the same file twice
  changes nothing the second time.
"""
import dataclasses
import datetime
import hashlib
import json
import re

from django.db import transaction
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency, AgencyKind, User
from agencies.services import agency_end, agency_retire_into
from agencies.sheets import ImportFileError, choice_spellings, header_key, sheet_records, sheet_table

from .models import Assignment, Reorganisation, ReorganisationAction, ReorganisationChange, Task
from .services import agency_merge, agency_save, assignment_move

CODE = re.compile(r"[-a-zA-Z0-9_]{1,40}")
NAME_MAX = 255

# Header names as the README documents them, and the other spellings accepted (agencies.sheets.header_key).
COLUMNS = {
    "effective_on": ("Ngày hiệu lực", "effective_on", "Hiệu lực", "Effective"),
    "title": ("Căn cứ", "title", "Quyết định", "Basis"),
    "action": ("Thao tác", "action", "Hình thức"),
    "code": ("Mã đơn vị", "code", "Mã cơ quan", "agency_code"),
    "name": ("Tên", "name", "Tên đơn vị", "Tên tiếng Việt"),
    "name_en": ("Tên tiếng Anh", "name_en", "English name"),
    "kind": ("Loại", "kind", "Loại đơn vị"),
    "predecessors": ("Từ đơn vị", "from", "predecessors", "Đơn vị cũ"),
    "tasks": ("Nhiệm vụ", "tasks", "Nhiệm vụ kế thừa"),
}
REQUIRED = ("effective_on", "action", "code")
ACTION_ALIASES = {
    ReorganisationAction.CREATE: ("Thành lập", "Tạo mới"),
    ReorganisationAction.RENAME: ("Đổi tên",),
    ReorganisationAction.MERGE: ("Sáp nhập", "Hợp nhất"),
    ReorganisationAction.SPLIT: ("Chia tách", "Tách"),
    ReorganisationAction.ABOLISH: ("Giải thể", "Bãi bỏ"),
}
KIND_ALIASES = {
    AgencyKind.DEPARTMENT: ("Sở", "Sở, ban, ngành"),
    AgencyKind.DISTRICT: ("UBND huyện", "Cấp huyện"),
    AgencyKind.COMMUNE: ("UBND xã", "Cấp xã", "Xã", "Phường"),
}


def _date(text: str) -> datetime.date | None:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


@dataclasses.dataclass
class ChangeRow:
    """One row of a reorganisation file, or one change entered in the admin, and what checking found."""

    line: int
    change: ReorganisationChange
    messages: list[str] = dataclasses.field(default_factory=list)
    status: str = ""  # "change", "unchanged" or "error"


@dataclasses.dataclass
class ReorganisationFile:
    title: str
    effective_on: datetime.date | None
    rows: list[ChangeRow]
    error: str = ""  # about the file as a whole (dates that disagree …)

    @property
    def has_errors(self) -> bool:
        return bool(self.error) or any(row.status == "error" for row in self.rows)


# --- reading --------------------------------------------------------------------------------------------------------

def reorganisation_read(*, data: bytes) -> ReorganisationFile:
    """The changes of a CSV or XLSX file (agencies.sheets reads it), checked row by row (reorganisation_check).
    Raises ImportFileError when the file as a whole cannot be read."""
    records = sheet_records(sheet_table(data=data), columns=COLUMNS, required=REQUIRED)
    actions = choice_spellings(ReorganisationAction, ACTION_ALIASES)
    kinds = choice_spellings(AgencyKind, KIND_ALIASES)
    rows: list[ChangeRow] = []
    dates: dict[datetime.date, int] = {}
    titles: set[str] = set()
    for line, cells in records:
        change = ReorganisationChange(
            position=len(rows), action=actions.get(header_key(cells.get("action", "")), ""),
            code=cells.get("code", ""), name=cells.get("name", ""), name_en=cells.get("name_en", ""),
            kind=kinds.get(header_key(cells.get("kind", "")), "") if cells.get("kind") else "",
            predecessors=cells.get("predecessors", ""), tasks=cells.get("tasks", ""))
        row = ChangeRow(line=line, change=change)
        if not change.action:
            row.messages.append(_("Unknown action “%(action)s”; one of: %(actions)s.") % {
                "action": cells.get("action", ""), "actions": ", ".join(str(a.label) for a in ReorganisationAction)})
        if cells.get("kind") and not change.kind:
            row.messages.append(_("Unknown kind “%(kind)s”.") % {"kind": cells["kind"]})
        day = _date(cells.get("effective_on", ""))
        if day is None:
            row.messages.append(_("The effective date “%(date)s” is not a date (dd/mm/yyyy).") % {
                "date": cells.get("effective_on", "")})
        else:
            dates.setdefault(day, line)
        if cells.get("title"):
            titles.add(cells["title"])
        rows.append(row)
    if not rows:
        raise ImportFileError(_("The file names its columns but holds no change."))
    result = ReorganisationFile(title="; ".join(sorted(titles))[:255], effective_on=min(dates) if dates else None,
                                rows=rows)
    if len(dates) > 1:
        result.error = _("One reorganisation has one effective date; this file has %(dates)s. Split it.") % {
            "dates": ", ".join(f"{day:%d/%m/%Y}" for day in sorted(dates))}
    reorganisation_check(result.rows, effective_on=result.effective_on)
    return result


# --- checking -------------------------------------------------------------------------------------------------------

class _Board:
    """The agencies as the changes so far leave them (by upper-case code), for checking a list of changes."""

    def __init__(self, changes: list[ReorganisationChange]):
        codes = set()
        for change in changes:
            codes.add(change.code.upper())
            codes.update(code.upper() for code in change.predecessor_codes())
        self.agencies = {a.code.upper(): a for a in Agency.objects.annotate(u=Upper("code")).filter(u__in=codes)}
        self.created: set[str] = set()
        self.ended: set[str] = set()

    def exists(self, code: str) -> bool:
        code = code.upper()
        agency = self.agencies.get(code)
        return code in self.created or (agency is not None and agency.active and code not in self.ended)


def _check_new_body(row: ChangeRow) -> None:
    """A body the change creates: a code made of letters, digits and dashes, a name and a kind."""
    change = row.change
    if not change.name or not change.kind:
        row.messages.append(_("“%(code)s” does not exist yet: give its name and kind to create it.") % {
            "code": change.code})
    if not CODE.fullmatch(change.code):
        row.messages.append(_("The code “%(code)s” may hold only letters without accents, digits, - and _ (at most "
                              "40).") % {"code": change.code})


def _check_names(row: ChangeRow) -> None:
    if len(row.change.name) > NAME_MAX or len(row.change.name_en) > NAME_MAX:
        row.messages.append(_("A name is longer than %(limit)d characters.") % {"limit": NAME_MAX})


def _check_successor(row: ChangeRow, board: _Board) -> None:
    if not board.exists(row.change.code):
        _check_new_body(row)


def _check_predecessors(row: ChangeRow, board: _Board, *, one: bool) -> bool:
    """Are the bodies that end all there? False when they all ended already (the change is in effect)."""
    change, codes = row.change, row.change.predecessor_codes()
    if not codes or (one and len(codes) != 1):
        row.messages.append(_("Name the body that is split in “from” (one code).") if one else
                            _("Name the bodies merged in “from” (codes separated by semicolons)."))
        return True
    if change.code.upper() in {code.upper() for code in codes}:
        row.messages.append(_("A body cannot be merged into itself."))
    pending = False
    for code in codes:
        agency = board.agencies.get(code.upper())
        if agency is None:
            row.messages.append(_("No agency has the code “%(code)s”.") % {"code": code})
        elif board.exists(code):
            pending = True
    return pending


def _check_split_group(rows: list[ChangeRow]) -> None:
    """The rows of one split: exactly one takes the rest ("*"), the tasks named exist."""
    rest = [row for row in rows if row.change.inherits_the_rest]
    if len(rest) != 1:
        rows[0].messages.append(_("Exactly one successor of a split takes the other tasks and the people: write * in "
                                  "its “tasks”."))
    named = {code for row in rows for code in row.change.task_codes() if code != "*"}
    known = set(Task.objects.filter(code__in=named).values_list("code", flat=True))
    for row in rows:
        unknown = [code for code in row.change.task_codes() if code != "*" and code not in known]
        if unknown:
            row.messages.append(_("No task has the code %(codes)s.") % {"codes": ", ".join(unknown)})


def _check_one(row: ChangeRow, board: _Board) -> bool:
    """Check one change against the board; returns whether it changes anything. Updates the board."""
    change = row.change
    action = change.action
    exists = board.exists(change.code)
    _check_names(row)
    if action == ReorganisationAction.CREATE:
        if not exists:
            _check_new_body(row)
        board.created.add(change.code.upper())
        return not exists
    if action == ReorganisationAction.RENAME:
        agency = board.agencies.get(change.code.upper())
        if agency is None or not change.name:
            row.messages.append(_("Renaming needs the code of an existing agency and its new name."))
            return False
        return change.renames(agency)
    if action == ReorganisationAction.ABOLISH:
        if change.code.upper() not in board.agencies:
            row.messages.append(_("No agency has the code “%(code)s”.") % {"code": change.code})
        board.ended.add(change.code.upper())
        return exists
    pending = _check_predecessors(row, board, one=action == ReorganisationAction.SPLIT)
    if pending:
        _check_successor(row, board)
    board.created.add(change.code.upper())
    if action == ReorganisationAction.MERGE:
        board.ended.update(code.upper() for code in change.predecessor_codes())
    return pending


def _check_fields(row: ChangeRow, effective_on: datetime.date | None) -> None:
    change = row.change
    if effective_on is None:
        row.messages.append(_("The reorganisation needs an effective date."))
    if change.action and not change.code:
        row.messages.append(_("The agency code is missing."))
    if len(change.code) > 40 or len(change.predecessors) > 2000 or len(change.tasks) > 2000:
        row.messages.append(_("A code or a list of codes is too long."))


def reorganisation_check(rows: list[ChangeRow], *, effective_on: datetime.date | None) -> None:
    """Check every change against the database and the changes before it, setting its status and messages (in
    Vietnamese, row by row). A change already in effect is "unchanged"."""
    for row in rows:
        _check_fields(row, effective_on)
    board = _Board([row.change for row in rows])
    splits: dict[str, list[ChangeRow]] = {}
    changes = {}
    for row in rows:
        if row.change.action == ReorganisationAction.SPLIT:
            splits.setdefault(row.change.split_key, []).append(row)
    for row in rows:
        if row.change.action and row.change.code:
            changes[row.line] = _check_one(row, board)
    for code, group in splits.items():
        board.ended.add(code)
        _check_split_group(group)
    for row in rows:
        row.status = "error" if row.messages else "change" if changes.get(row.line) else "unchanged"


def reorganisation_digest(*, effective_on: datetime.date, changes: list[ReorganisationChange]) -> str:
    """The changes in a canonical form: the same file uploaded twice gives the same digest."""
    canonical = [effective_on.isoformat()] + [
        [c.action, c.code.upper(), c.name, c.name_en, c.kind, sorted(x.upper() for x in c.predecessor_codes()),
         sorted(c.task_codes())] for c in changes]
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False).encode()).hexdigest()


@transaction.atomic
def reorganisation_record(*, parsed: ReorganisationFile, title: str = "", by: User | None = None) -> Reorganisation:
    """Keep a checked file as a reorganisation, not yet applied. The same changes uploaded again give back the
    reorganisation they already are (applied or not)."""
    if parsed.has_errors or parsed.effective_on is None:
        raise ValueError("a file with errors is not recorded")
    changes = [row.change for row in parsed.rows]
    digest = reorganisation_digest(effective_on=parsed.effective_on, changes=changes)
    existing = Reorganisation.objects.filter(digest=digest).order_by("-applied_at", "-id").first()
    if existing is not None:
        return existing
    reorganisation = Reorganisation.objects.create(
        title=title or parsed.title or _("Reorganisation of %(date)s") % {"date": f"{parsed.effective_on:%d/%m/%Y}"},
        effective_on=parsed.effective_on, digest=digest, created_by=by)
    for position, change in enumerate(changes):
        change.reorganisation, change.position = reorganisation, position
        change.save()
    return reorganisation


def reorganisation_rows(reorganisation: Reorganisation) -> list[ChangeRow]:
    """The changes of a recorded reorganisation (a file's, or entered in the admin), checked."""
    rows = [ChangeRow(line=change.position, change=change) for change in reorganisation.changes.all()]
    reorganisation_check(rows, effective_on=reorganisation.effective_on)
    return rows


# --- applying -------------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class StructureEffect:
    """What a reorganisation did to agencies, assignments and people (reporting adds reports, drafts, reminders)."""

    created: list[str] = dataclasses.field(default_factory=list)
    renamed: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)  # code, old name, new name
    ended: dict[int, Agency] = dataclasses.field(default_factory=dict)  # predecessor id → predecessor
    # predecessor id → task id → successor id ("rest": the successor of every other task)
    inheritors: dict[int, dict] = dataclasses.field(default_factory=dict)
    moved: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)  # task code, from code, to code
    withdrawn: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # task code, agency code
    users: list[tuple[str, str, str]] = dataclasses.field(default_factory=list)  # username, from code, to code
    left: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # username, abolished agency code

    def inheritor(self, predecessor_id: int, task_id: int) -> int | None:
        plan = self.inheritors.get(predecessor_id, {})
        return plan.get(task_id, plan.get("rest"))

    def as_json(self) -> dict:
        return {"created": self.created, "renamed": self.renamed, "ended": sorted(a.code for a in self.ended.values()),
                "moved": self.moved, "withdrawn": self.withdrawn, "users": self.users, "left": self.left}


class ReorganisationRefused(Exception):
    """The changes have errors; `rows` say which."""

    def __init__(self, rows: list[ChangeRow]):
        super().__init__("reorganisation with errors")
        self.rows = rows


def _agency(code: str) -> Agency | None:
    return Agency.objects.annotate(u=Upper("code")).filter(u=code.upper()).first()


def _successor(change: ReorganisationChange, on: datetime.date, effect: StructureEffect) -> Agency:
    agency = _agency(change.code)
    if agency is None:
        agency = Agency(code=change.code, name=change.name, name_en=change.name_en, kind=change.kind, exists_from=on)
        agency_save(agency=agency)
        effect.created.append(agency.code)
    return agency


def _note_people(agency: Agency, successor: Agency, effect: StructureEffect) -> None:
    effect.users.extend((u, agency.code, successor.code) for u in
                        User.objects.filter(agency=agency).values_list("username", flat=True))


def _merge(change: ReorganisationChange, on: datetime.date, effect: StructureEffect) -> None:
    successor = _successor(change, on, effect)
    for code in change.predecessor_codes():
        agency = _agency(code)
        if agency is None or not agency.active:
            continue
        effect.moved.extend((task, agency.code, successor.code) for task in
                            agency.assignments.values_list("task__code", flat=True))
        _note_people(agency, successor, effect)
        effect.ended[agency.pk] = agency
        effect.inheritors[agency.pk] = {"rest": successor.pk}
        agency_merge(agency=agency, successor=successor, on=on)


def _split(rows: list[ReorganisationChange], on: datetime.date, effect: StructureEffect) -> None:
    agency = _agency(rows[0].predecessor_codes()[0])
    if agency is None or not agency.active:
        return
    successors = [(_successor(row, on, effect), set(row.task_codes()) - {"*"}, row.inherits_the_rest) for row in rows]
    rest = next(successor for successor, _tasks, takes_rest in successors if takes_rest)
    held = {s.pk: {a.task_id: a for a in s.assignments.all()} for s, _t, _r in successors}
    plan: dict = {"rest": rest.pk}
    for assignment in list(agency.assignments.select_related("task")):
        takers = [s for s, tasks, _r in successors if assignment.task.code in tasks] or [rest]
        for index, successor in enumerate(takers):
            last = index == len(takers) - 1
            assignment_move(assignment=assignment, successor=successor, successor_tasks=held[successor.pk],
                            keep=not last)
            effect.moved.append((assignment.task.code, agency.code, successor.code))
        plan[assignment.task_id] = takers[0].pk
    _note_people(agency, rest, effect)
    effect.ended[agency.pk] = agency
    effect.inheritors[agency.pk] = plan
    agency_retire_into(agency=agency, successor=rest, on=on)


def _abolish(change: ReorganisationChange, on: datetime.date, effect: StructureEffect) -> None:
    agency = _agency(change.code)
    if agency is None or not agency.active:
        return
    for assignment in Assignment.objects.filter(agency=agency).select_related("task"):
        effect.withdrawn.append((assignment.task.code, agency.code))
        assignment.delete()  # one by one, so that history records each
    effect.left.extend((u, agency.code) for u in User.objects.filter(agency=agency).values_list("username", flat=True))
    effect.ended[agency.pk] = agency
    effect.inheritors[agency.pk] = {}
    agency_end(agency=agency, on=on)


def _rename(change: ReorganisationChange, effect: StructureEffect) -> None:
    agency = _agency(change.code)
    if agency is None or not change.renames(agency):
        return
    effect.renamed.append((agency.code, agency.name, change.name))
    agency.name, agency.name_en = change.name, change.name_en or agency.name_en
    agency_save(agency=agency)


@transaction.atomic
def reorganisation_structure_apply(*, reorganisation: Reorganisation) -> StructureEffect:
    """Apply the changes to agencies, assignments and people, in order, in the caller's transaction. A change
    already in effect changes nothing. Raises ReorganisationRefused when a change has an error."""
    rows = reorganisation_rows(reorganisation)
    if any(row.status == "error" for row in rows):
        raise ReorganisationRefused(rows)
    on, effect = reorganisation.effective_on, StructureEffect()
    splits: dict[str, list[ReorganisationChange]] = {}
    for row in rows:
        change = row.change
        if change.action == ReorganisationAction.SPLIT:
            splits.setdefault(change.split_key, []).append(change)
        elif change.action == ReorganisationAction.CREATE:
            if _agency(change.code) is None:
                _successor(change, on, effect)
        elif change.action == ReorganisationAction.RENAME:
            _rename(change, effect)
        elif change.action == ReorganisationAction.MERGE:
            _merge(change, on, effect)
        elif change.action == ReorganisationAction.ABOLISH:
            _abolish(change, on, effect)
    for group in splits.values():
        _split(group, on, effect)
    return effect


def reorganisation_mark_applied(*, reorganisation: Reorganisation, by: User | None, drafts: str,
                                summary: dict) -> None:
    reorganisation.applied_at, reorganisation.applied_by = timezone.now(), by
    reorganisation.drafts, reorganisation.summary = drafts, summary
    if not reorganisation.digest:
        reorganisation.digest = reorganisation_digest(effective_on=reorganisation.effective_on,
                                                      changes=list(reorganisation.changes.all()))
    reorganisation.save()
