"""The outbox: every e-mail owed about a report event is written in the same transaction as the event, then sent
by a worker exactly once (a claim on the row), or later by the outbox job if the broker was down.

The job is queued by its name, so that the reporting cycle (below this room) never imports the Celery jobs.
"""
import datetime
import logging

from celery import current_app
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from reporting.delivery.notifications import report_event_send
from reporting.models import OutboxMessage

log = logging.getLogger(__name__)

DELIVER_JOB = "reporting.tasks.deliver_outbox_message"  # reporting.delivery.tasks.deliver_outbox_message


def outbox_record(*, kind: str, report_id: int) -> OutboxMessage:
    """Record the e-mail owed in this transaction; hand it to the worker once the transaction commits.

    A broker that is down loses nothing: the outbox row stays and the outbox job delivers it later.
    """
    message = OutboxMessage.objects.create(kind=kind, report_id=report_id)

    def enqueue():
        try:
            current_app.tasks[DELIVER_JOB].delay(message.pk)
        except Exception:  # the broker is down: the outbox job will send it
            log.warning("Broker unavailable; %s e-mail for report %s waits in the outbox", kind, report_id)

    transaction.on_commit(enqueue)
    return message


# A claim older than this belongs to a worker that died mid-send: another may take it over.
STALE_CLAIM = datetime.timedelta(minutes=10)


def outbox_deliver(*, message_id: int) -> bool:
    """Send one outbox message, exactly once: only the process whose claim succeeds sends. True if it sent."""
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - STALE_CLAIM)
    ).update(claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        report_event_send(kind=message.kind, report_id=message.report_id)
    except Exception as error:
        OutboxMessage.objects.filter(pk=message_id).update(claimed_at=None, error=str(error)[:2000])
        raise
    OutboxMessage.objects.filter(pk=message_id).update(sent_at=timezone.now(), error="")
    return True


def outbox_flush(*, older_than: datetime.timedelta = datetime.timedelta(seconds=30)) -> dict:
    """Deliver what waits in the outbox (after a broker or mail outage). Returns counts."""
    sent = failed = 0
    pending = OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lte=timezone.now() - older_than)
    for message_id in pending.values_list("pk", flat=True)[:500]:
        try:
            sent += outbox_deliver(message_id=message_id)
        except Exception:
            failed += 1
    return {"sent": sent, "failed": failed}
