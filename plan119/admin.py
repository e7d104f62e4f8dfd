"""django-celery-beat's admin with Vietnamese headings: a few of its labels are not marked for translation (the task
field's verbose name "Task Name", the "Scheduler" and "Human readable" columns), so the admin classes that show them
are registered again here with translated labels; everything else is theirs, translated in locale/vi."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import ClockedSchedule, CrontabSchedule, IntervalSchedule, PeriodicTask, SolarSchedule

TASK_NAME = _("Celery task")


class TaskNameFilter(admin.AllValuesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = TASK_NAME


class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin):
    list_display = ("name", "enabled", "schedule", "interval", "start_time", "last_run_at", "one_off")
    list_filter = ["enabled", "one_off", ("task", TaskNameFilter), "start_time", "last_run_at"]

    @admin.display(description=_("Schedule"))
    def schedule(self, obj):
        return obj.scheduler

    @admin.display(description=_("Schedule in words"))
    def crontab_translation(self, obj):
        return super().crontab_translation(obj)


class PeriodicTaskInline(beat_admin.PeriodicTaskInline):
    fields = ("name", "task_name", "args", "kwargs")
    readonly_fields = fields

    @admin.display(description=TASK_NAME)
    def task_name(self, obj):
        return obj.task


class ScheduleAdmin(beat_admin.ScheduleAdmin):
    inlines = [PeriodicTaskInline]


class ClockedScheduleAdmin(ScheduleAdmin, beat_admin.ClockedScheduleAdmin):
    pass


class CrontabScheduleAdmin(ScheduleAdmin, beat_admin.CrontabScheduleAdmin):
    list_display = ("__str__", "human_readable")

    @admin.display(description=_("Schedule in words"))
    def human_readable(self, obj):
        return obj.human_readable


class SolarScheduleAdmin(ScheduleAdmin, beat_admin.SolarScheduleAdmin):
    pass


class IntervalScheduleAdmin(ScheduleAdmin, beat_admin.IntervalScheduleAdmin):
    pass


for model, model_admin in ((PeriodicTask, PeriodicTaskAdmin), (ClockedSchedule, ClockedScheduleAdmin),
                           (CrontabSchedule, CrontabScheduleAdmin), (SolarSchedule, SolarScheduleAdmin),
                           (IntervalSchedule, IntervalScheduleAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
