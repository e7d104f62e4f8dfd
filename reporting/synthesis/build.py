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
from reporting.models import (
    Difficulty,
    Progress,
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
    """The roll-up as plain data, and the report versions it was built from. Reads only; `progress(pct)` is told along."""
    tell = progress or (lambda pct: None)
    plan = period.plan
    reports = list(counted_reports(period).select_related("agency", "period").order_by("agency__sort_key", "agency__code"))
    tell(10)
    last_versions = {}
    for version in ReportVersion.objects.filter(report__period=period).order_by("report_id", "number"):
        last_versions[version.report_id] = version  # the highest number wins
    tell(40)
    agencies = []
    for r in reports:
        agencies.append({
            "code": r.agency.code, "name": r.agency.name, "kind": r.agency.kind, "expected": r.expected, "voluntary": not r.expected,
            "status": r.status if r.submitted_at else ReportStatus.DRAFT,
            "submitted_at": timezone.localtime(r.submitted_at).isoformat() if r.submitted_at else None,
            "days_late": r.days_late, "version": r.version,
        })
    # what each agency said about each task, from its last submitted version
    said: dict[str, dict[str, dict]] = {}
    for r in reports:
        last = last_versions.get(r.pk)
        if last is not None:
            for code, section in last.content.get("sections", {}).items():
                said.setdefault(code, {})[r.agency.code] = section
    tell(60)
    by_code = {r.agency.code: r for r in reports}
    # per task, the same counts as the dashboards' progress table (reporting.dashboards.metrics)
    task_counts = {row["task_id"]: {**{p: row[p] for p in Progress.values}, "not_started": row["no_progress"],
                                 "no_report": row["unreported"]} for row in task_progress(period=period)}
    groups = []
    tasks = list(plan.tasks.select_related("group").prefetch_related("assignments__agency").order_by("sort_key"))
    for group in plan.groups.order_by("position"):
        group_tasks = []
        for task in (t for t in tasks if t.group_id == group.pk):
            assignments = sorted(
                (a for a in task.assignments.all() if a.agency.code in by_code),
                key=lambda a: (a.role != AssignmentRole.LEAD, a.agency.sort_key, a.agency.code),
            )
            entries = []
            for a in assignments:
                section = said.get(task.code, {}).get(a.agency.code)
                if section is None:
                    continue
                entries.append({"agency": a.agency.name, "role": a.role, "progress": section.get("progress", ""),
                                "results": section.get("results", ""), "difficulties": section.get("difficulties", ""),
                                "proposals": section.get("proposals", "")})
            if assignments:
                group_tasks.append({"code": task.code, "title": task.title, "all_agencies": task.assigned_to_all,
                                    "counts": task_counts.get(task.pk, NO_PROGRESS), "entries": entries})
        groups.append({"code": group.code, "title": group.title, "tasks": group_tasks})
    tell(80)
    difficulties = []
    raised = Difficulty.objects.filter(task__plan=plan).filter(
        raised_at__date__gte=period.covers_from, raised_at__date__lte=period.synthesis_due
    ).select_related("agency", "task").prefetch_related("responses").order_by("raised_at", "pk")
    for d in raised:
        responses = list(d.responses.all())
        difficulties.append({"agency": d.agency.name, "task": d.task.code, "kind": d.kind, "title": d.title, "text": d.text,
                             "status": d.status, "raised_on": timezone.localtime(d.raised_at).date().isoformat(),
                             "response": responses[-1].text if responses else ""})
    comp = period_counts(period=period)
    content = {
        "plan": {"number": plan.number, "title": plan.title, "issued_on": plan.issued_on.isoformat()},
        "year": period.year,
        "period": {"agency_due": period.agency_due.isoformat(), "synthesis_due": period.synthesis_due.isoformat(),
                   "covers_from": period.covers_from.isoformat(), "covers_to": period.covers_to.isoformat()},
        "completeness": comp,
        "agencies": agencies,
        "missing": [r.agency.name for r in reports_for_metric(period=period, metric="missing")],
        "late": [{"name": r.agency.name, "days_late": r.days_late} for r in reports_for_metric(period=period, metric="late")],
        "groups": groups,
        "difficulties": difficulties,
    }
    built_from = {by_code_r.agency.code: last_versions[by_code_r.pk].number for by_code_r in reports if by_code_r.pk in last_versions}
    return content, built_from


def synthesis_set_state(synthesis_id: int, state: str, **fields) -> None:
    """Store a build state (and progress, error…) with the moment it changed, which `Synthesis.build_state` reads
    to tell a build that stopped moving (its worker died) from one that is running."""
    Synthesis.objects.filter(pk=synthesis_id).update(state=state, state_changed_at=timezone.now(), **fields)


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
    return synthesis


def syntheses_build_due(*, today: datetime.date) -> list[int]:
    """Nightly from the agency deadline to the synthesis deadline (5–15 November): rebuild unfinalised syntheses."""
    built = []
    for period in ReportingPeriod.objects.filter(agency_due__lte=today, synthesis_due__gte=today).select_related("plan"):
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
        raise ReportingError(_("Someone else changed the synthesis after you opened it. Reload the page; your text is still in the form."))
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
    period_close(period=synthesis.period, user=user)
    return synthesis
