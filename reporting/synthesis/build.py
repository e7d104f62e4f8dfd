"""The provincial synthesis (báo cáo tổng hợp, IV.1): what every agency reported, rolled up per task and group.

Built from the last *submitted* version of each report, so that a draft being typed never leaks in and two
builds over the same submissions give the same result (deterministic and idempotent).
"""
import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reporting.cycle.services import ReportingError, reports_open_due
from reporting.dashboards.metrics import (
    counted_reports,
    indicator_figures,
    last_versions,
    period_counts,
    reports_for_metric,
    task_progress,
)
from reporting.delivery.feed import feed_record
from reporting.models import (
    Difficulty,
    DifficultyStatus,
    FeedKind,
    Progress,
    Report,
    ReportingPeriod,
    ReportSection,
    ReportStatus,
    Synthesis,
    SynthesisState,
)
from reporting.synthesis import drafting
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
    versions = last_versions(period=period)
    tell(40)
    said = _what_each_agency_said(reports, versions)
    previous = plan.periods.filter(year=period.year - 1).first()
    figures = _with_previous(indicator_figures(period=period, reports=reports, versions=versions),
                             indicator_figures(period=previous) if previous else {})
    tell(60)
    previous_year = previous.year if previous else None
    groups = _groups(period=period, reports=reports, said=said, figures=figures, previous_year=previous_year)
    difficulties = _difficulties(period)
    plans = _plans_for_next_year(reports, versions)
    tell(80)
    tasks = [task for group in groups for task in group["tasks"]]
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
        "difficulties": difficulties,
        "previous_year": previous_year,
        "next_year": plans,
        "drafts": {
            "shortcomings": drafting.shortcomings(tasks),
            "directions": drafting.directions(plans, period.year + 1),
            "proposals": drafting.proposals(groups, [d for d in difficulties
                                                     if d["status"] == DifficultyStatus.ESCALATED]),
        },
    }
    built_from = {r.agency.code: versions[r.pk].number for r in reports if r.pk in versions}
    return content, built_from


def _with_previous(figures: dict, before: dict) -> dict:
    """Each indicator of the year with the previous year's total beside it (None when it had none) — as text, the
    way the content is stored."""
    for task_code, items in figures.items():
        earlier = {item["code"]: item["total"] for item in before.get(task_code, [])}
        for item in items:
            item["previous"] = earlier.get(item["code"])
    return figures


def _stored(item: dict) -> dict:
    """An indicator's figures as the stored content keeps them: decimals as text."""
    def text(value):
        return None if value is None else str(value)

    return {"code": item["code"], "name": item["name"], "unit": item["unit"], "kind": item["kind"],
            "combine": item["combine"], "total": text(item["total"]), "previous": text(item["previous"]),
            "voluntary_total": text(item["voluntary_total"]),
            "values": [{**v, "value": text(v["value"])} for v in item["values"]]}


def _plans_for_next_year(reports: list[Report], versions: dict) -> list[dict]:
    """Every agency's plan for next year from its last submitted version: ordered agencies first, leads of the plan's
    departments before the rest as the reports are ordered."""
    plans = []
    for report in sorted(reports, key=lambda r: not r.expected):
        version = versions.get(report.pk)
        text = version.content.get("next_year", "") if version else ""
        if text.strip():
            plans.append({"agency": report.agency.name, "text": text})
    return plans


