from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from .accounts import invitation_send
from .models import AccountMail, User
from .people import people_import, people_read, people_rows
from .sheets import FILE_MAX_BYTES, ImportFileError

IMPORT_SALT = "plan119.agencies.admin.people_import"
IMPORT_MAX_AGE = 3600  # seconds between the dry run and the apply step


class PeopleImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File (CSV or XLSX)"))


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    list_display = ("username", "full_name", "email", "agency", "is_active", "password_set", "is_superuser")
    list_filter = ("groups", "is_active", "is_superuser", "agency__kind")
    search_fields = ("username", "first_name", "last_name", "email", "agency__name", "agency__code")
    autocomplete_fields = ("agency",)
    list_select_related = ("agency",)
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), (_("Agency"), {"fields": ("agency", "language")}))
    add_fieldsets = DjangoUserAdmin.add_fieldsets + ((_("Agency"), {"fields": ("email", "agency", "language")}),)

    @admin.display(description=_("full name"), ordering="last_name")
    def full_name(self, obj):
        return obj.get_full_name()

    actions = ["invite_again"]

    @admin.display(boolean=True, description=gettext_lazy("password set"))
    def password_set(self, user: User) -> bool:
        return user.has_usable_password()

    @admin.action(description=gettext_lazy("Send the invitation again"), permissions=["change"])
    def invite_again(self, request, queryset):
        users = list(queryset)
        sent = sum(invitation_send(user=user, by=request.user) for user in users)
        if sent:
            self.message_user(request, ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", sent)
                              % {"count": sent}, messages.SUCCESS)
        if len(users) > sent:
            self.message_user(request, _(
                "%(count)d left out: only active people with an e-mail address who have not set a password yet are "
                "invited; the others can use “Forgot your password?” on the log in page.") % {
                "count": len(users) - sent}, messages.WARNING)

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view), name="agencies_user_import"),
                *super().get_urls()]

    def import_view(self, request):
        """Check a file (dry run, nothing written), then apply what was checked (agencies/people.py)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": _("Import people from a file"), "max_mb": FILE_MAX_BYTES // (1024 * 1024)}
        form = PeopleImportForm()
        if request.method == "POST" and "payload" in request.POST:
            return self._import_apply(request, context)
        if request.method == "POST":
            form = PeopleImportForm(request.POST, request.FILES)
            if form.is_valid():
                context.update(self._import_check(form))
        context["form"] = form
        return TemplateResponse(request, "admin/agencies/user/import.html", context)

    @staticmethod
    def _import_check(form: PeopleImportForm) -> dict:
        upload = form.cleaned_data["file"]
        try:
            if upload.size > FILE_MAX_BYTES:
                raise ImportFileError(_("The file is larger than %(size)d MB.") % {
                    "size": FILE_MAX_BYTES // (1024 * 1024)})
            rows = people_read(name=upload.name, data=upload.read(FILE_MAX_BYTES + 1))
        except ImportFileError as error:
            form.add_error("file", str(error))
            return {}
        result = people_import(rows=rows, apply=False)
        payload = signing.dumps([row.raw() for row in rows], salt=IMPORT_SALT, compress=True)
        return {"result": result, "payload": payload, "file_name": upload.name}

    def _import_apply(self, request, context):
        try:
            raw = signing.loads(request.POST["payload"], salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
            rows = people_rows(raw)
        except (signing.BadSignature, TypeError, ValueError):
            self.message_user(request, _("The check is too old or was altered; choose the file again."),
                              messages.ERROR)
            return redirect("admin:agencies_user_import")
        result = people_import(rows=rows, apply=True, by=request.user)
        if not result.applied:
            context.update({"form": PeopleImportForm(), "result": result})
            return TemplateResponse(request, "admin/agencies/user/import.html", context)
        created = result.count("new")
        self.message_user(request, ngettext(
            "%(count)d account created and invited; %(existing)d already existed.",
            "%(count)d accounts created and invited; %(existing)d already existed.", created) % {
            "count": created, "existing": result.count("exists")}, messages.SUCCESS)
        return redirect("admin:agencies_user_changelist")


@admin.register(AccountMail)
class AccountMailAdmin(admin.ModelAdmin):
    """What was sent to whom about their account, read-only (the rows are the outbox of these e-mails)."""

    list_display = ("created_at", "kind", "user", "requested_by", "sent_at", "attempts", "error")
    list_filter = ("kind",)
    list_select_related = ("user", "requested_by")
    search_fields = ("user__username", "user__email")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
