"""The one way e-mail leaves the app: claim a row, send, mark it sent while the mail server waits for the "."

How every e-mail goes out, and what is guaranteed (the README points here)
--------------------------------------------------------------------------
Every e-mail the app owes is a row first: an `OutboxMessage` for a report event (confirmations of submission,
return, acceptance), a `Reminder` for each reminder stage of a recipient (deadline, overdue, escalation, digest,
synthesis, voluntary, "remind now"; unique per period, recipient, kind and offset). A feature that adds e-mail adds
such a row and sends through `deliver()`; nothing else calls a mail backend.

1. **Claim.** A row is sent only by the process that claimed it: its claim token written into the row by one
   UPDATE (or INSERT … ON CONFLICT DO NOTHING for reminders) that only one process can win (healthchecks' pattern).
   A claim may be taken over when it failed, or when it is older than `STALE_CLAIM` and still unsent: its process
   died.
2. **Mark before accept.** `deliver()` sends a message's envelope and body, then marks its rows sent, *only if the
   claim token is still there*, and only then writes the final "." with which the SMTP server accepts the message.
   A process that lost its claim to a takeover never sends the ".", so two processes can never both deliver a row;
   a worker killed at any instant never leaves a message the server accepted unmarked. The one message that can be
   lost is one whose process dies between the mark and the ".", a few microseconds.
3. **Sweep.** Claims a dead worker held are sent again by the periodic jobs, without waiting for the next day's
   run: `flush_outbox` (every 5 minutes) for the outbox, `sweep_reminders` (every minute) for reminders
   (`reporting.delivery.reminders.reminders_sweep`). After any worker death, every claimed-but-unsent e-mail goes
   out within `STALE_CLAIM` plus a minute of a worker and beat running again (a reminder claimed up to a day ago).
   A reminder no longer owed when swept (its report was submitted meanwhile) is dropped instead.
4. **Failures.** A message the server refused, or could not be reached for, is recorded on its rows (`failed_at`,
   `error`, `attempts`) and released: the Celery job retries it with backoff.

So: each row's e-mail is delivered at most once, and after a worker death exactly once; an outbox row that needs
several messages (agency staff in several languages) is marked with its last one, so a death between two of them
can repeat the first.
"""
import dataclasses
import datetime
import logging
import queue
import re
import smtplib
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import EmailMessage, sanitize_address
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from reporting.delivery.notifications import REPORT_EVENT_KINDS, report_event_mails, report_event_notify
from reporting.models import OutboxMessage

log = logging.getLogger(__name__)

# A claim older than this and still unsent belongs to a process that died: another may take it over. The only
# stale-claim window; a live run never holds a claim this long before it sends (it claims a few hundred at a time
# and sends about 200 a second), and if it ever did, rule 2 keeps the e-mail single.
STALE_CLAIM = datetime.timedelta(minutes=2)

DELIVER_JOB = "reporting.tasks.deliver_outbox_message"  # reporting.delivery.tasks.deliver_outbox_message


class ClaimLost(Exception):
    """The row was taken over by another process before this one could mark it: the message is dropped."""


def claimable(rows: models.QuerySet, now: datetime.datetime) -> models.QuerySet:
    """Rows no live process is sending: never claimed, failed, or claimed longer than STALE_CLAIM ago and unsent."""
    return rows.filter(sent_at__isnull=True).filter(
        Q(claimed_at__isnull=True) | Q(failed_at__isnull=False) | Q(claimed_at__lt=now - STALE_CLAIM)
    )


def claims_take(rows: models.QuerySet, *, token: uuid.UUID, now: datetime.datetime, **also) -> int:
    """Claim what can be claimed among `rows` for `token`; returns how many rows this process now holds."""
    return claimable(rows, now).update(claimed_at=now, claim=token, failed_at=None, **also)


@dataclasses.dataclass(eq=False)
class Delivery:
    """One message and the claimed rows it settles (none: it goes out without marking anything). The message is
    None only for a delivery that comes with its error (it could not be rendered): such a one is never sent."""

    message: EmailMessage | None
    model: type[models.Model]
    pks: list[int]
    token: uuid.UUID
    tag: object = None
    error: Exception | None = None
    marked: bool = False
    go: threading.Event = dataclasses.field(default_factory=threading.Event)


