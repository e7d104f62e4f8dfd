"""E-mail through a real SMTP server started by the test (aiosmtpd), read back from what arrived; reminders to the
cast of test_reminders.py, on the small plan (conftest.py)."""
import datetime
import email
import socket

import pytest
from aiosmtpd.controller import Controller

from reporting.delivery.reminders import reminders_send_due
from reporting.tests.test_reminders import cast, close_other_years  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    yield inbox
    controller.stop()


def test_reminders_arrive_over_smtp_in_the_recipients_language(smtp_server, cast, small_periods):  # noqa: F811
    close_other_years(small_periods, cast["dfa"])
    result = reminders_send_due(today=datetime.date(2025, 11, 12))
    assert result["failed"] == 0 and result["sent"] == len(smtp_server.messages) > 0
    by_rcpt = {tuple(r): m for r, m in smtp_server.messages}
    staff = by_rcpt[(cast["lead"].email,)]
    assert staff.is_multipart() and {p.get_content_type() for p in staff.walk()} >= {"text/plain", "text/html"}
    text = staff.get_payload()[0].get_payload(decode=True).decode()
    assert "05/11/2025" in text
    officer = by_rcpt[(cast["dfa"].email,)]
    assert "Overdue" in str(officer["Subject"]) or (
        "overdue" in officer.get_payload()[0].get_payload(decode=True).decode()
    )


def test_unreachable_mail_server_is_a_failure_not_a_crash(settings, cast, small_periods):  # noqa: F811
    close_other_years(small_periods, cast["dfa"])
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    result = reminders_send_due(today=datetime.date(2025, 10, 29))
    assert result["sent"] == 0 and result["failed"] > 0


def test_rows_are_marked_before_the_server_accepts_and_a_lost_claim_is_never_accepted(
    smtp_server, cast, small_periods, monkeypatch  # noqa: F811
):
    import uuid

    from django.core.mail import EmailMessage
    from django.utils import timezone

    from reporting.delivery import outbox
    from reporting.models import Reminder

    def claim(recipient):
        return Reminder.objects.create(period=small_periods[2025], recipient=recipient, kind="deadline", offset=7,
                                       due=small_periods[2025].agency_due, claimed_at=timezone.now(),
                                       claim=uuid.uuid4())

    seen_when_marked = []
    original = outbox._mark
    monkeypatch.setattr(
        outbox, "_mark", lambda ready: seen_when_marked.append(len(smtp_server.messages)) or original(ready)
    )
    first, lost, third = claim("b@example.vn"), claim("c@example.vn"), claim("d@example.vn")
    deliveries = [outbox.Delivery(EmailMessage("Nhắc hạn", "Nội dung", "a@example.vn", [row.recipient]), Reminder,
                                  [row.pk], token)
                  for row, token in ((first, first.claim), (lost, uuid.uuid4()), (third, third.claim))]
    assert outbox.deliver(deliveries) == {"sent": 2, "failed": 1}
    assert seen_when_marked == [0, 1, 1]  # each marked while the server still waited for its "."
    assert [r for r, _ in smtp_server.messages] == [["b@example.vn"], ["d@example.vn"]]  # never the lost one's "."
    assert [bool(Reminder.objects.get(pk=r.pk).sent_at) for r in (first, lost, third)] == [True, False, True]


@pytest.mark.django_db(transaction=True)
def test_reminders_over_smtp_outside_a_transaction_are_all_marked_sent(smtp_server, cast, small_periods):  # noqa: F811
    from reporting.models import Reminder

    close_other_years(small_periods, cast["dfa"])
    result = reminders_send_due(today=datetime.date(2025, 11, 12))
    assert result["failed"] == 0 and result["sent"] == len(smtp_server.messages) > 0
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()
    assert reminders_send_due(today=datetime.date(2025, 11, 12))["sent"] == 0
