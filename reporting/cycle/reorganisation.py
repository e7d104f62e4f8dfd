"""A reorganisation's effects on the reporting cycle (issue 15): the preview and the apply step.

tasks/reorganisation.py moves agencies, assignments and people; this module, above it, runs that inside its own
transaction and then handles the reports of the open periods:
- a report a body that ends has sent stays with it and counts in its year (reporting.dashboards.metrics.COUNTED);
- its open draft is never silently lost: the admin chooses to move its text into the reports of the successors that
  inherit each task, or to close it with a note; either way the draft stays as it was, with an event saying what
  became of it (an abolished body's draft has no successor: it is closed with a note);
- successors get their report of every open period they owe, with a section for each task they inherit;
- reminders follow by themselves (metrics.reports_to_chase): the preview lists whom they stop and start chasing.

The preview is the apply step run in a transaction that is rolled back: what it shows is what applying does.
"""
import dataclasses

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.models import Agency
from reporting.cycle.services import SECTION_FIELDS, agencies_owing, periods_opened, report_open, report_save_edited
from reporting.dashboards.metrics import reports_to_chase
from reporting.models import EventKind, Report, ReportEvent, ReportingPeriod, ReportSection
from tasks.models import DraftHandling, Reorganisation
from tasks.reorganisation import (
    ChangeRow,
    ReorganisationFile,
    ReorganisationRefused,
    StructureEffect,
    reorganisation_mark_applied,
    reorganisation_record,
    reorganisation_rows,
    reorganisation_structure_apply,
)


@dataclasses.dataclass
class ReorganisationResult:
    rows: list[ChangeRow]
    structure: StructureEffect | None = None
    reports: list[dict] = dataclasses.field(default_factory=list)  # the ended bodies' reports of open periods
    opened: list[tuple[int, str]] = dataclasses.field(default_factory=list)  # year, agency: successors' new reports
    reminders_stop: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    reminders_start: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    applied: bool = False
    already_applied: bool = False
    not_yet: str = ""  # why it cannot be applied today (its effective date is ahead); the preview still shows it

    @property
    def has_errors(self) -> bool:
        return any(row.status == "error" for row in self.rows)

    @property
    def changes_anything(self) -> bool:
        return any(row.status == "change" for row in self.rows)

    def lines(self) -> list[str]:
        """What it does, one line a fact (the command's output)."""
        effect = self.structure or StructureEffect()
        return [*(f"created {code}" for code in effect.created),
                *(f"renamed {code}: {old} -> {new}" for code, old, new in effect.renamed),
                *(f"assignment {task}: {old} -> {new}" for task, old, new in effect.moved),
                *(f"assignment {task}: {code} withdrawn" for task, code in effect.withdrawn),
                *(f"user {username}: {old} -> {new}" for username, old, new in effect.users),
                *(f"report {r['year']} {r['agency']}: {r['outcome']} {', '.join(r['to'])}".rstrip()
                  for r in self.reports),
                *(f"report {year} {name}: opened" for year, name in self.opened),
                *(f"reminders {year} {name}: stop" for year, name in self.reminders_stop),
                *(f"reminders {year} {name}: start" for year, name in self.reminders_start)]

    def as_json(self) -> dict:
        return {**(self.structure.as_json() if self.structure else {}), "reports": self.reports,
                "opened": self.opened, "reminders_stop": self.reminders_stop, "reminders_start": self.reminders_start}


def _chased(periods: list[ReportingPeriod]) -> set[tuple[int, str]]:
    return {(period.year, name) for period in periods
            for name in reports_to_chase(period=period).values_list("agency__name", flat=True)}


def _append(target: str, source: str, heading: str) -> str:
    return f"{target}\n\n{heading}\n{source}".strip() if source else target


def _move_draft(report: Report, effect: StructureEffect, *, by, title: str) -> list[str]:
    """Copy the text of each section into the report of the successor that inherits its task. Returns to whom."""
    heading = _("[From the draft of %(agency)s]") % {"agency": report.agency.name}
    receivers: dict[int, Report] = {}
    targets: dict[int, dict[int, ReportSection]] = {}  # successor id → its report's sections by task
    for section in report.sections.all():
        if not any(getattr(section, name) for name in SECTION_FIELDS[1:]):
            continue
        successor_id = effect.inheritor(report.agency_id, section.task_id)
        if successor_id is None:
            continue
        if successor_id not in receivers:
            receivers[successor_id] = report_open(period=report.period, agency=Agency.objects.get(pk=successor_id))
            targets[successor_id] = {s.task_id: s for s in receivers[successor_id].sections.all()}
        target = targets[successor_id].get(section.task_id)
        if target is None or not receivers[successor_id].is_editable():
            continue
        for name in SECTION_FIELDS[1:]:
            setattr(target, name, _append(getattr(target, name), getattr(section, name), heading))
        if not target.progress:
            target.progress = section.progress
        target.save()
    for receiver in receivers.values():
        receiver.summary = _append(receiver.summary, report.summary, heading)
        report_save_edited(report=receiver)
        ReportEvent.objects.create(report=receiver, kind=EventKind.REORGANISED, actor=by, comment=_(
            "Received the draft of %(agency)s (%(title)s).") % {"agency": report.agency.name, "title": title})
    return [receiver.agency.name for receiver in receivers.values()]


