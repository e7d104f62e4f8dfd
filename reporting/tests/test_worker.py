"""A Celery task round-trips through a real worker and broker (Redis when REDIS_URL is set, else the filesystem
broker)."""
import os

import pytest
from django.conf import settings
from django.db import connection

from conftest import require_service


@pytest.fixture
def live_worker(transactional_db):
    import celery.contrib.testing.tasks  # noqa: F401  registers celery.ping for the ping check
    from celery.contrib.testing.worker import start_worker

    from plan119.celery import app

    app.conf.task_always_eager = False
    # no ping check: results are ignored by default (CELERY_TASK_IGNORE_RESULT); worker_health keeps its result
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10) as worker:
        yield worker


def test_task_round_trip_through_a_real_worker(live_worker, transactional_db):
    from agencies.models import Agency
    from agencies.tests.factories import AgencyFactory
    from reporting.delivery.tasks import worker_health
    from tasks.models import Task

    AgencyFactory()
    result = worker_health.delay().get(timeout=20)
    assert result == {"agencies": Agency.objects.count(), "tasks": Task.objects.count()}


def test_broker_is_redis_when_configured():
    require_service(bool(os.environ.get("REDIS_URL")), "REDIS_URL is not set: Celery runs on the filesystem broker")
    import redis

    assert settings.CELERY_BROKER_URL.startswith("redis")
    assert redis.Redis.from_url(os.environ["REDIS_URL"]).ping()


@pytest.mark.django_db
def test_database_is_postgresql_when_configured():
    require_service(
        os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql")),
        "DATABASE_URL does not name PostgreSQL: tests run on SQLite",
    )
    assert connection.vendor == "postgresql"
