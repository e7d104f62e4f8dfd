"""Reminders and escalation (section IV: the DFA chases every agency before 05/11 and synthesises before 15/11).

`reminders_due(today)` says what is owed on a day, as plain data; `reminders_send_due(today)` claims and sends it,
one e-mail per recipient covering everything that concerns them. Both are pure functions of "today".
"""
import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from agencies.models import Role, User

from .mail import build_mail
from .models import (
    Notification,
    PeriodStatus,
    Reminder,
    ReminderKind,
    ReminderSettings,
    Report,
    ReportingPeriod,
    ReportStatus,
)
from .services import reports_open_due

log = logging.getLogger(__name__)

# A claim older than this whose e-mail never went out belongs to a run that died: it may be taken over.
STALE_CLAIM = datetime.timedelta(minutes=15)


@dataclass
class Item:
    period: ReportingPeriod
    kind: str
    offset: int
    reports: list[Report] = field(default_factory=list)
    digest: dict | None = None

    @property
    def key(self):
        return (self.period.pk, self.kind, self.offset)


@dataclass
class Batch:
    recipient: str
    language: str = "vi"
    user: User | None = None
    items: dict = field(default_factory=dict)

    def add(self, item_key, factory, report=None):
        item = self.items.get(item_key)
        if item is None:
            item = self.items[item_key] = factory()
        if report is not None and report not in item.reports:
            item.reports.append(report)
        return item


def deadline_stage(days_left: int, settings: ReminderSettings) -> tuple[str, int] | None:
    """The most recent reminder stage that has come due, as (kind, offset); None before the first.

    Before the deadline: the smallest configured offset not below the days left (so after a missed day the
    latest stage is sent once, not the backlog). After it: the day after, then every N days.
    """
    if days_left >= 0:
        due = [o for o in settings.offsets_before() if o >= days_left]
        return (ReminderKind.DEADLINE, min(due)) if due else None
    overdue = -days_left
    if overdue < settings.overdue_first:
        return None
    stage = settings.overdue_first + settings.overdue_every * ((overdue - settings.overdue_first) // settings.overdue_every)
    return ReminderKind.OVERDUE, -stage


def synthesis_stage(days_left: int, settings: ReminderSettings) -> int | None:
    if days_left < 0:
        return None
    due = [o for o in settings.offsets_synthesis() if o >= days_left]
    return min(due) if due else None


def _staff_by_agency(agency_ids) -> dict[int, list[User]]:
    staff = defaultdict(list)
    users = User.objects.filter(agency_id__in=agency_ids, is_active=True, groups__name=Role.AGENCY_STAFF).exclude(email="")
    for user in users.distinct():
        staff[user.agency_id].append(user)
    return staff


def _dfa_officers() -> list[User]:
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=Role.DFA_OFFICER))
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _digest(period: ReportingPeriod, reports: list[Report], today: datetime.date) -> dict:
    """What the DFA needs to know this morning: new submissions since yesterday, who is late, who has not started,
    what waits for review. All four empty means no digest."""
    expected = [r for r in reports if r.expected]
    since = today - datetime.timedelta(days=1)
    return {
        "submitted": sorted((r for r in reports if r.submitted_at and timezone.localtime(r.submitted_at).date() >= since),
                            key=lambda r: r.submitted_at),
        "late": sorted((r for r in expected if not r.submitted_at and period.agency_due < today), key=lambda r: r.agency.name),
        "not_started": sorted((r for r in expected if not r.submitted_at and not r.has_content), key=lambda r: r.agency.name),
        "waiting": sorted((r for r in reports if r.status == ReportStatus.SUBMITTED), key=lambda r: r.submitted_at),
    }


