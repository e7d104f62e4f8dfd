"""E-mails about people's accounts (agencies.models.AccountMail): invitations and password resets, sent through the
one claim-and-send path (reporting.delivery.outbox) like every other e-mail.

The link is made here, when the message is sent (agencies.accounts.account_link): a row never holds a password-like
secret, and the link's lifetime counts from the moment it leaves. Whether the person should still get it is decided
here too: nobody inactive or without an address gets anything, and an invitation is dropped once its person has set
a password (agencies.accounts.may_be_invited).
"""
import datetime
import uuid

from django.conf import settings
from django.utils import timezone

from agencies.accounts import account_link, may_be_invited
from agencies.models import AccountMail, AccountMailKind
from reporting.delivery.mail import Mail, build_mail
from reporting.delivery.outbox import Delivery, claims_take, deliver, pending_flush


def account_mail_build(row: AccountMail) -> Mail | None:
    """The message of one row, in its person's language; None when it is no longer owed."""
    user = row.user
    if not user.is_active or not user.email:
        return None
    if row.kind == AccountMailKind.INVITATION and not may_be_invited(user):
        return None
    context = {
        "user": user,
        "link": account_link(user=user, kind=row.kind),
        "days": settings.INVITATION_DAYS,
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        "invited_by": row.requested_by,
    }
    return build_mail(row.kind, context, to=[user.email], language=user.language)


def account_mail_deliver(*, mail_id: int) -> bool:
    """Send one account e-mail, exactly once: only the process whose claim succeeds sends. True if it sent (or found
    nothing owed). A failure is raised again (after being recorded), for the Celery job to retry."""
    token, now = uuid.uuid4(), timezone.now()
    if not claims_take(AccountMail.objects.filter(pk=mail_id), token=token, now=now):
        return False
    row = AccountMail.objects.select_related("user", "requested_by").get(pk=mail_id)
    message = account_mail_build(row)
    if message is None:
        AccountMail.objects.filter(pk=mail_id, claim=token).update(sent_at=now, error="")
        return True
    delivery = Delivery(message, AccountMail, [mail_id], token)
    deliver([delivery])
    if delivery.error is not None:
        raise delivery.error
    return True


def account_mails_flush(*, older_than: datetime.timedelta = datetime.timedelta(seconds=30)) -> dict:
    """Deliver the account e-mails that wait (after a broker or mail outage, or a worker death). Returns counts."""
    return pending_flush(AccountMail, lambda pk: account_mail_deliver(mail_id=pk), older_than=older_than)
