"""The periodic jobs (declared in reporting/schedule.py), written into django-celery-beat's database scheduler."""
from django.db import migrations


def create_jobs(apps, schema_editor):
    from reporting.delivery.schedule import sync_schedule

    sync_schedule(apps.get_model("django_celery_beat", "PeriodicTask"), apps.get_model("django_celery_beat", "CrontabSchedule"))


def remove_jobs(apps, schema_editor):
    from reporting.delivery.schedule import JOBS

    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task__in=[j[1] for j in JOBS]).delete()


class Migration(migrations.Migration):
    dependencies = [("reporting", "0002_reminders_synthesis"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(create_jobs, remove_jobs)]