def _agency_row(report: Report) -> dict:
    """One line of the status table (Phụ lục): who, whether the report is owed or voluntary, its state, its deadline
    (extended or not) and dates."""
    return {
        "code": report.agency.code, "name": report.agency.name, "kind": report.agency.kind, "expected": report.expected,
        "status": report.status if report.submitted_at else ReportStatus.DRAFT,
        "submitted_at": timezone.localtime(report.submitted_at).isoformat() if report.submitted_at else None,
        "days_late": report.days_late, "version": report.version,
        # the report's own deadline: the period's, or the date of an extension the DFA granted (gia hạn)
        "due": report.due_date.isoformat(), "extended": report.is_extended,
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


def _groups(*, period: ReportingPeriod, reports: list[Report], said: dict, figures: dict,
            previous_year: int | None) -> list[dict]:
    """Per task group and task: the progress counts of the dashboards, the indicator totals, what each agency said,
    and the drafted paragraph (reporting.synthesis.drafting).

    Who carried a task, and in which role, is read from the reports' own sections (set when the report was written),
    not from today's assignments: a body merged, split or abolished since keeps what it reported in its year."""
    by_report = {r.pk: r for r in reports}
    # per task, the same counts as the dashboards' progress table (reporting.dashboards.metrics)
    task_counts = {row["task_id"]: {**{p: row[p] for p in Progress.values}, "not_started": row["no_progress"],
                                    "no_report": row["unreported"]} for row in task_progress(period=period)}
    carriers: dict[int, list[tuple[Report, str]]] = {}
    for task_id, report_id, role in (ReportSection.objects.filter(report__in=list(by_report))
                                     .values_list("task_id", "report_id", "role")):
        carriers.setdefault(task_id, []).append((by_report[report_id], role))
    tasks = list(period.plan.tasks.select_related("group").order_by("sort_key"))
    groups = []
    for group in period.plan.groups.order_by("position"):
        group_tasks = []
        for task in (t for t in tasks if t.group_id == group.pk):
            carried = sorted(carriers.get(task.pk, []), key=lambda c: (
                c[1] != AssignmentRole.LEAD, c[0].agency.sort_key, c[0].agency.code))
            if carried:
                group_tasks.append(_task(task, task_counts.get(task.pk, NO_PROGRESS),
                                         _entries(carried, said.get(task.code, {})),
                                         figures.get(task.code, []), previous_year))
        groups.append({"code": group.code, "title": group.title, "tasks": group_tasks})
    return groups


def _task(task, counts: dict, entries: list[dict], figures: list[dict], previous_year: int | None) -> dict:
    lead = next((e for e in entries if e["role"] == AssignmentRole.LEAD and e["results"].strip()), None)
    row = {"code": task.code, "title": task.title, "all_agencies": task.assigned_to_all, "counts": counts,
           "entries": entries, "indicators": [_stored(item) for item in figures],
           "lead": {"agency": lead["agency"], "results": lead["results"]} if lead else None,
           "difficulties": [{"agency": e["agency"], "text": e["difficulties"]} for e in entries
                            if e["difficulties"].strip()],
           "proposals": [{"agency": e["agency"], "text": e["proposals"]} for e in entries if e["proposals"].strip()]}
    row["draft"], row["basis"] = drafting.task_paragraph(row, previous_year), drafting.fingerprint(row)
    return row


def _entries(carried: list[tuple[Report, str]], said_of_task: dict) -> list[dict]:
    entries = []
    for report, role in carried:
        section = said_of_task.get(report.agency.code)
        if section is not None:
            entries.append({"agency": report.agency.name, "role": role, "progress": section.get("progress", ""),
                            "results": section.get("results", ""), "difficulties": section.get("difficulties", ""),
                            "proposals": section.get("proposals", "")})
    return entries


def difficulties_raised(period: ReportingPeriod):
    """The difficulties and proposals that belong to a period: raised during its reporting window (from the start
    of the results it covers to the synthesis deadline)."""
    return Difficulty.objects.filter(task__plan=period.plan).filter(
        raised_at__date__gte=period.covers_from, raised_at__date__lte=period.synthesis_due
    )


def _difficulties(period: ReportingPeriod) -> list[dict]:
    """Difficulties and proposals raised during the period's reporting window, with the DFA's latest answer."""
    raised = (difficulties_raised(period).select_related("agency", "task").prefetch_related("responses")
              .order_by("raised_at", "pk"))
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
                   doc_number: str = "", shortcomings: str | None = None, directions: str | None = None,
                   paragraphs: dict[str, str] | None = None, checked: set[str] | frozenset = frozenset()
                   ) -> Synthesis:
    """The DFA edits the narrative and the drafted task paragraphs before finalising (optimistic lock, like reports).

    `paragraphs` is task code → the text on the page: the draft itself or an empty box means "the machine's draft";
    anything else is the officer's wording, kept by every rebuild. `checked` are the task codes whose changed figures
    the officer has reread: their wording stays and is no longer marked.
    """
    if synthesis.is_final:
        raise ReportingError(_finalised_message())
    fields: dict[str, object] = {"introduction": introduction, "assessment": assessment, "proposals": proposals,
                                 "doc_number": doc_number}
    if shortcomings is not None:
        fields["shortcomings"] = shortcomings
    if directions is not None:
        fields["directions"] = directions
    if paragraphs is not None:
        fields["paragraphs"] = paragraphs_edited(synthesis, paragraphs, checked)
    updated = Synthesis.objects.filter(pk=synthesis.pk, lock_version=lock_version, finalised_at__isnull=True).update(
        lock_version=lock_version + 1, **fields
    )
    if not updated:
        raise ReportingError(_("Someone else changed the synthesis after you opened it. Reload the page; your text is "
                               "still in the form."))
    synthesis.refresh_from_db()
    return synthesis


def _same(a: str, b: str) -> bool:
    return " ".join((a or "").split()) == " ".join((b or "").split())


def paragraphs_edited(synthesis: Synthesis, typed: dict[str, str], checked=frozenset()) -> dict:
    """The officer's wording per task after a save (see `synthesis_edit`), each with the fingerprint of the figures
    it was written against (reporting.synthesis.drafting.fingerprint)."""
    tasks = {t["code"]: t for g in synthesis.content.get("groups", []) for t in g.get("tasks", [])}
    kept = dict(synthesis.paragraphs or {})
    for code, text in typed.items():
        task = tasks.get(code)
        if task is None:
            continue
        before = kept.get(code)
        if not text.strip() or _same(text, task.get("draft", "")):
            kept.pop(code, None)
        elif before is None or not _same(before.get("text", ""), text) or code in checked:
            kept[code] = {"text": text, "basis": task.get("basis", "")}
    return kept


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
