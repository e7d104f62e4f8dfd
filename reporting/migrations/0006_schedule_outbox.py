"""Adds the outbox job to the declared schedule (reporting/schedule.py); existing jobs are left as admins set them."""
from django.db import migrations


def create_jobs(apps, schema_editor):
    from reporting.delivery.schedule import sync_schedule

    sync_schedule(apps.get_model("django_celery_beat", "PeriodicTask"), apps.get_model("django_celery_beat", "CrontabSchedule"))


class Migration(migrations.Migration):
    dependencies = [("reporting", "0005_outbox")]
    operations = [migrations.RunPython(create_jobs, migrations.RunPython.noop)]
