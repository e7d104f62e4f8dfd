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
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import cast

from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from agencies.models import User
from reporting.cycle.services import reports_open_due
from reporting.dashboards.metrics import counted_reports, reports_for_metric, reports_to_chase, reports_to_invite
from reporting.delivery.mail import compose_mail, render_mail
from reporting.delivery.notifications import REMINDERS_KIND, agency_staff, dfa_officers
from reporting.delivery.outbox import STALE_CLAIM, Delivery, claims_take, deliver
from reporting.models import (
    Notification,
    PeriodStatus,
    Reminder,
    ReminderKind,
    ReminderSettings,
    Report,
    ReportingPeriod,
    ReportQuerySet,
    ReportStatus,
)

log = logging.getLogger(__name__)


@dataclass
class Item:
    """One reminder stage: `offset` days before (negative: after) the deadline `due` it counts from, a report's own
    (the period's, or a granted extension's: reporting.models.due_in_force) or the synthesis deadline."""

    period: ReportingPeriod
    kind: str
    offset: int
    due: datetime.date
    reports: list[Report] = field(default_factory=list)
    digest: dict | None = None

    @property
    def key(self):
        return (self.period.pk, self.kind, self.offset, self.due)


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
    stage = settings.overdue_first + settings.overdue_every * (
        (overdue - settings.overdue_first) // settings.overdue_every
    )
    return ReminderKind.OVERDUE, -stage


def synthesis_stage(days_left: int, settings: ReminderSettings) -> int | None:
    if days_left < 0:
        return None
    due = [o for o in settings.offsets_synthesis() if o >= days_left]
    return min(due) if due else None


def _staff_by_agency(agency_ids) -> dict[int | None, list[User]]:
    """The active staff accounts with an address, by agency id (the ids asked for; never None)."""
    staff: defaultdict[int | None, list[User]] = defaultdict(list)
    for user in agency_staff(agency_ids).exclude(email=""):
        staff[user.agency_id].append(user)
    return staff


def _dfa_officers() -> list[User]:
    return list(dfa_officers().exclude(email="").order_by("pk"))


def _digest(period: ReportingPeriod, reports: list[Report], missing: set[int], today: datetime.date) -> dict:
    """What the DFA needs to know this morning: new submissions since yesterday, who is late, who has not started,
    what waits for review. All four empty means no digest. `missing`: ids of the missing reports
    (reporting.dashboards.metrics)."""
    missing_reports = sorted((r for r in reports if r.pk in missing), key=lambda r: r.agency.sort_key)
    since = today - datetime.timedelta(days=1)
    return {
        "submitted": sorted(
            (r for r in reports if r.submitted_at and timezone.localtime(r.submitted_at).date() >= since),
            key=lambda r: r.submitted_at,
        ),
        "late": [r for r in missing_reports if r.due_date < today],
        # has_content is annotated by ReportQuerySet.with_content_flag(), which the stubs cannot see on a Report
        "not_started": [r for r in missing_reports if not r.has_content],  # type: ignore[attr-defined]
        "waiting": sorted((r for r in reports if r.status == ReportStatus.SUBMITTED), key=lambda r: r.submitted_at),
    }


