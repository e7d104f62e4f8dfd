"""Lateness is no longer stored: it follows from the first submission and the deadline in force (reporting.metrics).

A stored "days late" was overwritten by every resubmission (a report sent on time, returned and sent again became
late) and went stale when a deadline moved. Reports sent before `first_submitted_at` was kept get it from their
first version.
"""
from django.db import migrations
from django.db.models import F, Min, OuterRef, Subquery


def fill_first_submission(apps, schema_editor):
    Report = apps.get_model("reporting", "Report")
    ReportVersion = apps.get_model("reporting", "ReportVersion")
    first = ReportVersion.objects.filter(report=OuterRef("pk")).values("report").annotate(at=Min("submitted_at")).values("at")
    Report.objects.filter(first_submitted_at__isnull=True, submitted_at__isnull=False).update(first_submitted_at=Subquery(first))
    Report.objects.filter(first_submitted_at__isnull=True, submitted_at__isnull=False).update(
        first_submitted_at=F("submitted_at"))


class Migration(migrations.Migration):
    dependencies = [("reporting", "0009_sort_agencies_in_vietnamese_order")]

    operations = [
        migrations.RunPython(fill_first_submission, migrations.RunPython.noop),
        migrations.RemoveField(model_name="report", name="days_late"),
        migrations.RemoveField(model_name="reportevent", name="days_late"),
    ]
