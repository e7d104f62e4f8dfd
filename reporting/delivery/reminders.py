"""Reminders and escalation (section IV: the DFA chases every agency before 05/11 and synthesises before 15/11).

`reminders_due(today)` says what is owed on a day, as plain data; it only reads the database.
`reminders_send_due(today)` opens the reports due that day, then claims and sends what is owed, one e-mail per
recipient covering everything that concerns them: it writes claims, marks and in-app notifications, and sends mail.
What is owed depends only on "today" and the data, not on the hour of the run.
"""
import datetime
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings as django_settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from agencies.models import Role, User
from reporting.cycle.services import reports_open_due
from reporting.dashboards.metrics import counted_reports, reports_for_metric, reports_to_chase, reports_to_invite
from reporting.delivery.mail import compose_mail, render_mail
from reporting.delivery.outbox import STALE_CLAIM, Delivery, claims_take, deliver
from reporting.models import (
    Notification,
    PeriodStatus,
    Reminder,
    ReminderKind,
    ReminderSettings,
    Report,
    ReportingPeriod,
    ReportStatus,
)

log = logging.getLogger(__name__)


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


def _digest(period: ReportingPeriod, reports: list[Report], missing: set[int], today: datetime.date) -> dict:
    """What the DFA needs to know this morning: new submissions since yesterday, who is late, who has not started,
    what waits for review. All four empty means no digest. `missing`: ids of the missing reports (reporting.dashboards.metrics)."""
    missing_reports = sorted((r for r in reports if r.pk in missing), key=lambda r: r.agency.sort_key)
    since = today - datetime.timedelta(days=1)
    return {
        "submitted": sorted((r for r in reports if r.submitted_at and timezone.localtime(r.submitted_at).date() >= since),
                            key=lambda r: r.submitted_at),
        "late": missing_reports if period.agency_due < today else [],
        "not_started": [r for r in missing_reports if not r.has_content],
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
        reports = list(counted_reports(period).select_related("agency", "period").with_content_flag().order_by("agency__sort_key"))
        missing = set(reports_for_metric(period=period, metric="missing").values_list("pk", flat=True))
        chase = set(reports_to_chase(period=period).values_list("pk", flat=True))
        invite = set(reports_to_invite(period=period).values_list("pk", flat=True))
        staff = _staff_by_agency({r.agency_id for r in reports})

        def agency_batches(report):
            users = staff.get(report.agency_id, [])
            known = {u.email.lower() for u in users}
            return [batch_for(u.email, u) for u in users] + [
                batch_for(a) for a in report.agency.email_list() if a.lower() not in known
            ]

        stage = deadline_stage(period.days_left(today), settings)
        for report in reports:
            if report.pk in invite:  # requested organisations are invited once, never chased as late
                for batch in agency_batches(report):
                    batch.add((period.pk, ReminderKind.VOLUNTARY, 0), lambda: Item(period, ReminderKind.VOLUNTARY, 0), report)
                continue
            if report.pk not in chase or stage is None:
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
            digest = _digest(period, reports, missing, today)
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


# Recipients whose reminders are claimed together in one INSERT … ON CONFLICT DO NOTHING.
CLAIM_CHUNK = 250

# The sweep looks back this far: a claim older than a day is superseded by the next day's stage.
SWEEP_HORIZON = datetime.timedelta(days=1)


def _claim_chunk(wanted: list[tuple[str, Item]], *, token: uuid.UUID, now, day: datetime.date) -> dict[tuple, int]:
    """Claim many reminders at once; only the run whose row gets in (or that takes over a failed or stale claim)
    may send. One INSERT … ON CONFLICT DO NOTHING for the whole chunk, every row tagged with `token`; the rows that
    conflicted are taken over one by one where they may be. Returns {(recipient, item.key): pk} of this run's claims.
    """
    Reminder.objects.bulk_create(
        [Reminder(period=item.period, recipient=recipient, kind=item.kind, offset=item.offset, claimed_at=now, claim=token, day=day)
         for recipient, item in wanted],
        ignore_conflicts=True, batch_size=1000,
    )
    mine = Reminder.objects.filter(
        claim=token, period_id__in={item.period.pk for _, item in wanted}, recipient__in={recipient for recipient, _ in wanted}
    ).values_list("pk", "recipient", "period_id", "kind", "offset")
    claimed = {(recipient, (period_id, kind, offset)): pk for pk, recipient, period_id, kind, offset in mine}
    for recipient, item in wanted:
        if (recipient, item.key) not in claimed:
            row = Reminder.objects.filter(period=item.period, recipient=recipient, kind=item.kind, offset=item.offset)
            if claims_take(row, token=token, now=now, day=day):
                claimed[(recipient, item.key)] = row.values_list("pk", flat=True).get()
    return claimed


def _report_link(report: Report) -> str:
    return reverse("report_edit" if report.is_editable() else "report_detail", args=[report.pk])


def render_batch(batch: Batch, items: list[Item], rendered: dict | None = None):
    """The e-mail for one recipient. Its words depend only on the language and the items (the people of one agency
    get the same reminder), so a run passes `rendered` to render each distinct e-mail once."""
    items = sorted(items, key=lambda i: (i.period.year, i.kind, i.offset))
    key = (batch.language, tuple((item.key, tuple(r.pk for r in item.reports)) for item in items))
    text = rendered.get(key) if rendered is not None else None
    if text is None:
        context = {
            "items": [
                {"item": item, "kind": item.kind, "period": item.period, "reports": [(r, _report_link(r)) for r in item.reports],
                 "digest": item.digest, "days_left": item.offset, "days_overdue": -item.offset}
                for item in items
            ],
        }
        text = render_mail("reminders", context, batch.language)
        if rendered is not None:
            rendered[key] = text
    return compose_mail(text, to=[batch.recipient])


def reminders_manual(*, period: ReportingPeriod, today: datetime.date, agency_ids: list[int] | None = None) -> dict[str, Batch]:
    """What "remind now" on the dashboard owes: the not-yet-submitted expected reports, one per recipient and day."""
    offset = period.days_left(today)
    reports = reports_to_chase(period=period).select_related("agency", "period")
    if agency_ids is not None:
        reports = reports.filter(agency_id__in=agency_ids)
    reports = list(reports.order_by("agency__sort_key"))
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
    """Claim, then send one e-mail per recipient through reporting.delivery.outbox.deliver (which says what is
    guaranteed); a recipient whose reminders are all sent or claimed by someone else is skipped.

    Claims are taken a chunk of recipients at a time (one INSERT), just ahead of the sending. Reminders already sent
    are known from one query up front, so a second run on the same day is cheap.
    """
    if dry_run:
        for recipient, batch in sorted(batches.items()):
            if out is not None:
                kinds = ", ".join(f"{i.kind}({i.offset:+d}) {len(i.reports)} report(s)" for i in batch.items.values())
                out.write(f"would send to {recipient} [{batch.language}]: {kinds}\n")
        return {"date": today.isoformat(), "sent": len(batches), "skipped": 0, "failed": 0}
    period_ids = {item.period.pk for batch in batches.values() for item in batch.items.values()}
    already_sent = set(
        Reminder.objects.filter(period_id__in=period_ids, sent_at__isnull=False).values_list("period_id", "recipient", "kind", "offset")
    )
    skipped = in_flight = 0
    home, notifications, rendered = reverse("home"), [], {}

    def deliveries():
        nonlocal skipped, in_flight
        ordered = sorted(batches.items())
        for start in range(0, len(ordered), CLAIM_CHUNK):
            chunk, token = ordered[start:start + CLAIM_CHUNK], uuid.uuid4()
            wanted = [(recipient, item) for recipient, batch in chunk for item in batch.items.values()
                      if (item.period.pk, recipient, item.kind, item.offset) not in already_sent]
            claimed = _claim_chunk(wanted, token=token, now=timezone.now(), day=today) if wanted else {}
            in_flight += len(wanted) - len(claimed)
            for recipient, batch in chunk:
                items = [item for item in batch.items.values() if (recipient, item.key) in claimed]
                skipped += len(batch.items) - len(items)
                if items:
                    delivery = Delivery(None, Reminder, [claimed[(recipient, item.key)] for item in items], token, tag=batch)
                    try:
                        delivery.message = render_batch(batch, items, rendered)
                    except Exception as error:  # noqa: BLE001 - recorded like a failed delivery, the run goes on
                        delivery.error = error
                    yield delivery
            Notification.objects.bulk_create(notifications, batch_size=500)
            notifications.clear()

    def done(delivery: Delivery) -> None:
        if delivery.error is None and delivery.tag.user is not None:
            message = delivery.message
            notifications.append(Notification(user=delivery.tag.user, subject=message.subject, body=message.body, url=home))

    counts = deliver(deliveries(), connections=django_settings.REMINDER_SMTP_CONNECTIONS, on_done=done)
    Notification.objects.bulk_create(notifications, batch_size=500)
    result = {"date": today.isoformat(), **counts, "skipped": skipped}
    if in_flight:
        result["in_flight"] = in_flight  # held by another run, or by one that died: the sweep sends them once stale
    return result


def reminders_sweep(*, now: datetime.datetime | None = None) -> dict:
    """Rule 3 of reporting.delivery.outbox: the reminders a run that died had claimed and not sent go out once their
    claims are stale (STALE_CLAIM), as that run would have sent them (recomputed for its day), each exactly once;
    a reminder no longer owed (its report was submitted meanwhile) is dropped. Returns counts."""
    now = now or timezone.now()
    left = Reminder.objects.filter(sent_at__isnull=True, failed_at__isnull=True, day__isnull=False,
                                   claimed_at__lt=now - STALE_CLAIM, claimed_at__gte=now - SWEEP_HORIZON)
    result = {"sent": 0, "failed": 0, "dropped": 0}
    for day in sorted(set(left.values_list("day", flat=True))):
        rows = {(recipient, (period_id, kind, offset)): pk for pk, recipient, period_id, kind, offset
                in left.filter(day=day).values_list("pk", "recipient", "period_id", "kind", "offset")}
        reports_open_due(today=day)  # as the run did before it claimed
        owed = reminders_due(today=day)
        manual = {key[0] for _, key in rows if key[1] == ReminderKind.MANUAL}
        for period in ReportingPeriod.objects.filter(pk__in=manual):
            for recipient, batch in reminders_manual(period=period, today=day).items():
                owed.setdefault(recipient, batch).items.update(batch.items)
        batches: dict[str, Batch] = {}
        for recipient, key in rows:
            item = owed[recipient].items.get(key) if recipient in owed else None
            if item is not None:
                batches.setdefault(recipient, Batch(recipient, owed[recipient].language, owed[recipient].user)).items[key] = item
        counts = _send(batches, today=day)
        result["sent"] += counts["sent"]
        result["failed"] += counts["failed"]
        gone = [pk for (recipient, key), pk in rows.items() if recipient not in batches or key not in batches[recipient].items]
        result["dropped"] += left.filter(pk__in=gone).delete()[0]
    return result
