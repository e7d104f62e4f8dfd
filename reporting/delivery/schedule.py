"""Every periodic job, declared here once. The data migration 0003_schedule writes them into django-celery-beat's
tables, where an admin can change the time or pause a job. Times are Asia/Ho_Chi_Minh."""

JOBS = [
    # name, Celery task, hour, minute (crontab fields)
    ("Mở kỳ báo cáo / Open reporting periods", "reporting.tasks.open_periods", "8", "0"),
    ("Gửi nhắc hạn / Send reminders", "reporting.tasks.send_reminders", "8", "0"),
    ("Dựng báo cáo tổng hợp (05–15/11) / Build syntheses", "reporting.tasks.build_syntheses", "8", "0"),
    # not a daily job: the safety net that delivers e-mails queued while the broker was down
    ("Gửi thư còn chờ / Flush the e-mail outbox", "reporting.tasks.flush_outbox", "*", "*/5"),
    # nor this: reminders a dead worker had claimed go out within minutes (reporting.delivery.outbox, rule 3)
    ("Gửi nốt thư nhắc dở dang / Sweep unsent reminder claims", "reporting.tasks.sweep_reminders", "*", "*"),
]
TIME_ZONE = "Asia/Ho_Chi_Minh"


def sync_schedule(PeriodicTask, CrontabSchedule) -> None:
    """Create the jobs that are missing; leave alone what an admin changed (time, enabled)."""
    for name, task, hour, minute in JOBS:
        if PeriodicTask.objects.filter(task=task).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=str(minute), hour=str(hour), day_of_week="*", day_of_month="*", month_of_year="*", timezone=TIME_ZONE
        )
        PeriodicTask.objects.create(name=name, task=task, crontab=crontab, enabled=True)