@dataclass
class _Due:
    """What reminders_due collects for `today`: one Batch per recipient address (lower-case)."""

    today: datetime.date
    settings: ReminderSettings
    dfa: list[User]
    batches: dict[str, Batch] = field(default_factory=dict)

    def batch_for(self, address: str, user: User | None = None) -> Batch:
        """The batch of `address`, made on first use; the first user account seen for it sets its language."""
        address = address.strip().lower()
        batch = self.batches.get(address)
        if batch is None:
            batch = self.batches[address] = Batch(recipient=address)
        if user is not None and batch.user is None:
            batch.user, batch.language = user, user.language
        return batch

    def agency_batches(self, report: Report, staff: dict[int | None, list[User]]) -> list[Batch]:
        """The batches of everyone told about `report`: its agency's staff accounts, then the agency's own
        addresses that are not one of theirs."""
        users = staff.get(report.agency_id, [])
        known = {u.email.lower() for u in users}
        return [self.batch_for(u.email, u) for u in users] + [
            self.batch_for(a) for a in report.agency.email_list() if a.lower() not in known
        ]

    def add_period(self, period: ReportingPeriod) -> None:
        """Everything owed for one open period: each report's invitation or chasing, the DFA's digest and its
        synthesis reminder."""
        # counted_reports is typed as a plain QuerySet; it is built from Report.objects, a ReportQuerySet
        counted = cast(ReportQuerySet, counted_reports(period))
        reports = list(counted.select_related("agency", "period").with_content_flag().order_by("agency__sort_key"))
        missing = set(reports_for_metric(period=period, metric="missing").values_list("pk", flat=True))
        chase = set(reports_to_chase(period=period).values_list("pk", flat=True))
        invite = set(reports_to_invite(period=period).values_list("pk", flat=True))
        staff = _staff_by_agency({r.agency_id for r in reports})
        for report in reports:
            if report.pk in invite:  # requested organisations are invited once, never chased as late
                self.add_invitation(period, report, staff)
            elif report.pk in chase:
                # each report's stage counts from its own deadline: an extension starts its reminders again
                stage = deadline_stage(report.days_left(self.today), self.settings)
                if stage is not None:
                    self.add_chase(period, report, staff, stage)
        synthesis_days = period.synthesis_days_left(self.today)
        self.add_digest(period, reports, missing, synthesis_days)
        self.add_synthesis(period, synthesis_days)

    def add_invitation(self, period: ReportingPeriod, report: Report, staff: dict[int | None, list[User]]) -> None:
        """A requested organisation's report: its people are invited (VOLUNTARY, offset 0), whatever the day."""
        key = (period.pk, ReminderKind.VOLUNTARY, 0, period.agency_due)
        for batch in self.agency_batches(report, staff):
            batch.add(key, partial(Item, period, ReminderKind.VOLUNTARY, 0, period.agency_due), report)

    def add_chase(
        self, period: ReportingPeriod, report: Report, staff: dict[int | None, list[User]], stage: tuple[str, int]
    ) -> None:
        """A report to chase, at the day's deadline stage: its agency's people are reminded; once it is overdue by
        `escalate_after` days or more, the agency's head and every DFA officer get an escalation too."""
        kind, offset = stage
        due = report.due_date
        for batch in self.agency_batches(report, staff):
            batch.add((period.pk, kind, offset, due), partial(Item, period, kind, offset, due), report)
        if kind == ReminderKind.OVERDUE and -offset >= self.settings.escalate_after:
            heads = [self.batch_for(report.agency.head_email)] if report.agency.head_email else []
            for batch in heads + [self.batch_for(u.email, u) for u in self.dfa]:
                batch.add(
                    (period.pk, ReminderKind.ESCALATION, offset, due),
                    partial(Item, period, ReminderKind.ESCALATION, offset, due),
                    report,
                )

    def add_digest(
        self, period: ReportingPeriod, reports: list[Report], missing: set[int], synthesis_days: int
    ) -> None:
        """The DFA's daily digest, from the configured start day to the synthesis deadline; never sent empty."""
        digest_start = datetime.date(period.year, self.settings.digest_from_month, self.settings.digest_from_day)
        if not (self.dfa and digest_start <= self.today <= period.synthesis_due):
            return
        digest = _digest(period, reports, missing, self.today)
        if not any(digest.values()):
            return
        for user in self.dfa:
            self.batch_for(user.email, user).add(
                (period.pk, ReminderKind.DIGEST, synthesis_days, period.synthesis_due),
                partial(Item, period, ReminderKind.DIGEST, synthesis_days, period.synthesis_due, digest=digest),
            )

    def add_synthesis(self, period: ReportingPeriod, synthesis_days: int) -> None:
        """The DFA's synthesis reminder at the day's synthesis stage, until the synthesis is final."""
        s_stage = synthesis_stage(synthesis_days, self.settings)
        if s_stage is None or period.is_synthesis_final:
            return
        for user in self.dfa:
            self.batch_for(user.email, user).add(
                (period.pk, ReminderKind.SYNTHESIS, s_stage, period.synthesis_due),
                partial(Item, period, ReminderKind.SYNTHESIS, s_stage, period.synthesis_due),
            )


