"""Reminders and escalation (section IV: the DFA chases every agency before 05/11 and synthesises before 15/11).

`reminders_due(today)` says what is owed on a day, as plain data; `reminders_send_due(today)` claims and sends it,
one e-mail per recipient covering everything that concerns them. Both are pure functions of "today".
"""
import datetime
import logging
import queue
import threading
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings as django_settings
from django.db import connection
from django.db import connections as db_connections
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from agencies.models import Role, User
from reporting.cycle.services import reports_open_due
from reporting.dashboards.metrics import counted_reports, reports_for_metric, reports_to_chase, reports_to_invite
from reporting.delivery.mail import MarkingSMTPBackend, compose_mail, open_marking_connection, render_mail
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


CLAIMED, SENT, IN_FLIGHT = "claimed", "sent", "in_flight"

# Recipients whose reminders are claimed together in one INSERT … ON CONFLICT DO NOTHING.
CLAIM_CHUNK = 250


def _takeover(item: Item, recipient: str, now, token) -> tuple[str, int | None]:
    """A row for this reminder exists already: take it over if its run failed or died, else say why not."""
    row = Reminder.objects.filter(period=item.period, recipient=recipient, kind=item.kind, offset=item.offset)
    takeover = row.filter(sent_at__isnull=True).filter(Q(failed_at__isnull=False) | Q(claimed_at__lt=now - STALE_CLAIM))
    if takeover.update(claimed_at=now, failed_at=None, claim=token) == 1:
        return CLAIMED, row.values_list("pk", flat=True).get()
    return (SENT if row.filter(sent_at__isnull=False).exists() else IN_FLIGHT), None


def _claim_chunk(wanted: list[tuple[str, Item]], now) -> dict[tuple, tuple[str, int | None]]:
    """Claim many reminders at once; only the run whose row gets in (or that takes over a dead claim) may send.

    One INSERT … ON CONFLICT DO NOTHING for the whole chunk, tagged with a token of this call: the rows carrying the
    token afterwards are the ones this run inserted. The few that conflicted go through `_takeover` one by one.
    Returns {(recipient, item.key): (CLAIMED, pk) | (SENT, None) | (IN_FLIGHT, None)}.
    """
    token = uuid.uuid4()
    Reminder.objects.bulk_create(
        [Reminder(period=item.period, recipient=recipient, kind=item.kind, offset=item.offset, claimed_at=now, claim=token)
         for recipient, item in wanted],
        ignore_conflicts=True, batch_size=1000,
    )
    mine = Reminder.objects.filter(
        claim=token, period_id__in={item.period.pk for _, item in wanted}, recipient__in={recipient for recipient, _ in wanted}
    ).values_list("pk", "recipient", "period_id", "kind", "offset")
    outcomes = {(recipient, (period_id, kind, offset)): (CLAIMED, pk) for pk, recipient, period_id, kind, offset in mine}
    for recipient, item in wanted:
        if (recipient, item.key) not in outcomes:
            outcomes[(recipient, item.key)] = _takeover(item, recipient, now, token)
    return outcomes


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


def _mark_sent(pks: list[int]) -> None:
    """Reminder.objects.filter(pk__in=pks).update(sent_at=now, error=""), written out: run once per e-mail from the
    delivery threads, the ORM's building of the statement cost more CPU than the statement itself."""
    table = connection.ops.quote_name(Reminder._meta.db_table)
    placeholders = ", ".join(["%s"] * len(pks))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET sent_at = %s, error = %s WHERE id IN ({placeholders})",  # nosec B608: the table name comes from the model, every value is a parameter
                       [connection.ops.adapt_datetimefield_value(timezone.now()), "", *pks])


def _drop(backend) -> None:
    """Close a mail connection after an error without a polite QUIT: the SMTP session may be in the middle of a
    message (the server then discards it)."""
    smtp = getattr(backend, "connection", None)
    if smtp is not None:
        try:
            smtp.close()
        except OSError:
            pass
        backend.connection = None
    else:
        backend.close()


class _Courier:
    """Delivers rendered messages on a few threads, each with its own SMTP connection, so that the run's own work
    (claims, rendering) goes on while the mail server answers. Deliveries come back through `finished()`.

    With `mark_sent`, each thread marks its reminders sent itself, on its own database connection: through SMTP
    after the message body and before the "." that makes the server accept it (reporting.delivery.mail.MarkingSMTPBackend),
    so no message the server accepted is ever left unmarked, whenever the worker is killed; with other backends
    right after sending. Inside a transaction (tests) the threads could not see the claims, so the run marks them.
    """

    def __init__(self, connections: int, mark_sent: bool):
        self.mark_sent = mark_sent
        self.todo: queue.Queue = queue.Queue(maxsize=connections * 8)
        self.done: queue.Queue = queue.Queue()
        self.threads = [threading.Thread(target=self._deliver, daemon=True) for _ in range(connections)]
        for thread in self.threads:
            thread.start()

    def _deliver(self):
        backend = None
        try:
            while (job := self.todo.get()) is not None:
                message, tag = job
                mark = marked = None
                if self.mark_sent:
                    def mark(pks=tag[1]):
                        nonlocal marked
                        _mark_sent(pks)
                        marked = True
                try:
                    if backend is None:
                        backend = open_marking_connection()
                        backend.open()
                    if mark is not None and isinstance(backend, MarkingSMTPBackend):
                        backend.send_marking(message, mark)
                    else:
                        message.connection = backend
                        message.send()
                        if mark is not None:
                            mark()
                except Exception as error:  # the mail server is unreachable or refused: reported, the claim released
                    self.done.put((tag, message, error, False))
                    if backend is not None:
                        _drop(backend)
                        backend = None
                    continue
                self.done.put((tag, message, None, bool(marked)))
        finally:
            if backend is not None:
                backend.close()
            db_connections.close_all()  # this thread's own database connection

    def put(self, message, tag):
        self.todo.put((message, tag))

    def finished(self) -> list:
        out = []
        while True:
            try:
                out.append(self.done.get_nowait())
            except queue.Empty:
                return out

    def close(self) -> list:
        for _ in self.threads:
            self.todo.put(None)
        for thread in self.threads:
            thread.join()
        return self.finished()


