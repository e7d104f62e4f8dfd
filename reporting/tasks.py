"""Celery jobs. Each takes ids or dates, calls one service, and returns a small result."""
import smtplib

from celery import shared_task


@shared_task
def worker_health() -> dict:
    """A round trip through broker, worker and database; `check_worker` and the tests use it."""
    from agencies.models import Agency
    from tasks.models import Task

    return {"agencies": Agency.objects.count(), "tasks": Task.objects.count()}


@shared_task(
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=8,
)
def notify_report_event(kind: str, report_id: int) -> int:
    """E-mail the people concerned about a report's submission, return or acceptance. Retried when mail is down."""
    from .notifications import report_event_send

    return report_event_send(kind=kind, report_id=report_id)
