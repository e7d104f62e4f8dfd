"""Who hears about what, in which language."""
import datetime
from collections import defaultdict

from django.db.models import F, Q
from django.utils import timezone

from django.urls import reverse

from agencies.models import Role, User

from .mail import build_mail
from .models import Report


def _agency_recipients(report: Report) -> dict[str, set[str]]:
    """Addresses grouped by language: the agency's staff in their own language, contact addresses in Vietnamese."""
    by_language = defaultdict(set)
    staff = User.objects.filter(agency=report.agency, is_active=True, groups__name=Role.AGENCY_STAFF).exclude(email="")
    for user in staff:
        by_language[user.language].add(user.email)
    known = set().union(*by_language.values()) if by_language else set()
    for address in report.agency.email_list():
        if address not in known:
            by_language["vi"].add(address)
    return by_language


def report_event_send(*, kind: str, report_id: int) -> int:
    """Send the e-mails for one report event; returns how many messages went out."""
    report = Report.objects.select_related("period__plan", "agency", "submitted_by", "reviewed_by").get(pk=report_id)
    context = {"report": report, "url": reverse("report_detail", args=[report.pk])}
    sent = 0
    for language, addresses in sorted(_agency_recipients(report).items()):
        if addresses:
            build_mail(kind, context, to=sorted(addresses), language=language).send()
            sent += 1
    return sent


# A claim older than this belongs to a worker that died mid-send: another may take it over.
STALE_CLAIM = datetime.timedelta(minutes=10)


def outbox_deliver(*, message_id: int) -> bool:
    """Send one outbox message, exactly once: only the process whose claim succeeds sends. True if it sent."""
    from .models import OutboxMessage

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
    from .models import OutboxMessage

    sent = failed = 0
    pending = OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lte=timezone.now() - older_than)
    for message_id in pending.values_list("pk", flat=True)[:500]:
        try:
            sent += outbox_deliver(message_id=message_id)
        except Exception:
            failed += 1
    return {"sent": sent, "failed": failed}
