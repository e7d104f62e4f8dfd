"""Every event that e-mails a person also tells them in the app: the report events go through one path
(reporting.delivery.outbox.outbox_record), the reminders through reporting.delivery.reminders; both write the
notification with the e-mail, so that neither can be forgotten."""
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from plan119.testing import fill
from reporting.cycle import services
from reporting.delivery.notifications import REMINDERS_KIND, REPORT_EVENT_KINDS
from reporting.delivery.outbox import outbox_record
from reporting.models import Notification, OutboxMessage

pytestmark = pytest.mark.django_db


def _each_report_event(report, owner, dfa):
    """Submit, return, submit again, accept, reopen: every report event there is."""
    fill(report)
    services.report_submit(report=report, user=owner)
    services.report_return(report=report, user=dfa, comment="Bổ sung số liệu kim ngạch")
    services.report_submit(report=report, user=owner)
    services.report_accept(report=report, user=dfa)
    services.report_reopen(report=report, user=dfa, reason="Sửa số liệu")


def test_every_e_mail_kind_has_its_notification_and_its_templates():
    """The e-mails the app can send (templates/emails/<kind>_*) are exactly the kinds that notify, and the account
    e-mails (an invitation, a password reset: to people who cannot sign in yet, so nothing to tell in the app)."""
    from agencies.models import AccountMailKind

    folder = Path(settings.BASE_DIR) / "templates" / "emails"
    kinds = {path.name.removesuffix("_subject.txt") for path in folder.glob("*_subject.txt")}
    assert kinds == {*REPORT_EVENT_KINDS, REMINDERS_KIND, *AccountMailKind.values}
    for kind in kinds:
        for part in ("body.txt", "body.html"):
            assert (folder / f"{kind}_{part}").exists(), f"{kind}_{part}"


def test_every_report_event_e_mails_and_notifies_the_same_people(small_report, owner, colleague, outsider, dfa,
                                                                 django_capture_on_commit_callbacks):
    colleague.email = ""  # no address: no e-mail, but still told in the app
    colleague.language = "en"
    colleague.save()
    with django_capture_on_commit_callbacks(execute=True):
        _each_report_event(small_report, owner, dfa)
    mailed = list(OutboxMessage.objects.order_by("pk").values_list("kind", flat=True))
    assert set(mailed) == {k for k in REPORT_EVENT_KINDS if not k.startswith("extension_")}  # extensions: their tests
    for user in (owner, colleague):
        told = list(Notification.objects.filter(user=user).order_by("pk").values_list("kind", flat=True))
        assert told == mailed, user
    assert not Notification.objects.filter(user__in=[outsider, dfa]).exists()
    assert {address for m in mail.outbox for address in m.to} >= {owner.email}
    assert all(colleague.username not in address for m in mail.outbox for address in m.to)
    returned = Notification.objects.get(user=owner, kind="report_returned")
    assert "trả lại" in returned.subject and "Bổ sung số liệu kim ngạch" in returned.body
    assert returned.url == reverse("report_detail", args=[small_report.pk])
    assert "returned" in Notification.objects.get(user=colleague, kind="report_returned").subject  # own language


def test_a_kind_without_its_notification_cannot_be_recorded(small_report):
    with pytest.raises(ValueError, match="REPORT_EVENT_KINDS"):
        outbox_record(kind="report_archived", report_id=small_report.pk)
    assert not OutboxMessage.objects.exists()


def test_a_return_shows_in_the_agency_s_notifications(client, small_report, owner, dfa):
    fill(small_report)
    services.report_submit(report=small_report, user=owner)
    services.report_return(report=small_report, user=dfa, comment="Đề nghị bổ sung số liệu cụ thể")
    client.force_login(owner)
    html = client.get(reverse("notification_list")).content.decode()
    assert "Đề nghị bổ sung số liệu cụ thể" in html
    assert f'href="{reverse("report_detail", args=[small_report.pk])}"' in html
    home = client.get(reverse("home")).content.decode()
    assert 'class="badge' in home.split(reverse("notification_list"))[1][:300]  # the unread count in the navbar


def test_notifications_page_for_anonymous_and_other_agencies(client, small_report, owner, outsider, dfa):
    fill(small_report)
    services.report_submit(report=small_report, user=owner)
    assert client.get(reverse("notification_list")).status_code == 302
    client.force_login(outsider)
    assert "Sở Thử nghiệm Công Thương" not in client.get(reverse("notification_list")).content.decode()
