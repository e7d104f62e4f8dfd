"""Who hears about what, in which language."""
from collections import defaultdict

from django.urls import reverse

from agencies.models import Role, User
from reporting.delivery.mail import build_mail
from reporting.models import Report


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


def report_event_mails(*, kind: str, report_id: int) -> list:
    """The e-mails for one report event, one per language of its recipients (sent by reporting.delivery.outbox)."""
    report = Report.objects.select_related("period__plan", "agency", "submitted_by", "reviewed_by").get(pk=report_id)
    context = {"report": report, "url": reverse("report_detail", args=[report.pk])}
    return [build_mail(kind, context, to=sorted(addresses), language=language)
            for language, addresses in sorted(_agency_recipients(report).items()) if addresses]
