"""E-mails rendered in each recipient's language, text and HTML, from templates/emails/<name>_{subject,body}.*

Rendering only: they are sent by reporting.delivery.outbox.deliver, the one way e-mail leaves the app."""
import logging
import uuid
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from agencies.text import safe_text

log = logging.getLogger(__name__)


class Mail(EmailMultiAlternatives):
    """Text and HTML, with a random MIME boundary chosen here: left to itself, the standard library compiles a new
    regular expression for every message to check its own boundary against the body, a cost paid again for each of a
    reminder run's thousands of messages (see bench/README.md, "Identical e-mails rendered once"). A 128-bit
    random boundary cannot be expected to occur in the encoded parts."""

    def message(self):
        message = super().message()
        if message.is_multipart():
            message.set_boundary(f"=_plan119_{uuid.uuid4().hex}")
        return message


def render_mail(name: str, context: dict, language: str) -> tuple[str, str, str]:
    """Subject, text and HTML through the one sanitiser (agencies/text.py): names and titles in them were typed by
    people. The subject is one line, whatever was typed: a line break in a header would be refused (header
    injection)."""
    with translation.override(language):
        context = {**context, "SITE_URL": settings.SITE_URL}
        subject = " ".join(safe_text(render_to_string(f"emails/{name}_subject.txt", context)).split())
        text = safe_text(render_to_string(f"emails/{name}_body.txt", context))
        html = safe_text(render_to_string(f"emails/{name}_body.html", context))
    return subject, text, html


def build_mail(name: str, context: dict, *, to: Sequence[str], cc: Sequence[str] = (), language: str = "vi") -> Mail:
    return compose_mail(render_mail(name, context, language), to=to, cc=cc)


def compose_mail(rendered: tuple[str, str, str], *, to: Sequence[str], cc: Sequence[str] = ()) -> Mail:
    """The message for already rendered (subject, text, html): identical e-mails to many people are rendered once."""
    subject, text, html = rendered
    message = Mail(subject, text, settings.DEFAULT_FROM_EMAIL, to=list(to), cc=list(cc))
    message.attach_alternative(html, "text/html")
    return message