def _send(batches: dict[str, Batch], *, today: datetime.date, dry_run: bool = False, out=None) -> dict:
    """Claim, then send one e-mail per recipient; a recipient whose claims all belong to someone else is skipped.

    Claims are taken a chunk of recipients at a time (one INSERT). Messages go out through a few SMTP connections
    (settings.REMINDER_SMTP_CONNECTIONS), whose threads mark each reminder sent before the server accepts it (see
    _Courier), so a run killed at any point sends nothing twice: its unsent claims are taken over after
    STALE_CLAIM. Reminders already sent are known from one query up front, so a second run on the same day is cheap.
    """
    counts = {"sent": 0, "skipped": 0, "failed": 0, "in_flight": 0}
    if dry_run:
        for recipient, batch in sorted(batches.items()):
            if out is not None:
                kinds = ", ".join(f"{i.kind}({i.offset:+d}) {len(i.reports)} report(s)" for i in batch.items.values())
                out.write(f"would send to {recipient} [{batch.language}]: {kinds}\n")
            counts["sent"] += 1
        return {"date": today.isoformat(), "sent": counts["sent"], "skipped": 0, "failed": 0}
    period_ids = {item.period.pk for batch in batches.values() for item in batch.items.values()}
    already_sent = set(
        Reminder.objects.filter(period_id__in=period_ids, sent_at__isnull=False).values_list("period_id", "recipient", "kind", "offset")
    )
    home = reverse("home")
    notifications = []
    rendered = {}

    def record(deliveries):
        """Mark what went out as sent (what the delivery threads have not marked already, in one UPDATE), release
        what failed."""
        delivered = [(batch, pks, message) for (batch, pks), message, error, _ in deliveries if error is None]
        unmarked = [pk for (_, pks), _, error, marked in deliveries if error is None and not marked for pk in pks]
        if unmarked:
            Reminder.objects.filter(pk__in=unmarked).update(sent_at=timezone.now(), error="")
        notifications.extend(Notification(user=batch.user, subject=message.subject, body=message.body, url=home)
                             for batch, _, message in delivered if batch.user is not None)
        counts["sent"] += len(delivered)
        for (batch, pks), _, error, _ in deliveries:
            if error is not None:
                log.warning("Reminder to %s failed: %s", batch.recipient, error)
                Reminder.objects.filter(pk__in=pks).update(failed_at=timezone.now(), sent_at=None, error=str(error)[:2000],
                                                           attempts=F("attempts") + 1)
                counts["failed"] += 1

    ordered = sorted(batches.items())
    own_transactions = not connection.in_atomic_block  # false in tests, where other threads cannot see the claims
    relax_commits = own_transactions and connection.vendor == "postgresql"
    courier = _Courier(max(1, django_settings.REMINDER_SMTP_CONNECTIONS), mark_sent=own_transactions)
    if relax_commits:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
    try:
        for start in range(0, len(ordered), CLAIM_CHUNK):
            chunk = ordered[start:start + CLAIM_CHUNK]
            wanted = [(recipient, item) for recipient, batch in chunk for item in batch.items.values()
                      if (item.period.pk, recipient, item.kind, item.offset) not in already_sent]
            outcomes = _claim_chunk(wanted, timezone.now()) if wanted else {}
            for recipient, batch in chunk:
                items = list(batch.items.values())
                mine = [(item, outcomes[(recipient, item.key)]) for item in items if (recipient, item.key) in outcomes]
                claimed = [item for item, (outcome, _) in mine if outcome == CLAIMED]
                counts["in_flight"] += sum(outcome == IN_FLIGHT for _, (outcome, _) in mine)
                counts["skipped"] += len(items) - len(claimed)
                if claimed:
                    tag = (batch, [pk for _, (outcome, pk) in mine if outcome == CLAIMED])
                    try:
                        message = render_batch(batch, claimed, rendered)
                    except Exception as error:  # noqa: BLE001 - recorded like a failed delivery, the run goes on
                        record([(tag, None, error, False)])
                        continue
                    courier.put(message, tag)
                record(courier.finished())
            Notification.objects.bulk_create(notifications, batch_size=500)
            notifications.clear()
    finally:
        record(courier.close())
        Notification.objects.bulk_create(notifications, batch_size=500)
        if relax_commits:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
    result = {"date": today.isoformat(), "sent": counts["sent"], "skipped": counts["skipped"], "failed": counts["failed"]}
    if counts["in_flight"]:
        result["in_flight"] = counts["in_flight"]  # claims held by another run: the Celery task retries after STALE_CLAIM
    return result
