"""E-mails rendered in each recipient's language, text and HTML, from templates/emails/<name>_{subject,body}.*"""
import logging
import smtplib
import socket
import uuid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.template.loader import render_to_string
from django.utils import translation

from agencies.text import safe_text

log = logging.getLogger(__name__)


class Mail(EmailMultiAlternatives):
    """Text and HTML, with a random MIME boundary chosen here: left to itself, the standard library compiles a new
    regular expression for every message to check its own boundary against the body (about a quarter of the cost of
    writing a reminder out). A 128-bit random boundary cannot be expected to occur in the encoded parts."""

    def message(self):
        message = super().message()
        if message.is_multipart():
            message.set_boundary(f"=_plan119_{uuid.uuid4().hex}")
        return message


def render_mail(name: str, context: dict, language: str) -> tuple[str, str, str]:
    """Subject, text and HTML through the one sanitiser (agencies/text.py): names and titles in them were typed by
    people. The subject is one line, whatever was typed: a line break in a header would be refused (header injection)."""
    with translation.override(language):
        context = {**context, "SITE_URL": settings.SITE_URL}
        subject = " ".join(safe_text(render_to_string(f"emails/{name}_subject.txt", context)).split())
        text = safe_text(render_to_string(f"emails/{name}_body.txt", context))
        html = safe_text(render_to_string(f"emails/{name}_body.html", context))
    return subject, text, html


def build_mail(name: str, context: dict, *, to: list[str], cc: list[str] = (), language: str = "vi") -> Mail:
    return compose_mail(render_mail(name, context, language), to=to, cc=cc)


def compose_mail(rendered: tuple[str, str, str], *, to: list[str], cc: list[str] = ()) -> Mail:
    """The message for already rendered (subject, text, html): identical e-mails to many people are rendered once."""
    subject, text, html = rendered
    message = Mail(subject, text, settings.DEFAULT_FROM_EMAIL, to=list(to), cc=list(cc))
    message.attach_alternative(html, "text/html")
    return message


class _MarkBeforeAccept:
    """smtplib.SMTP that runs `before_accept()` once the message body has gone out, before the final "." with
    which the mail server accepts it. If the callback raises, the "." is never sent and the server drops the message.
    """

    before_accept = None

    def connect(self, *args, **kwargs):
        reply = super().connect(*args, **kwargs)
        # the "." goes out as its own small packet right after the body: without this, Nagle's algorithm holds it
        # until the server acknowledges the body, which a delayed ACK puts off by up to 40 ms per message
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reply

    def send(self, s):
        hook = self.before_accept
        if hook is not None and isinstance(s, bytes) and s.endswith(b"\r\n.\r\n"):
            self.before_accept = None
            super().send(s[:-3])
            hook()
            return super().send(s[-3:])
        return super().send(s)


class _MarkingSMTP(_MarkBeforeAccept, smtplib.SMTP):
    pass


class _MarkingSMTP_SSL(_MarkBeforeAccept, smtplib.SMTP_SSL):
    pass


class MarkingSMTPBackend(SMTPBackend):
    """Django's SMTP backend, with `send_marking(message, mark)`: `mark()` runs while the server waits for the end of
    the message. Reminders are marked sent at that moment, so that a worker killed at any instant cannot leave a
    message the server accepted unmarked (the next run would send it again); the price is that a kill in the
    instant between the mark and the "." loses that one message instead."""

    @property
    def connection_class(self):
        return _MarkingSMTP_SSL if self.use_ssl else _MarkingSMTP

    def send_marking(self, message, mark) -> None:
        self.open()
        self.connection.before_accept = mark
        try:
            message.connection = self
            message.send()
        finally:
            if self.connection is not None:
                self.connection.before_accept = None


def open_marking_connection():
    """A connection for mail that must be marked before the server accepts it: the marking SMTP backend when the
    project sends through SMTP, else the configured backend (files, memory), whose messages are marked after."""
    if settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
        return get_connection("reporting.delivery.mail.MarkingSMTPBackend")
    return get_connection()