def reminders_due(*, today: datetime.date) -> dict[str, Batch]:
    """Everything owed on `today`, grouped by recipient address (lower-case)."""
    settings = ReminderSettings.load()
    batches: dict[str, Batch] = {}
    dfa = _dfa_officers()

    def batch_for(address: str, user: User | None = None) -> Batch:
        address = address.strip().lower()
        batch = batches.get(address)
        if batch is None:
            batch = batches[address] = Batch(recipient=address)
        if user is not None and batch.user is None:
            batch.user, batch.language = user, user.language
        return batch

    periods = ReportingPeriod.objects.filter(status=PeriodStatus.OPEN, opens_on__lte=today).select_related("plan")
    for period in periods:
        reports = list(
            period.reports.select_related("agency", "period").filter(agency__active=True).with_content_flag().order_by("agency__name")
        )
        staff = _staff_by_agency({r.agency_id for r in reports})

        def agency_batches(report):
            users = staff.get(report.agency_id, [])
            known = {u.email.lower() for u in users}
            return [batch_for(u.email, u) for u in users] + [
                batch_for(a) for a in report.agency.email_list() if a.lower() not in known
            ]

        stage = deadline_stage(period.days_left(today), settings)
        for report in reports:
            if report.submitted_at is not None:
                continue
            if not report.expected:
                for batch in agency_batches(report):
                    batch.add((period.pk, ReminderKind.VOLUNTARY, 0), lambda: Item(period, ReminderKind.VOLUNTARY, 0), report)
                continue
            if stage is None:
                continue
            kind, offset = stage
            for batch in agency_batches(report):
                batch.add((period.pk, kind, offset), lambda: Item(period, kind, offset), report)
            if kind == ReminderKind.OVERDUE and -offset >= settings.escalate_after:
                heads = [batch_for(report.agency.head_email)] if report.agency.head_email else []
                for batch in heads + [batch_for(u.email, u) for u in dfa]:
                    batch.add((period.pk, ReminderKind.ESCALATION, offset), lambda: Item(period, ReminderKind.ESCALATION, offset), report)

        synthesis_days = period.synthesis_days_left(today)
        digest_start = datetime.date(period.year, settings.digest_from_month, settings.digest_from_day)
        if dfa and digest_start <= today <= period.synthesis_due:
            digest = _digest(period, reports, today)
            if any(digest.values()):  # never sent empty
                for user in dfa:
                    batch_for(user.email, user).add(
                        (period.pk, ReminderKind.DIGEST, synthesis_days),
                        lambda: Item(period, ReminderKind.DIGEST, synthesis_days, digest=digest),
                    )
        s_stage = synthesis_stage(synthesis_days, settings)
        if s_stage is not None and not period.is_synthesis_final:
            for user in dfa:
                batch_for(user.email, user).add(
                    (period.pk, ReminderKind.SYNTHESIS, s_stage), lambda: Item(period, ReminderKind.SYNTHESIS, s_stage)
                )
    return batches


CLAIMED, SENT, IN_FLIGHT = "claimed", "sent", "in_flight"


def _claim(item: Item, recipient: str, now) -> str:
    """Insert the reminder row; only the run whose insert (or take-over of a dead claim) succeeds may send.

    Returns CLAIMED (send it), SENT (already gone out) or IN_FLIGHT (another run holds a fresh claim).
    """
    try:
        with transaction.atomic():
            Reminder.objects.create(period=item.period, recipient=recipient, kind=item.kind, offset=item.offset, claimed_at=now)
        return CLAIMED
    except IntegrityError:
        pass
    row = Reminder.objects.filter(period=item.period, recipient=recipient, kind=item.kind, offset=item.offset)
    takeover = row.filter(sent_at__isnull=True).filter(Q(failed_at__isnull=False) | Q(claimed_at__lt=now - STALE_CLAIM))
    if takeover.update(claimed_at=now, failed_at=None) == 1:
        return CLAIMED
    return SENT if row.filter(sent_at__isnull=False).exists() else IN_FLIGHT


def _claimed_rows(batch: Batch, items: list[Item]):
    condition = Q()
    for item in items:
        condition |= Q(period_id=item.period.pk, kind=item.kind, offset=item.offset)
    return Reminder.objects.filter(condition, recipient=batch.recipient)


def _report_link(report: Report) -> str:
    return reverse("report_edit" if report.is_editable() else "report_detail", args=[report.pk])


def render_batch(batch: Batch, items: list[Item]):
    context = {
        "items": [
            {"item": item, "kind": item.kind, "period": item.period, "reports": [(r, _report_link(r)) for r in item.reports],
             "digest": item.digest, "days_left": item.offset, "days_overdue": -item.offset}
            for item in sorted(items, key=lambda i: (i.period.year, i.kind, i.offset))
        ],
        "user": batch.user,
    }
    return build_mail("reminders", context, to=[batch.recipient], language=batch.language)