def reminders_due(*, today: datetime.date) -> dict[str, Batch]:
    """Everything owed on `today`, grouped by recipient address (lower-case)."""
    due = _Due(today=today, settings=ReminderSettings.load(), dfa=_dfa_officers())
    periods = ReportingPeriod.objects.filter(status=PeriodStatus.OPEN, opens_on__lte=today).select_related("plan")
    for period in periods:
        due.add_period(period)
    return due.batches


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
        [Reminder(period=item.period, recipient=recipient, kind=item.kind, offset=item.offset, due=item.due,
                  claimed_at=now, claim=token, day=day)
         for recipient, item in wanted],
        ignore_conflicts=True, batch_size=1000,
    )
    mine = Reminder.objects.filter(
        claim=token,
        period_id__in={item.period.pk for _, item in wanted},
        recipient__in={recipient for recipient, _ in wanted},
    ).values_list("pk", "recipient", "period_id", "kind", "offset", "due")
    claimed = {(recipient, (period_id, kind, offset, due)): pk for pk, recipient, period_id, kind, offset, due in mine}
    for recipient, item in wanted:
        if (recipient, item.key) not in claimed:
            row = Reminder.objects.filter(period=item.period, recipient=recipient, kind=item.kind, offset=item.offset,
                                          due=item.due)
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
                {"item": item, "kind": item.kind, "period": item.period,
                 "reports": [(r, _report_link(r)) for r in item.reports],
                 "digest": item.digest, "days_left": item.offset, "days_overdue": -item.offset, "due": item.due}
                for item in items
            ],
        }
        text = render_mail("reminders", context, batch.language)
        if rendered is not None:
            rendered[key] = text
    return compose_mail(text, to=[batch.recipient])


def reminders_manual(
    *, period: ReportingPeriod, today: datetime.date, agency_ids: list[int] | None = None
) -> dict[str, Batch]:
    """What "remind now" on the dashboard owes: the not-yet-submitted expected reports, one per recipient and day
    (and deadline: a report's own, an extension's if one was granted)."""
    to_chase = reports_to_chase(period=period).select_related("agency", "period")
    if agency_ids is not None:
        to_chase = to_chase.filter(agency_id__in=agency_ids)
    reports = list(to_chase.order_by("agency__sort_key"))
    staff = _staff_by_agency({r.agency_id for r in reports})
    batches: dict[str, Batch] = {}
    for report in reports:
        users = staff.get(report.agency_id, [])
        known = {u.email.lower() for u in users}
        targets = [(u.email, u) for u in users] + [
            (a, None) for a in report.agency.email_list() if a.lower() not in known
        ]
        for address, user in targets:
            batch = batches.setdefault(address.strip().lower(), Batch(recipient=address.strip().lower()))
            if user is not None and batch.user is None:
                batch.user, batch.language = user, user.language
            offset, due = report.days_left(today), report.due_date
            batch.add((period.pk, ReminderKind.MANUAL, offset, due),
                      partial(Item, period, ReminderKind.MANUAL, offset, due), report)
    return batches


def reminders_send_now(
    *, period: ReportingPeriod, today: datetime.date, agency_ids: list[int] | None = None
) -> dict:
    return _send(reminders_manual(period=period, today=today, agency_ids=agency_ids), today=today)


def reminders_send_due(*, today: datetime.date, dry_run: bool = False, out=None) -> dict:
    """Send what is owed today, each reminder exactly once. Returns {"date", "sent", "skipped", "failed"}."""
    reports_open_due(today=today)  # reports of a period that opened today exist before anyone is reminded of them
    return _send(reminders_due(today=today), today=today, dry_run=dry_run, out=out)


def _send_dry(batches: dict[str, Batch], *, today: datetime.date, out=None) -> dict:
    """A dry run: what would be sent, one line per recipient on `out`; nothing is claimed, sent or written."""
    for recipient, batch in sorted(batches.items()):
        if out is not None:
            kinds = ", ".join(f"{i.kind}({i.offset:+d}) {len(i.reports)} report(s)" for i in batch.items.values())
            out.write(f"would send to {recipient} [{batch.language}]: {kinds}\n")
    return {"date": today.isoformat(), "sent": len(batches), "skipped": 0, "failed": 0}


