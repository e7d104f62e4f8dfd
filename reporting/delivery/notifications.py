"""Who hears about what, in which language: by e-mail and, for every person with an account, in the app."""
from collections import defaultdict

from django.urls import reverse

from agencies.models import Role, User
from reporting.delivery.mail import build_mail, render_mail
from reporting.models import Notification, Report

# Every report event that e-mails the agency (templates/emails/<kind>_*), and so also tells its staff in the app.
# reporting.delivery.outbox.outbox_record refuses any other kind: a new e-mail cannot forget the notification.
REPORT_EVENT_KINDS = ("report_submitted", "report_returned", "report_accepted", "report_reopened")
REMINDERS_KIND = "reminders"  # the reminder runs' e-mails (reporting.delivery.reminders), each one also notified


def _agency_staff(report: Report):
    return User.objects.filter(agency=report.agency, is_active=True, groups__name=Role.AGENCY_STAFF).distinct()


def _agency_recipients(report: Report) -> dict[str, set[str]]:
    """Addresses grouped by language: the agency's staff in their own language, contact addresses in Vietnamese."""
    by_language = defaultdict(set)
    for user in _agency_staff(report).exclude(email=""):
        by_language[user.language].add(user.email)
    known = set().union(*by_language.values()) if by_language else set()
    for address in report.agency.email_list():
        if address not in known:
            by_language["vi"].add(address)
    return by_language


def _event_context(report_id: int) -> tuple[Report, dict]:
    report = Report.objects.select_related("period__plan", "agency", "submitted_by", "reviewed_by").get(pk=report_id)
    return report, {"report": report, "url": reverse("report_detail", args=[report.pk])}


def report_event_mails(*, kind: str, report_id: int) -> list:
    """The e-mails for one report event, one per language of its recipients (sent by reporting.delivery.outbox)."""
    report, context = _event_context(report_id)
    return [build_mail(kind, context, to=sorted(addresses), language=language)
            for language, addresses in sorted(_agency_recipients(report).items()) if addresses]


def report_event_notify(*, kind: str, report_id: int) -> list[Notification]:
    """The in-app notifications of one report event: the e-mail's subject and text, for each of the agency's staff
    in their own language (with or without an e-mail address), linking to the report."""
    report, context = _event_context(report_id)
    rendered: dict[str, tuple[str, str, str]] = {}
    notifications = []
    for user in _agency_staff(report):
        if user.language not in rendered:
            rendered[user.language] = render_mail(kind, context, user.language)
        subject, text, _html = rendered[user.language]
        notifications.append(Notification(user=user, kind=kind, subject=subject[:255], body=text, url=context["url"]))
    return Notification.objects.bulk_create(notifications)