def _handle_report(report: Report, effect: StructureEffect, *, drafts: str, by, title: str) -> dict:
    """What becomes of one report of an ended body in an open period (the module's rules)."""
    outcome = {"year": report.period.year, "agency": report.agency.name, "status": report.get_status_display(),
               "to": []}
    if report.first_submitted_at is not None:
        outcome["outcome"] = "kept"
        return outcome
    moved = _move_draft(report, effect, by=by, title=title) if drafts == DraftHandling.MOVE else []
    outcome["to"] = moved
    outcome["outcome"] = "moved" if moved else "closed"
    comment = (_("%(agency)s ended (%(title)s); the text of this draft was copied to: %(to)s. The draft is kept here.")
               % {"agency": report.agency.name, "title": title, "to": ", ".join(moved)} if moved else
               _("%(agency)s ended (%(title)s); this draft was closed without being sent and is kept here.")
               % {"agency": report.agency.name, "title": title})
    ReportEvent.objects.create(report=report, kind=EventKind.REORGANISED, actor=by, comment=comment)
    return outcome


def _open_successor_reports(periods: list[ReportingPeriod], effect: StructureEffect) -> None:
    """Each open period's report of every body that took over work, when it owes one (exists on the due date)."""
    successor_ids = {pk for plan in effect.inheritors.values() for pk in plan.values()}
    successor_ids |= set(Agency.objects.filter(code__in=effect.created).values_list("pk", flat=True))
    for period in periods:
        for agency in agencies_owing(period=period).filter(pk__in=successor_ids):
            report_open(period=period, agency=agency)


def reorganisation_apply(*, reorganisation: Reorganisation, drafts: str = DraftHandling.MOVE, by=None,
                         dry_run: bool = False) -> ReorganisationResult:
    """Apply a reorganisation in one transaction (dry_run: the preview, rolled back). A reorganisation already
    applied changes nothing the second time."""
    rows = reorganisation_rows(reorganisation)
    result = ReorganisationResult(rows=rows, already_applied=reorganisation.is_applied)
    if result.has_errors:
        return result
    today = timezone.localdate()
    title = str(reorganisation)
    if reorganisation.effective_on > today and not reorganisation.is_applied:
        # applying moves people and work at once: a body that still exists must not lose them before its last day
        result.not_yet = _("This reorganisation takes effect on %(date)s: it can be applied from that day. Until then "
                           "the bodies it ends still exist, keep their people and report.") % {
            "date": f"{reorganisation.effective_on:%d/%m/%Y}"}
        if not dry_run:
            return result
    with transaction.atomic():
        periods = periods_opened(today=today)
        before = _chased(periods)
        reports_before = set(Report.objects.filter(period__in=periods).values_list("pk", flat=True))
        try:
            result.structure = effect = reorganisation_structure_apply(reorganisation=reorganisation)
        except ReorganisationRefused as refused:
            result.rows = refused.rows
            return result
        # the reports at stake: of periods whose deadline the ended bodies no longer live to see (earlier years'
        # reports stay theirs and count in their years)
        for report in (Report.objects.filter(period__in=periods, agency_id__in=effect.ended,
                                             period__agency_due__gte=reorganisation.effective_on)
                       .select_related("agency", "period")):
            result.reports.append(_handle_report(report, effect, drafts=drafts, by=by, title=title))
        _open_successor_reports(periods, effect)
        result.opened = sorted(Report.objects.filter(period__in=periods).exclude(pk__in=reports_before)
                               .values_list("period__year", "agency__name"))
        after = _chased(periods)
        result.reminders_stop, result.reminders_start = sorted(before - after), sorted(after - before)
        if dry_run:
            transaction.set_rollback(True)
            return result
        if not reorganisation.is_applied:
            reorganisation_mark_applied(reorganisation=reorganisation, by=by, drafts=drafts,
                                        summary=result.as_json())
        result.applied = True
    return result



def reorganisation_file_apply(*, parsed: ReorganisationFile, title: str = "", drafts: str = DraftHandling.MOVE,
                              by=None, dry_run: bool = False) -> tuple[Reorganisation | None, ReorganisationResult]:
    """Record a checked file as a reorganisation and apply it, in one transaction (`apply_reorganisation`); a dry
    run writes nothing, not even the record. The same file applied again is the reorganisation it already is, and
    changes nothing."""
    if parsed.has_errors:
        return None, ReorganisationResult(rows=parsed.rows)
    with transaction.atomic():
        reorganisation = reorganisation_record(parsed=parsed, title=title, by=by)
        result = reorganisation_apply(reorganisation=reorganisation, drafts=drafts, by=by, dry_run=dry_run)
        if dry_run:
            transaction.set_rollback(True)
    return reorganisation, result
