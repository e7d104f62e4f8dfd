"""Celery jobs. Each takes ids or a date, calls one service, and returns a small result.

Every job keeps the name it had when it lived in reporting/tasks.py ("reporting.tasks.<job>"): the schedule in the
database (django-celery-beat) and messages already queued name jobs that way. Code that must queue a job from a room
below this one (the outbox, in reporting.delivery.outbox) does so by that name.
"""
import datetime
import logging
import smtplib

from celery import shared_task
from django.utils import timezone

from agencies.models import Agency
from reporting.cycle.services import periods_recompute_all, reports_open_due
from reporting.delivery.accounts import account_mail_deliver, account_mails_flush
from reporting.delivery.outbox import outbox_deliver, outbox_flush
from reporting.delivery.reminders import reminders_send_due, reminders_send_now, reminders_sweep
from reporting.models import ReportingPeriod
from reporting.synthesis.build import syntheses_build_due, synthesis_build
from tasks.models import Task

log = logging.getLogger(__name__)
NAME = "reporting.tasks.{job}"


def _day(today: str | None) -> datetime.date:
    return datetime.date.fromisoformat(today) if today else timezone.localdate()


# one e-mail job is retried when the mail server or the network is down: from 30 s backing off to 30 min, 8 times
MAIL_RETRIES = {"autoretry_for": (OSError, smtplib.SMTPException), "retry_backoff": 30, "retry_backoff_max": 1800,
                "retry_jitter": True, "max_retries": 8}


@shared_task(name=NAME.format(job="worker_health"), ignore_result=False)
def worker_health() -> dict:
    """A round trip through broker, worker and database; `check_worker` and the tests use it."""

    return {"agencies": Agency.objects.count(), "tasks": Task.objects.count()}


@shared_task(name=NAME.format(job="deliver_outbox_message"), **MAIL_RETRIES)
def deliver_outbox_message(message_id: int) -> bool:
    """E-mail the people concerned about a report's submission, return or acceptance. Retried when mail is down."""

    return outbox_deliver(message_id=message_id)


@shared_task(name=NAME.format(job="deliver_account_mail"), **MAIL_RETRIES)
def deliver_account_mail(mail_id: int) -> bool:
    """E-mail a person their invitation or password reset link (agencies.accounts). Retried when mail is down."""

    return account_mail_deliver(mail_id=mail_id)


@shared_task(name=NAME.format(job="flush_outbox"))
def flush_outbox() -> dict:
    """Every few minutes: send what waited in the outbox while the broker or the mail server was down (report
    events and account e-mails alike)."""

    report_events, accounts = outbox_flush(), account_mails_flush()
    return {key: report_events[key] + accounts[key] for key in ("sent", "failed")}


@shared_task(name=NAME.format(job="open_periods"))
def open_periods(today: str | None = None) -> int:

    periods_recompute_all()
    return reports_open_due(today=_day(today))


@shared_task(name=NAME.format(job="send_reminders"), bind=True, max_retries=6)
def send_reminders(self, today: str | None = None) -> dict:
    """Daily reminders; reminders whose e-mail failed are retried with backoff (sent ones are never sent again).
    Claims held by a run that died are not this job's business: `sweep_reminders` sends them once stale."""

    result = reminders_send_due(today=_day(today))
    if result["failed"]:
        log.warning("Reminders: %s e-mail(s) failed, retrying", result["failed"])
        raise self.retry(countdown=min(60 * 2 ** self.request.retries, 3600), kwargs={"today": result["date"]})
    return result


@shared_task(name=NAME.format(job="sweep_reminders"))
def sweep_reminders() -> dict:
    """Every minute: the reminders a worker that died had claimed go out (reporting.delivery.outbox, rule 3)."""

    return reminders_sweep()


@shared_task(name=NAME.format(job="build_syntheses"))
def build_syntheses(today: str | None = None) -> list[int]:

    return syntheses_build_due(today=_day(today))


@shared_task(name=NAME.format(job="build_synthesis"))
def build_synthesis(period_id: int) -> int:
    """On demand, from the DFA's synthesis page (which polls the stored progress)."""

    return synthesis_build(period=ReportingPeriod.objects.get(pk=period_id)).pk


@shared_task(name=NAME.format(job="remind_now"), bind=True, max_retries=6)
def remind_now(self, period_id: int, agency_ids: list[int] | None, today: str) -> dict:
    """The DFA's "remind now" on the dashboard (exactly once per recipient and day)."""

    result = reminders_send_now(
        period=ReportingPeriod.objects.get(pk=period_id), today=_day(today), agency_ids=agency_ids
    )
    if result["failed"]:
        raise self.retry(countdown=min(60 * 2 ** self.request.retries, 3600))
    return result
