from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from reporting.cycle.services import (
    day_off_save,
    days_off_delete,
    deadline_rule_save,
    period_update,
    report_save_edited,
)
from reporting.models import (
    Attachment,
    DayOff,
    DeadlineExtension,
    Difficulty,
    DifficultyResponse,
    Notification,
    OutboxMessage,
    Reminder,
    ReminderSettings,
    Report,
    ReportEvent,
    ReportingPeriod,
    ReportSection,
)
from tasks.models import DeadlineRule


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(SimpleHistoryAdmin):
    """Dates are computed from the plan's rules; fill an override to change one year only."""

    list_display = ("plan", "year", "opens_on", "agency_due", "synthesis_due", "status")
    list_filter = ("plan", "status")
    readonly_fields = ("opens_on", "agency_due", "synthesis_due", "covers_from", "covers_to", "closed_at", "closed_by")
    fields = ("plan", "year", "status", "opens_on_override", "agency_due_override",
              "synthesis_due_override") + readonly_fields

    def has_add_permission(self, request):
        return False  # one period per plan year is created from the plan's rules (open_periods)

    def get_readonly_fields(self, request, obj=None):
        return ("plan", "year") + self.readonly_fields

    def save_model(self, request, obj, form, change):
        period_update(period=obj, user=request.user, status=obj.status, opens_on=obj.opens_on_override,
                      agency_due=obj.agency_due_override, synthesis_due=obj.synthesis_due_override)


@admin.register(DayOff)
class DayOffAdmin(SimpleHistoryAdmin):
    list_display = ("date", "name")

    def save_model(self, request, obj, form, change):
        day_off_save(day_off=obj)

    def delete_model(self, request, obj):
        days_off_delete(days_off=[obj])

    def delete_queryset(self, request, queryset):
        days_off_delete(days_off=queryset)


# Registered here rather than in tasks/admin.py: saving a rule recomputes the reporting periods' dates
# (reporting.cycle.services.deadline_rule_save), and tasks may not import reporting (agencies → tasks → reporting).
@admin.register(DeadlineRule)
class DeadlineRuleAdmin(SimpleHistoryAdmin):
    """Changing a rule recomputes the due dates of every period not yet closed."""

    list_display = ("plan", "kind", "day", "month", "move_to_working_day")
    list_filter = ("plan", "kind")

    def save_model(self, request, obj, form, change):
        deadline_rule_save(rule=obj)


class ReportSectionInline(admin.StackedInline):
    model = ReportSection
    extra = 0
    fields = ("task", "role", "requested", "progress", "results", "difficulties", "proposals", "review_comment")
    readonly_fields = ("task", "role", "requested")
    can_delete = False


class ReportEventInline(admin.TabularInline):
    model = ReportEvent
    extra = 0
    readonly_fields = ("kind", "actor", "at", "version", "comment", "extension")
    can_delete = False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("agency", "period", "status", "version", "first_submitted_at", "submitted_at", "lateness",
                    "expected")
    list_filter = ("period", "status", "expected", "agency__kind")
    search_fields = ("agency__name", "agency__code")
    list_select_related = ("agency", "period", "period__plan")
    # extended_due is written by the DFA's grant only (reporting.cycle.extensions), never by hand
    readonly_fields = ("version", "lock_version", "first_submitted_at", "submitted_at", "submitted_by", "lateness",
                       "extended_due", "reviewed_at", "reviewed_by", "created_at", "updated_at", "updated_by")
    inlines = [ReportSectionInline, ReportEventInline]

    @admin.display(description=_("days late (first submission)"))
    def lateness(self, obj):
        return obj.days_late

    def save_model(self, request, obj, form, change):
        report_save_edited(report=obj)  # sections edited inline are saved after it, in the same request


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("original_name", "report", "section", "kind", "size", "uploaded_at")
    list_select_related = ("report__agency", "report__period", "section__task")
    readonly_fields = ("file", "kind", "size", "uploaded_by", "uploaded_at")


class DifficultyResponseInline(admin.TabularInline):
    model = DifficultyResponse
    extra = 0


@admin.register(Difficulty)
class DifficultyAdmin(admin.ModelAdmin):
    list_display = ("title", "agency", "task", "kind", "status", "raised_at")
    list_filter = ("status", "kind", "agency__kind")
    search_fields = ("title", "text", "agency__name")
    list_select_related = ("agency", "task")
    inlines = [DifficultyResponseInline]


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(SimpleHistoryAdmin):
    """The reminder offsets (one row)."""

    list_display = ("__str__", "before_deadline", "overdue_first", "overdue_every", "escalate_after",
                    "synthesis_before")

    def has_add_permission(self, request):
        return not ReminderSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the app writes itself: shown, never added or edited by hand."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    """What the scheduler sent, read-only: the record that makes each reminder go out once."""

    list_display = ("recipient", "kind", "offset", "period", "claimed_at", "sent_at", "failed_at", "attempts")
    list_filter = ("kind", "period", "sent_at")
    search_fields = ("recipient",)
    list_select_related = ("period", "period__plan")


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Extension requests and the DFA's decisions, read-only: they are made on the report's page."""

    list_display = ("report", "proposed_date", "state", "granted_date", "requested_at", "decided_at")
    list_filter = ("state", "report__period")
    search_fields = ("report__agency__name", "report__agency__code")
    list_select_related = ("report__agency", "report__period__plan")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("kind", "report", "created_at", "sent_at", "attempts")
    list_filter = ("kind", "sent_at")
    list_select_related = ("report__agency", "report__period")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("subject", "user", "created_at", "read_at")
    search_fields = ("subject", "user__username")
    list_select_related = ("user",)