def _smtp(backend: SMTPBackend) -> smtplib.SMTP:
    """The open SMTP connection of `backend` (opened by the sender thread before its first message)."""
    if backend.connection is None:
        raise OSError("SMTP connection not open")
    return backend.connection


def _smtp_begin(backend: SMTPBackend, message: EmailMessage) -> None:
    """Envelope and body of `message`, without the final "." (what smtplib's sendmail does, in two halves)."""
    smtp = _smtp(backend)
    encoding = message.encoding or settings.DEFAULT_CHARSET
    data = message.message().as_bytes(linesep="\r\n")
    smtp.ehlo_or_helo_if_needed()
    code, reply = smtp.mail(sanitize_address(message.from_email, encoding))
    if code != 250:
        raise OSError(f"sender refused: {code} {reply!r}")
    for address in message.recipients():
        code, reply = smtp.rcpt(sanitize_address(address, encoding))
        if code not in (250, 251):
            raise OSError(f"recipient {address} refused: {code} {reply!r}")
    smtp.putcmd("data")
    code, reply = smtp.getreply()
    if code != 354:
        raise OSError(f"DATA refused: {code} {reply!r}")
    data = re.sub(rb"(?m)^\.", b"..", data)
    smtp.send(data if data.endswith(b"\r\n") else data + b"\r\n")


def _smtp_end(backend: SMTPBackend) -> None:
    """The final "." of the message begun by _smtp_begin: the server accepts it (250) or refuses it."""
    smtp = _smtp(backend)
    smtp.send(b".\r\n")
    code, reply = smtp.getreply()
    if code != 250:
        raise OSError(f"message refused: {code} {reply!r}")


def _open(backend: BaseEmailBackend) -> None:
    """Open a sender thread's new mail connection: an SMTP one at once, sending the "." as soon as it is written.
    On failure the caller still holds `backend`, and drops whatever part of it was opened."""
    if isinstance(backend, SMTPBackend):
        backend.open()
        sock = _smtp(backend).sock
        if sock is None:
            raise OSError("SMTP connection has no socket")
        # the "." goes out at once as its own small packet, not held back by Nagle's algorithm
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _drop(backend: Any) -> None:
    """After a failure: the connection is closed without QUIT (the message under way must not be accepted).
    `backend` is any mail backend, or None: only one with an open `connection` (SMTP) has something to drop."""
    if backend is not None and getattr(backend, "connection", None) is not None:
        try:
            backend.connection.close()
        except OSError:
            pass
        backend.connection = None


def _send_held(backend: BaseEmailBackend, delivery: Delivery, ready: queue.Queue[Delivery]) -> None:
    """Send one delivery's message, holding back its end until the calling thread has marked its rows (rule 2):
    the "." for SMTP; the whole message for other backends (files, memory), which cannot be sent in two halves."""
    message = delivery.message
    if message is None:  # deliver() never hands one without a message to a sender
        raise ValueError("delivery without a message")
    if isinstance(backend, SMTPBackend):
        _smtp_begin(backend, message)
    ready.put(delivery)
    delivery.go.wait()
    if not delivery.marked:
        raise ClaimLost(f"claim {delivery.token} taken over")
    if isinstance(backend, SMTPBackend):
        _smtp_end(backend)
    else:  # files, memory (development, tests): nothing to hold back
        message.connection = backend
        message.send()


def _sender(todo: queue.Queue[Delivery | None], ready: queue.Queue[Delivery], done: queue.Queue[Delivery]) -> None:
    """A delivery thread with its own mail connection; it touches no database (the calling thread marks)."""
    backend = None
    while (delivery := todo.get()) is not None:
        try:
            if backend is None:
                backend = get_connection()
                _open(backend)
            _send_held(backend, delivery, ready)
        except Exception as error:  # noqa: BLE001 - reported with the delivery; the connection is dropped, no QUIT
            delivery.error = error
            _drop(backend)
            backend = None
        done.put(delivery)
    if backend is not None:
        backend.close()


