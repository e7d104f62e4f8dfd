"""The provincial synthesis (báo cáo tổng hợp, IV.1): what every agency reported, rolled up per task and group.

Built from the last *submitted* version of each report, so that a draft being typed never leaks in and two
builds over the same submissions give the same result (deterministic and idempotent).
"""
import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reporting.cycle.services import ReportingError, reports_open_due
from reporting.dashboards.metrics import counted_reports, period_counts, reports_for_metric, task_progress
from reporting.delivery.feed import feed_record
from reporting.models import (
    Difficulty,
    FeedKind,
    Progress,
    Report,
    ReportingPeriod,
    ReportStatus,
    ReportVersion,
    Synthesis,
    SynthesisState,
)
from tasks.models import AssignmentRole


def _finalised_message():
    return _("The synthesis has been finalised and can no longer change.")


NO_PROGRESS = {**dict.fromkeys(Progress.values, 0), "no_report": 0}


def synthesis_content(*, period: ReportingPeriod, progress=None) -> tuple[dict, dict]:
    """The roll-up as plain data, and the report versions it was built from. Reads only; `progress(pct)` is told
    along."""
    tell = progress or (lambda pct: None)
    plan = period.plan
    reports = list(counted_reports(period).select_related("agency", "period")
                   .order_by("agency__sort_key", "agency__code"))
    tell(10)
    last_versions = {}
    for version in ReportVersion.objects.filter(report__period=period).order_by("report_id", "number"):
        last_versions[version.report_id] = version  # the highest number wins
    tell(40)
    said = _what_each_agency_said(reports, last_versions)
    tell(60)
    groups = _groups(period=period, reports=reports, said=said)
    tell(80)
    content = {
        "plan": {"number": plan.number, "title": plan.title, "issued_on": plan.issued_on.isoformat()},
        "year": period.year,
        "period": {"agency_due": period.agency_due.isoformat(), "synthesis_due": period.synthesis_due.isoformat(),
                   "covers_from": period.covers_from.isoformat(), "covers_to": period.covers_to.isoformat()},
        "completeness": period_counts(period=period),
        "agencies": [_agency_row(r) for r in reports],
        "missing": [r.agency.name for r in reports_for_metric(period=period, metric="missing")],
        "late": [{"name": r.agency.name, "days_late": r.days_late}
                 for r in reports_for_metric(period=period, metric="late")],
        "groups": groups,
        "difficulties": _difficulties(period),
    }
    built_from = {r.agency.code: last_versions[r.pk].number for r in reports if r.pk in last_versions}
    return content, built_from


def _agency_row(report: Report) -> dict:
    """One line of the status table (Phụ lục): who, whether the report is owed or voluntary, its state and dates."""
    return {
        "code": report.agency.code, "name": report.agency.name, "kind": report.agency.kind, "expected": report.expected,
        "status": report.status if report.submitted_at else ReportStatus.DRAFT,
        "submitted_at": timezone.localtime(report.submitted_at).isoformat() if report.submitted_at else None,
        "days_late": report.days_late, "version": report.version,
    }


def _what_each_agency_said(reports: list[Report], last_versions: dict) -> dict[str, dict[str, dict]]:
    """Task code → agency code → section, from each report's last submitted version (never a draft)."""
    said: dict[str, dict[str, dict]] = {}
    for r in reports:
        last = last_versions.get(r.pk)
        if last is not None:
            for code, section in last.content.get("sections", {}).items():
                said.setdefault(code, {})[r.agency.code] = section
    return said


def _groups(*, period: ReportingPeriod, reports: list[Report], said: dict) -> list[dict]:
    """Per task group and task: the progress counts of the dashboards and what each assigned agency said."""
    by_code = {r.agency.code: r for r in reports}
    # per task, the same counts as the dashboards' progress table (reporting.dashboards.metrics)
    task_counts = {row["task_id"]: {**{p: row[p] for p in Progress.values}, "not_started": row["no_progress"],
                                    "no_report": row["unreported"]} for row in task_progress(period=period)}
    tasks = list(period.plan.tasks.select_related("group").prefetch_related("assignments__agency").order_by("sort_key"))
    groups = []
    for group in period.plan.groups.order_by("position"):
        group_tasks = []
        for task in (t for t in tasks if t.group_id == group.pk):
            assignments = sorted(
                (a for a in task.assignments.all() if a.agency.code in by_code),
                key=lambda a: (a.role != AssignmentRole.LEAD, a.agency.sort_key, a.agency.code),
            )
            if assignments:
                group_tasks.append({"code": task.code, "title": task.title, "all_agencies": task.assigned_to_all,
                                    "counts": task_counts.get(task.pk, NO_PROGRESS),
                                    "entries": _entries(assignments, said.get(task.code, {}))})
        groups.append({"code": group.code, "title": group.title, "tasks": group_tasks})
    return groups


def _entries(assignments, said_of_task: dict) -> list[dict]:
    entries = []
    for a in assignments:
        section = said_of_task.get(a.agency.code)
        if section is not None:
            entries.append({"agency": a.agency.name, "role": a.role, "progress": section.get("progress", ""),
                            "results": section.get("results", ""), "difficulties": section.get("difficulties", ""),
                            "proposals": section.get("proposals", "")})
    return entries


