"""Celery jobs. Each takes ids or dates, calls one service or selector, and returns a small result."""
from celery import shared_task


@shared_task
def worker_health() -> dict:
    """A round trip through broker, worker and database; `check_worker` and the tests use it."""
    from agencies.models import Agency
    from tasks.models import Task

    return {"agencies": Agency.objects.count(), "tasks": Task.objects.count()}