def _mark(ready: list[Delivery]) -> None:
    """Mark the rows of deliveries whose bodies are out, in one UPDATE per claim; a delivery whose claim was taken
    over in the meantime is refused (its rows are left to the new holder)."""
    now = timezone.now()
    groups: dict[tuple[type[models.Model], uuid.UUID], list[Delivery]] = {}
    for delivery in ready:
        groups.setdefault((delivery.model, delivery.token), []).append(delivery)
    for (model, token), deliveries in groups.items():
        rows = model._default_manager  # `objects`, for OutboxMessage and Reminder
        pks = [pk for d in deliveries for pk in d.pks]
        if not pks or rows.filter(pk__in=pks, claim=token, sent_at__isnull=True).update(
            sent_at=now, error=""
        ) == len(pks):
            for delivery in deliveries:
                delivery.marked = True
            continue
        ours = set(rows.filter(pk__in=pks, claim=token, sent_at=now).values_list("pk", flat=True))
        for delivery in deliveries:
            delivery.marked = ours.issuperset(delivery.pks)
            if not delivery.marked:
                rows.filter(pk__in=delivery.pks, claim=token, sent_at=now).update(sent_at=None)
    for delivery in ready:
        delivery.go.set()


def _fail(delivery: Delivery) -> None:
    """A failed delivery: its rows are released for a retry, unless another process holds them now."""
    log.warning("E-mail for %s %s failed: %s", delivery.model.__name__, delivery.pks, delivery.error)
    if delivery.pks and not isinstance(delivery.error, ClaimLost):
        delivery.model._default_manager.filter(pk__in=delivery.pks, claim=delivery.token).update(
            sent_at=None, failed_at=timezone.now(), error=str(delivery.error)[:2000], attempts=F("attempts") + 1
        )


def _take_ready(ready: queue.Queue[Delivery], wait: bool) -> list[Delivery]:
    """Every delivery whose body is out and that waits to be marked; with `wait`, up to 50 ms for the first one."""
    batch = []
    try:
        batch.append(ready.get(timeout=0.05) if wait else ready.get_nowait())
        while True:
            batch.append(ready.get_nowait())
    except queue.Empty:
        pass
    return batch


class _Run:
    """The state of one deliver() call, kept by the calling thread: the senders' queues, the counts, and how many
    deliveries the senders have in hand (handed over, not yet done)."""

    def __init__(self, on_done: Callable[[Delivery], object] | None) -> None:
        self.todo: queue.Queue[Delivery | None] = queue.Queue()
        self.ready: queue.Queue[Delivery] = queue.Queue()
        self.done: queue.Queue[Delivery] = queue.Queue()
        self.counts = {"sent": 0, "failed": 0}
        self.in_hand = 0
        self.on_done = on_done

    def finish(self, delivery: Delivery) -> None:
        """Count a delivery sent or failed; a failed one is recorded on its rows (_fail). Then `on_done`."""
        self.counts["failed" if delivery.error else "sent"] += 1
        if delivery.error:
            _fail(delivery)
        if self.on_done is not None:
            self.on_done(delivery)

    def settle(self, wait: bool) -> None:
        """Mark the rows of the deliveries whose bodies are out (rule 2; their senders then write the "." or drop
        the message), then finish every delivery the senders are done with."""
        batch = _take_ready(self.ready, wait)
        if batch:
            _mark(batch)
        while True:
            try:
                delivery = self.done.get_nowait()
            except queue.Empty:
                return
            self.in_hand -= 1
            self.finish(delivery)