def reminders_manual(*, period: ReportingPeriod, today: datetime.date, agency_ids: list[int] | None = None) -> dict[str, Batch]:
    """What "remind now" on the dashboard owes: the not-yet-submitted expected reports, one per recipient and day."""
    offset = period.days_left(today)
    reports = period.reports.select_related("agency", "period").filter(agency__active=True, expected=True, submitted_at__isnull=True)
    if agency_ids is not None:
        reports = reports.filter(agency_id__in=agency_ids)
    reports = list(reports.order_by("agency__name"))
    staff = _staff_by_agency({r.agency_id for r in reports})
    batches: dict[str, Batch] = {}
    for report in reports:
        users = staff.get(report.agency_id, [])
        known = {u.email.lower() for u in users}
        targets = [(u.email, u) for u in users] + [(a, None) for a in report.agency.email_list() if a.lower() not in known]
        for address, user in targets:
            batch = batches.setdefault(address.strip().lower(), Batch(recipient=address.strip().lower()))
            if user is not None and batch.user is None:
                batch.user, batch.language = user, user.language
            batch.add((period.pk, ReminderKind.MANUAL, offset), lambda: Item(period, ReminderKind.MANUAL, offset), report)
    return batches


def reminders_send_now(*, period: ReportingPeriod, today: datetime.date, agency_ids: list[int] | None = None) -> dict:
    return _send(reminders_manual(period=period, today=today, agency_ids=agency_ids), today=today)


def reminders_send_due(*, today: datetime.date, dry_run: bool = False, out=None) -> dict:
    """Send what is owed today, each reminder exactly once. Returns {"date", "sent", "skipped", "failed"}."""
    reports_open_due(today=today)  # reports of a period that opened today exist before anyone is reminded of them
    return _send(reminders_due(today=today), today=today, dry_run=dry_run, out=out)


def _send(batches: dict[str, Batch], *, today: datetime.date, dry_run: bool = False, out=None) -> dict:
    """Claim, then send one e-mail per recipient; a recipient whose claims all belong to someone else is skipped.

    One SMTP connection serves the whole run (opening one per message cost more than everything else together),
    and reminders already sent are known from one query up front, so a second run on the same day is cheap.
    """
    sent = skipped = failed = in_flight = 0
    period_ids = {item.period.pk for batch in batches.values() for item in batch.items.values()}
    already_sent = set(
        Reminder.objects.filter(period_id__in=period_ids, sent_at__isnull=False).values_list("period_id", "recipient", "kind", "offset")
    )
    connection = None
    notifications = []
    try:
        for recipient, batch in sorted(batches.items()):
            items = list(batch.items.values())
            if dry_run:
                kinds = ", ".join(f"{i.kind}({i.offset:+d}) {len(i.reports)} report(s)" for i in items)
                if out is not None:
                    out.write(f"would send to {recipient} [{batch.language}]: {kinds}\n")
                sent += 1
                continue
            fresh = [i for i in items if (i.period.pk, recipient, i.kind, i.offset) not in already_sent]
            now = timezone.now()
            outcomes = [(item, _claim(item, recipient, now)) for item in fresh]
            claimed = [item for item, outcome in outcomes if outcome == CLAIMED]
            in_flight += sum(outcome == IN_FLIGHT for _, outcome in outcomes)
            skipped += len(items) - len(claimed)
            if not claimed:
                continue
            try:
                message = render_batch(batch, claimed)
                if connection is None:
                    connection = get_connection()
                    connection.open()
                message.connection = connection
                message.send()
            except Exception as error:  # the mail server is unreachable: the claim is released for the retry
                log.warning("Reminder to %s failed: %s", recipient, error)
                _claimed_rows(batch, claimed).update(failed_at=timezone.now(), error=str(error)[:2000], attempts=F("attempts") + 1)
                failed += 1
                if connection is not None:
                    connection.close()
                    connection = None
                continue
            _claimed_rows(batch, claimed).update(sent_at=timezone.now(), error="")
            if batch.user is not None:
                notifications.append(Notification(user=batch.user, subject=message.subject, body=message.body, url=reverse("home")))
            sent += 1
    finally:
        Notification.objects.bulk_create(notifications, batch_size=500)
        if connection is not None:
            connection.close()
    result = {"date": today.isoformat(), "sent": sent, "skipped": skipped, "failed": failed}
    if in_flight:
        result["in_flight"] = in_flight  # claims held by another run: the Celery task retries after STALE_CLAIM
    return result