@dataclass
class _Sending:
    """One _send run's state: the reminders already sent (from one query up front), the renderings shared by
    identical e-mails, the in-app notifications still to write, and the counts of what was skipped (sent or
    claimed by another run) and of what another run holds (in flight)."""

    batches: dict[str, Batch]
    today: datetime.date
    already_sent: set[tuple]
    home: str
    skipped: int = 0
    in_flight: int = 0
    rendered: dict = field(default_factory=dict)
    notifications: list[Notification] = field(default_factory=list)

    def deliveries(self) -> Iterator[Delivery]:
        """The deliveries, claimed CLAIM_CHUNK recipients at a time just ahead of the sending; the notifications of
        a chunk's sent e-mails are written after it."""
        ordered = sorted(self.batches.items())
        for start in range(0, len(ordered), CLAIM_CHUNK):
            yield from self.chunk_deliveries(ordered[start:start + CLAIM_CHUNK])
            Notification.objects.bulk_create(self.notifications, batch_size=500)
            self.notifications.clear()

    def chunk_deliveries(self, chunk: list[tuple[str, Batch]]) -> Iterator[Delivery]:
        """Claim a chunk's reminders not already sent (one INSERT, one token), then one delivery per recipient of
        the reminders this run claimed; the others are skipped. One that cannot be rendered comes as failed."""
        token = uuid.uuid4()
        wanted = [(recipient, item) for recipient, batch in chunk for item in batch.items.values()
                  if (item.period.pk, recipient, item.kind, item.offset, item.due) not in self.already_sent]
        claimed = _claim_chunk(wanted, token=token, now=timezone.now(), day=self.today) if wanted else {}
        self.in_flight += len(wanted) - len(claimed)
        for recipient, batch in chunk:
            items = [item for item in batch.items.values() if (recipient, item.key) in claimed]
            self.skipped += len(batch.items) - len(items)
            if items:
                pks = [claimed[(recipient, item.key)] for item in items]
                delivery = Delivery(None, Reminder, pks, token, tag=batch)
                try:
                    delivery.message = render_batch(batch, items, self.rendered)
                except Exception as error:  # noqa: BLE001 - recorded like a failed delivery, the run goes on
                    delivery.error = error
                yield delivery

    def done(self, delivery: Delivery) -> None:
        """A reminder e-mail sent to a user with an account is also an in-app notification (written per chunk)."""
        batch, message = delivery.tag, delivery.message
        if delivery.error is None and isinstance(batch, Batch) and batch.user is not None and message is not None:
            self.notifications.append(
                Notification(user=batch.user, kind=REMINDERS_KIND, subject=str(message.subject), body=str(message.body),
                             url=self.home)
            )


def _send(batches: dict[str, Batch], *, today: datetime.date, dry_run: bool = False, out=None) -> dict:
    """Claim, then send one e-mail per recipient through reporting.delivery.outbox.deliver (which says what is
    guaranteed); a recipient whose reminders are all sent or claimed by someone else is skipped.

    Claims are taken a chunk of recipients at a time (one INSERT), just ahead of the sending. Reminders already sent
    are known from one query up front, so a second run on the same day is cheap.
    """
    if dry_run:
        return _send_dry(batches, today=today, out=out)
    period_ids = {item.period.pk for batch in batches.values() for item in batch.items.values()}
    already_sent = set(
        Reminder.objects.filter(period_id__in=period_ids, sent_at__isnull=False)
        .values_list("period_id", "recipient", "kind", "offset", "due")
    )
    run = _Sending(batches, today, already_sent, reverse("home"))
    counts = deliver(run.deliveries(), connections=django_settings.REMINDER_SMTP_CONNECTIONS, on_done=run.done)
    Notification.objects.bulk_create(run.notifications, batch_size=500)
    result = {"date": today.isoformat(), **counts, "skipped": run.skipped}
    if run.in_flight:
        result["in_flight"] = run.in_flight  # held by another run, or by one that died: the sweep sends them once stale
    return result


def reminders_sweep(*, now: datetime.datetime | None = None) -> dict:
    """Rule 3 of reporting.delivery.outbox: the reminders a run that died had claimed and not sent go out once their
    claims are stale (STALE_CLAIM), as that run would have sent them (recomputed for its day), each exactly once;
    a reminder no longer owed (its report was submitted meanwhile) is dropped. Returns counts."""
    now = now or timezone.now()
    left = Reminder.objects.filter(sent_at__isnull=True, failed_at__isnull=True, day__isnull=False,
                                   claimed_at__lt=now - STALE_CLAIM, claimed_at__gte=now - SWEEP_HORIZON)
    result = {"sent": 0, "failed": 0, "dropped": 0}
    days = {day for day in left.values_list("day", flat=True) if day is not None}  # None excluded above, for mypy
    for day in sorted(days):
        rows = {(recipient, (period_id, kind, offset, due)): pk for pk, recipient, period_id, kind, offset, due
                in left.filter(day=day).values_list("pk", "recipient", "period_id", "kind", "offset", "due")}
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
                batch = batches.setdefault(recipient, Batch(recipient, owed[recipient].language, owed[recipient].user))
                batch.items[key] = item
        counts = _send(batches, today=day)
        result["sent"] += counts["sent"]
        result["failed"] += counts["failed"]
        gone = [pk for (recipient, key), pk in rows.items()
                if recipient not in batches or key not in batches[recipient].items]
        result["dropped"] += left.filter(pk__in=gone).delete()[0]
    return result
