from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from agencies.sheets import FILE_MAX_BYTES, ImportFileError
from reporting.cycle.reorganisation import reorganisation_apply
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
from tasks.models import DeadlineRule, DraftHandling, Reorganisation, ReorganisationChange
from tasks.reorganisation import reorganisation_read, reorganisation_record


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


# --- Reorganisations (registered here: the preview and the apply step handle reports; see cycle/reorganisation.py) ---

class ReorganisationUploadForm(forms.Form):
    file = forms.FileField(label=_("File (CSV or XLSX)"))
    title = forms.CharField(label=_("title"), max_length=255, required=False,
                            help_text=_("Empty: the file's “Căn cứ” column."))


class DraftHandlingForm(forms.Form):
    drafts = forms.ChoiceField(label=_("open drafts of the bodies that end"), choices=DraftHandling.choices,
                               initial=DraftHandling.MOVE, widget=forms.RadioSelect)


class ReorganisationChangeInline(admin.TabularInline):
    model = ReorganisationChange
    extra = 1
    fields = ("position", "action", "code", "name", "name_en", "kind", "predecessors", "tasks")

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj and obj.is_applied)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and obj.is_applied)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_applied)


@admin.register(Reorganisation)
class ReorganisationAdmin(SimpleHistoryAdmin):
    """Reorganisations: uploaded as a file or entered here, previewed, applied once, kept as history."""

    list_display = ("title", "effective_on", "applied_at", "applied_by", "drafts")
    list_filter = ("effective_on",)
    readonly_fields = ("created_at", "created_by", "applied_at", "applied_by", "drafts", "summary")
    inlines = [ReorganisationChangeInline]
    change_form_template = "admin/tasks/reorganisation/change_form.html"
    change_list_template = "admin/tasks/reorganisation/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        if obj and obj.is_applied:
            return ("title", "effective_on", *self.readonly_fields)
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_applied)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def get_urls(self):
        return [path("upload/", self.admin_site.admin_view(self.upload_view), name="tasks_reorganisation_upload"),
                path("<int:pk>/preview/", self.admin_site.admin_view(self.preview_view),
                     name="tasks_reorganisation_preview"),
                *super().get_urls()]

    def _context(self, request, title: str) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title,
                "max_mb": FILE_MAX_BYTES // (1024 * 1024)}

    def upload_view(self, request):
        """Check a file row by row; a file without errors becomes a reorganisation, not yet applied, and its
        preview follows."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = self._context(request, gettext("Upload a reorganisation"))
        form = ReorganisationUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:  # a file over the limit is refused by the reader (agencies.sheets), from its first bytes too many
                parsed = reorganisation_read(data=upload.read(FILE_MAX_BYTES + 1))
            except ImportFileError as error:
                form.add_error("file", str(error))
            else:
                if not parsed.has_errors:
                    reorganisation = reorganisation_record(parsed=parsed, title=form.cleaned_data["title"],
                                                           by=request.user)
                    return redirect("admin:tasks_reorganisation_preview", pk=reorganisation.pk)
                context["parsed"] = parsed
        context["form"] = form
        return TemplateResponse(request, "admin/tasks/reorganisation/upload.html", context)

    def preview_view(self, request, pk: int):
        """What applying would do (the apply step rolled back); POST applies it, in one transaction."""
        reorganisation = get_object_or_404(Reorganisation, pk=pk)
        if not self.has_change_permission(request, reorganisation):
            raise PermissionDenied
        form = DraftHandlingForm(request.POST or request.GET or None)
        drafts = form.cleaned_data["drafts"] if form.is_valid() else DraftHandling.MOVE
        if request.method == "POST" and "apply" in request.POST and form.is_valid():
            result = reorganisation_apply(reorganisation=reorganisation, drafts=drafts, by=request.user)
            if result.applied:
                self.message_user(request, gettext("The reorganisation “%(title)s” was applied.") % {
                    "title": reorganisation}, messages.SUCCESS)
                return redirect("admin:tasks_reorganisation_change", reorganisation.pk)
        result = reorganisation_apply(reorganisation=reorganisation, drafts=drafts, dry_run=True)
        context = self._context(request, gettext("Preview: %(title)s") % {"title": reorganisation})
        context.update({"reorganisation": reorganisation, "result": result,
                        "form": form if form.is_bound else DraftHandlingForm()})
        return TemplateResponse(request, "admin/tasks/reorganisation/preview.html", context)