def deliver(
    deliveries: Iterable[Delivery], *, connections: int = 1, on_done: Callable[[Delivery], object] | None = None
) -> dict[str, int]:
    """Send every Delivery of the iterable (which may claim and render lazily) through `connections` mail
    connections, marking each one's rows as rule 2 of this module says; `on_done(delivery)` is called in this
    thread for each one, sent or failed (`delivery.error`; one that comes with an error is only recorded as failed).
    Returns {"sent", "failed"}.

    The threads only talk to the mail server; every database write happens here, so that this works the same
    inside a transaction (tests) as outside, where each mark is committed before its "." goes out."""
    run = _Run(on_done)
    threads = [
        threading.Thread(target=_sender, args=(run.todo, run.ready, run.done), daemon=True)
        for _ in range(max(1, connections))
    ]
    for thread in threads:
        thread.start()
    try:
        for delivery in deliveries:
            if delivery.error is not None:
                run.finish(delivery)
                continue
            while run.in_hand >= 2 * len(threads):  # a few messages ahead of the senders, no more
                run.settle(wait=True)
            run.todo.put(delivery)
            run.in_hand += 1
            run.settle(wait=False)
    finally:
        for _ in threads:
            run.todo.put(None)
        while run.in_hand:
            run.settle(wait=True)
        for thread in threads:
            thread.join()
    return run.counts


# --- the outbox: confirmations of report events -------------------------------------------------------------------

def outbox_record(*, kind: str, report_id: int) -> OutboxMessage:
    """Record the e-mail owed in this transaction, and tell the same people in the app at once (one path for both:
    every report event that e-mails also notifies); hand the e-mail to the worker once the transaction commits.

    A broker that is down loses nothing: the outbox row stays and the outbox job delivers it later.
    The job is queued by its name, so that the reporting cycle (below this room) never imports the Celery jobs.
    """
    if kind not in REPORT_EVENT_KINDS:
        raise ValueError(f"{kind!r} is not a report event of reporting.delivery.notifications.REPORT_EVENT_KINDS")
    message = OutboxMessage.objects.create(kind=kind, report_id=report_id)
    report_event_notify(kind=kind, report_id=report_id)

    def enqueue():
        try:
            current_app.tasks[DELIVER_JOB].delay(message.pk)
        except Exception:  # the broker is down: the outbox job will send it
            log.warning("Broker unavailable; %s e-mail for report %s waits in the outbox", kind, report_id)

    transaction.on_commit(enqueue)
    return message


def outbox_deliver(*, message_id: int) -> bool:
    """Send one outbox message, exactly once: only the process whose claim succeeds sends. True if it sent.
    A failure is raised again (after being recorded), for the Celery job to retry."""
    token, now = uuid.uuid4(), timezone.now()
    if not claims_take(OutboxMessage.objects.filter(pk=message_id), token=token, now=now):
        return False
    row = OutboxMessage.objects.get(pk=message_id)
    mails = report_event_mails(kind=row.kind, report_id=row.report_id)
    if not mails:  # nobody to tell
        OutboxMessage.objects.filter(pk=message_id, claim=token).update(sent_at=now, error="")
        return True
    # the row is marked with its last message (see the module's docstring)
    deliveries = [
        Delivery(mail, OutboxMessage, [message_id] if i == len(mails) - 1 else [], token)
        for i, mail in enumerate(mails)
    ]
    deliver(deliveries)
    failed = next((d.error for d in deliveries if d.error is not None), None)
    if failed is not None:
        raise failed
    return True


def pending_flush(model, deliver_one, *, older_than: datetime.timedelta) -> dict:
    """Deliver the rows of `model` (the outbox, the account e-mails) still unsent `older_than` after they were written
    — after a broker or mail outage, or a worker death — 500 at a time, each with `deliver_one(pk)`. Returns counts."""
    sent = failed = 0
    pending = model.objects.filter(sent_at__isnull=True, created_at__lte=timezone.now() - older_than)
    for pk in pending.values_list("pk", flat=True)[:500]:
        try:
            sent += deliver_one(pk)
        except Exception:
            failed += 1
    return {"sent": sent, "failed": failed}


def outbox_flush(*, older_than: datetime.timedelta = datetime.timedelta(seconds=30)) -> dict:
    """Deliver what waits in the outbox (after a broker or mail outage, or a worker death). Returns counts."""
    return pending_flush(OutboxMessage, lambda pk: outbox_deliver(message_id=pk), older_than=older_than)
