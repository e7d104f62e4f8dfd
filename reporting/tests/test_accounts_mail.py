"""Account e-mails (agencies.models.AccountMail) through the one claim-and-send path (reporting.delivery.accounts),
and what a deactivated person leaves behind: their name on what they did, no way back in."""
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import AccountMail, AccountMailKind
from plan119.testing import fill
from reporting.cycle import services
from reporting.delivery.accounts import account_mail_deliver, account_mails_flush
from reporting.delivery.tasks import flush_outbox

pytestmark = pytest.mark.django_db


def test_a_deactivated_person_keeps_their_history_and_cannot_sign_in(client, small_report, owner, dfa):
    services.report_submit(report=fill(small_report), user=owner)
    owner.is_active = False
    owner.save()
    client.force_login(dfa)
    page = client.get(reverse("report_detail", args=[small_report.pk])).content.decode()
    assert owner.get_full_name() in page  # "Minh Trần" on the timeline of the report they submitted
    client.logout()
    response = client.post(reverse("login"), {"username": owner.username, "password": "correct horse battery staple"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_an_account_mail_goes_out_once(owner, mailoutbox):
    row = AccountMail.objects.create(user=owner, kind=AccountMailKind.PASSWORD_RESET)
    assert account_mail_deliver(mail_id=row.pk) is True
    assert account_mail_deliver(mail_id=row.pk) is False  # sent: nobody can claim it again
    assert len(mailoutbox) == 1 and "/accounts/reset/" in mailoutbox[0].body


def test_what_waited_is_flushed_with_the_outbox(owner, mailoutbox):
    AccountMail.objects.create(user=owner, kind=AccountMailKind.PASSWORD_RESET,
                               created_at=timezone.now() - datetime.timedelta(minutes=5))
    assert account_mails_flush() == {"sent": 1, "failed": 0}
    assert flush_outbox() == {"sent": 0, "failed": 0}
    assert len(mailoutbox) == 1


def test_nothing_goes_to_someone_deactivated_meanwhile(owner, mailoutbox):
    row = AccountMail.objects.create(user=owner, kind=AccountMailKind.PASSWORD_RESET)
    owner.is_active = False
    owner.save()
    assert account_mail_deliver(mail_id=row.pk) is True
    row.refresh_from_db()
    assert mailoutbox == [] and row.sent_at is not None


def test_a_mail_server_failure_is_recorded_and_retried(owner, mailoutbox, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens there
    row = AccountMail.objects.create(user=owner, kind=AccountMailKind.PASSWORD_RESET)
    with pytest.raises(OSError):
        account_mail_deliver(mail_id=row.pk)
    row.refresh_from_db()
    assert (row.sent_at, row.attempts) == (None, 1) and row.failed_at and row.error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert account_mail_deliver(mail_id=row.pk) is True
    assert len(mailoutbox) == 1
