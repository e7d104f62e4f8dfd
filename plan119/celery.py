"""The Celery app. Jobs live in reporting/delivery/tasks.py; their schedule is declared in one place (see reporting)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plan119.settings")

app = Celery("plan119")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["reporting.delivery"])
