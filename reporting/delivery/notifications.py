"""Who hears about what, in which language: by e-mail and, for every person with an account, in the app."""
from collections import defaultdict

from django.db.models import QuerySet
from django.urls import reverse

from agencies.models import Role, User
from reporting.delivery.mail import build_mail, render_mail
from reporting.models import DeadlineExtension, ExtensionState, Notification, Report

EXTENSION_KINDS = ("extension_requested", "extension_granted", "extension_refused")
# Every report event that e-mails someone (templates/emails/<kind>_*), and so also tells them in the app.
# reporting.delivery.outbox.outbox_record refuses any other kind: a new e-mail cannot forget the notification.
REPORT_EVENT_KINDS = ("report_submitted", "report_returned", "report_accepted", "report_reopened", *EXTENSION_KINDS)
REMINDERS_KIND = "reminders"  # the reminder runs' e-mails (reporting.delivery.reminders), each one also notified
# The report events told to the DFA (a request waits for its decision); every other one is told to the agency.
TO_DFA = frozenset({"extension_requested"})


def agency_staff(agency_ids) -> QuerySet:
    """The active staff accounts of these agencies: whom report events and reminders are told to."""
    return User.objects.filter(agency_id__in=agency_ids, is_active=True, groups__name=Role.AGENCY_STAFF).distinct()


def dfa_officers() -> QuerySet:
    """The active DFA officers: whom a request for a decision and the morning digest are told to."""
    return User.objects.filter(is_active=True, groups__name=Role.DFA_OFFICER).distinct()


def _by_language(users: QuerySet) -> defaultdict[str, set[str]]:
    by_language = defaultdict(set)
    for user in users.exclude(email=""):
        by_language[user.language].add(user.email)
    return by_language


def _agency_recipients(report: Report) -> dict[str, set[str]]:
    """Addresses grouped by language: the agency's staff in their own language, contact addresses in Vietnamese."""
    by_language = _by_language(agency_staff([report.agency_id]))
    known = set().union(*by_language.values()) if by_language else set()
    for address in report.agency.email_list():
        if address not in known:
            by_language["vi"].add(address)
    return by_language


def _dfa_recipients() -> dict[str, set[str]]:
    return _by_language(dfa_officers())


def _extension_of(kind: str, report: Report) -> DeadlineExtension | None:
    """The extension an event is about: the waiting request, or the latest decision of its kind."""
    if kind == "extension_requested":
        return report.extensions.filter(state=ExtensionState.REQUESTED).first()
    state = ExtensionState.GRANTED if kind == "extension_granted" else ExtensionState.REFUSED
    return report.extensions.filter(state=state).order_by("-decided_at", "-pk").first()


def _context(kind: str, report: Report) -> dict:
    context = {"report": report, "url": reverse("report_detail", args=[report.pk])}
    if kind in EXTENSION_KINDS:
        context["extension"] = _extension_of(kind, report)
    return context


def _report(report_id: int) -> Report:
    return Report.objects.select_related("period__plan", "agency", "submitted_by", "reviewed_by").get(pk=report_id)


def report_event_mails(*, kind: str, report_id: int) -> list:
    """The e-mails for one report event, one per language of its recipients (sent by reporting.delivery.outbox)."""
    report = _report(report_id)
    context = _context(kind, report)
    recipients = _dfa_recipients() if kind in TO_DFA else _agency_recipients(report)
    return [build_mail(kind, context, to=sorted(addresses), language=language)
            for language, addresses in sorted(recipients.items()) if addresses]


def report_event_notify(*, kind: str, report_id: int) -> list[Notification]:
    """The in-app notifications of one report event, in the same words as its e-mail, for every person with an
    account it concerns, each in their own language (an account without an e-mail address is told in the app only),
    linking to the report."""
    report = _report(report_id)
    users = list(dfa_officers() if kind in TO_DFA else agency_staff([report.agency_id]))
    context = _context(kind, report)
    rendered: dict[str, tuple[str, str, str]] = {}
    notifications = []
    for user in users:
        if user.language not in rendered:
            rendered[user.language] = render_mail(kind, context, user.language)
        subject, text, _html = rendered[user.language]
        notifications.append(Notification(user=user, kind=kind, subject=subject[:255], body=text, url=context["url"]))
    return Notification.objects.bulk_create(notifications)
