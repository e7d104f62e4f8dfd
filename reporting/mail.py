"""E-mails rendered in each recipient's language, text and HTML, from templates/emails/<name>_{subject,body}.*"""
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

log = logging.getLogger(__name__)


def render_mail(name: str, context: dict, language: str) -> tuple[str, str, str]:
    with translation.override(language):
        context = {**context, "SITE_URL": settings.SITE_URL}
        subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
        text = render_to_string(f"emails/{name}_body.txt", context)
        html = render_to_string(f"emails/{name}_body.html", context)
    return subject, text, html


def build_mail(name: str, context: dict, *, to: list[str], cc: list[str] = (), language: str = "vi") -> EmailMultiAlternatives:
    subject, text, html = render_mail(name, context, language)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to=list(to), cc=list(cc))
    message.attach_alternative(html, "text/html")
    return message