def _difficulties(period: ReportingPeriod) -> list[dict]:
    """Difficulties and proposals raised during the period's reporting window, with the DFA's latest answer."""
    raised = Difficulty.objects.filter(task__plan=period.plan).filter(
        raised_at__date__gte=period.covers_from, raised_at__date__lte=period.synthesis_due
    ).select_related("agency", "task").prefetch_related("responses").order_by("raised_at", "pk")
    difficulties = []
    for d in raised:
        responses = list(d.responses.all())
        difficulties.append({"agency": d.agency.name, "task": d.task.code, "kind": d.kind, "title": d.title,
                             "text": d.text, "status": d.status,
                             "raised_on": timezone.localtime(d.raised_at).date().isoformat(),
                             "response": responses[-1].text if responses else ""})
    return difficulties


def synthesis_set_state(synthesis_id: int, state: str, **fields) -> None:
    """Store a build state (and progress, error…) with the moment it changed, which `Synthesis.build_state` reads
    to tell a build that stopped moving (its worker died) from one that is running."""
    rows = Synthesis.objects.filter(pk=synthesis_id)
    if rows.exclude(state=state).update(state=state, state_changed_at=timezone.now(), **fields):
        _feed_synthesis(rows.values_list("period_id", flat=True).first(), state)
    else:  # the same state, further on (a running build's progress): not a change of state for the feed
        rows.update(state=state, state_changed_at=timezone.now(), **fields)


def _feed_synthesis(period_id: int | None, action: str) -> None:
    """A synthesis that changed state (queued, running, failed, built, finalised) into the changes feed."""
    feed_record(kind=FeedKind.SYNTHESIS, action=action, period_id=period_id)


def synthesis_build(*, period: ReportingPeriod, today: datetime.date | None = None) -> Synthesis:
    """Rebuild and store the synthesis of a period (refused once finalised). Progress is saved as it goes."""
    synthesis, _ = Synthesis.objects.get_or_create(period=period)
    if synthesis.is_final:
        raise ReportingError(_finalised_message())
    reports_open_due(today=today or period.opens_on)

    def progress(pct):
        synthesis_set_state(synthesis.pk, SynthesisState.RUNNING, progress=pct)

    progress(1)
    try:
        content, built_from = synthesis_content(period=period, progress=progress)
    except Exception as error:
        synthesis_set_state(synthesis.pk, SynthesisState.FAILED, error=str(error)[:2000])
        raise
    with transaction.atomic():
        synthesis = Synthesis.objects.select_for_update().get(pk=synthesis.pk)
        if synthesis.is_final:
            raise ReportingError(_finalised_message())
        synthesis.content, synthesis.built_from, synthesis.built_at = content, built_from, timezone.now()
        synthesis.state, synthesis.progress, synthesis.error = SynthesisState.IDLE, 100, ""
        synthesis.state_changed_at = synthesis.built_at
        synthesis.save()
        _feed_synthesis(period.pk, "built")
    return synthesis


def syntheses_build_due(*, today: datetime.date) -> list[int]:
    """Nightly from the agency deadline to the synthesis deadline (5–15 November): rebuild unfinalised syntheses."""
    built = []
    for period in (ReportingPeriod.objects.filter(agency_due__lte=today, synthesis_due__gte=today)
                   .select_related("plan")):
        synthesis = getattr(period, "synthesis", None)
        if synthesis is not None and synthesis.is_final:
            continue
        synthesis_build(period=period, today=today)
        built.append(period.pk)
    return built


@transaction.atomic
def synthesis_edit(*, synthesis: Synthesis, user, lock_version: int, introduction: str, assessment: str, proposals: str,
                   doc_number: str = "") -> Synthesis:
    """The DFA edits the narrative before finalising (optimistic lock, like reports)."""
    if synthesis.is_final:
        raise ReportingError(_finalised_message())
    updated = Synthesis.objects.filter(pk=synthesis.pk, lock_version=lock_version, finalised_at__isnull=True).update(
        introduction=introduction, assessment=assessment, proposals=proposals, doc_number=doc_number,
        lock_version=lock_version + 1,
    )
    if not updated:
        raise ReportingError(_("Someone else changed the synthesis after you opened it. Reload the page; your text is "
                               "still in the form."))
    synthesis.refresh_from_db()
    return synthesis


@transaction.atomic
def synthesis_finalise(*, synthesis: Synthesis, user) -> Synthesis:
    """Finalising locks the synthesis, records who and when, and closes the period (issue #3: closes automatically)."""
    from reporting.cycle.services import period_close

    synthesis = Synthesis.objects.select_for_update().get(pk=synthesis.pk)
    if synthesis.is_final:
        return synthesis
    if synthesis.built_at is None:
        raise ReportingError(_("Build the synthesis before finalising it."))
    synthesis.finalised_at, synthesis.finalised_by = timezone.now(), user
    synthesis.save()
    _feed_synthesis(synthesis.period_id, "finalised")
    period_close(period=synthesis.period, user=user)
    return synthesis
