"""Admin for plans, tasks, assignments, and agencies (registered here because a merge moves assignments).

Deadline rules are registered in reporting/admin.py: saving one recomputes the reporting periods."""
from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from agencies.models import Agency

from .models import Assignment, Indicator, Plan, PlanSection, Task, TaskGroup
from .services import agency_merge, agency_save, assignment_save, assignments_sync_for_task


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ("agency",)
    fields = ("agency", "role", "requested", "source", "basis")
    readonly_fields = ("source",)


class AgencyAssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ("task",)
    fields = ("task", "role", "requested", "source", "basis")
    readonly_fields = ("source",)
    verbose_name_plural = _("assigned tasks")


class _NewAssignmentsAreAdmins:
    """Assignments an admin adds by hand carry the source 'added by an admin'."""

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for instance in instances:
            if isinstance(instance, Assignment):
                assignment_save(assignment=instance, by_hand=True)
            else:
                instance.save()
        formset.save_m2m()


class MergeForm(forms.Form):
    successor = forms.ModelChoiceField(queryset=Agency.objects.active(), label=_("Merge into"))
    on = forms.DateField(label=_("Merged on"), initial=timezone.localdate)


@admin.register(Agency)
class AgencyAdmin(_NewAssignmentsAreAdmins, SimpleHistoryAdmin):
    list_display = ("code", "name", "name_en", "kind", "active", "merged_into")
    list_filter = ("kind", "active")
    search_fields = ("code", "name", "name_en")
    list_select_related = ("merged_into",)
    autocomplete_fields = ("merged_into",)
    inlines = [AgencyAssignmentInline]
    actions = ["merge_agencies"]

    def save_model(self, request, obj, form, change):
        added = agency_save(agency=obj)
        if added:
            self.message_user(
                request,
                ngettext(
                    "%(count)d task given to all departments and local People's Committees was assigned to this "
                    "agency.",
                    "%(count)d tasks given to all departments and local People's Committees were assigned to this "
                    "agency.",
                    added,
                )
                % {"count": added},
            )

    @admin.action(description=_("Merge the selected agencies into another agency"))
    def merge_agencies(self, request, queryset):
        if "apply" in request.POST:
            form = MergeForm(request.POST)
            if form.is_valid():
                successor = form.cleaned_data["successor"]
                if queryset.filter(pk=successor.pk).exists():
                    self.message_user(request, _("An agency cannot be merged into itself."), messages.ERROR)
                    return None
                with transaction.atomic():
                    for agency in queryset:
                        result = agency_merge(agency=agency, successor=successor, on=form.cleaned_data["on"])
                        self.message_user(
                            request,
                            _("%(agency)s merged into %(successor)s: %(moved)d assignments moved, "
                              "%(combined)d combined, %(users)d users moved.")
                            % {"agency": agency, "successor": successor, **result},
                        )
                return None
        else:
            form = MergeForm()
        return TemplateResponse(
            request,
            "admin/agencies/merge.html",
            {**self.admin_site.each_context(request), "title": _("Merge agencies"), "agencies": queryset, "form": form,
             "opts": self.model._meta, "action": "merge_agencies"},
        )


class PlanSectionInline(admin.StackedInline):
    model = PlanSection
    extra = 0


@admin.register(Plan)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ("number", "issued_on", "signer", "first_year", "last_year")
    search_fields = ("number", "title")
    inlines = [PlanSectionInline]


@admin.register(TaskGroup)
class TaskGroupAdmin(SimpleHistoryAdmin):
    list_display = ("code", "title", "plan")
    list_filter = ("plan",)
    search_fields = ("code", "title", "title_en")


@admin.register(Task)
class TaskAdmin(_NewAssignmentsAreAdmins, SimpleHistoryAdmin):
    list_display = ("code", "title", "group", "assigned_to_all", "plan")
    list_filter = ("plan", "group", "assigned_to_all")
    search_fields = ("code", "title", "title_en", "text")
    list_select_related = ("group", "plan")
    autocomplete_fields = ("parent",)
    inlines = [AssignmentInline]
    ordering = ("plan", "sort_key")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        assignments_sync_for_task(task=form.instance)


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ("task", "agency", "role", "requested", "source", "basis")
    list_filter = ("role", "requested", "source", "agency__kind", "task__plan")
    search_fields = ("task__code", "task__title", "agency__name", "agency__code")
    autocomplete_fields = ("task", "agency")
    list_select_related = ("task", "agency")
    readonly_fields = ("source",)

    def save_model(self, request, obj, form, change):
        assignment_save(assignment=obj, by_hand=True)



@admin.register(Indicator)
class IndicatorAdmin(SimpleHistoryAdmin):
    """The indicator catalogue (chỉ tiêu) of each plan; the DFA edits it on its own page (reporting), admins here."""

    list_display = ("code", "name", "unit", "kind", "combine", "lead_only", "suggested", "active", "position")
    list_filter = ("plan", "kind", "combine", "suggested", "active")
    list_editable = ("position",)
    search_fields = ("code", "name", "name_en")
    filter_horizontal = ("tasks",)
    fields = ("plan", "code", "name", "name_en", "unit", "unit_en", "kind", "combine", "tasks", "lead_only",
              "suggested", "active", "position")
