from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import User


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    list_display = ("username", "full_name", "email", "agency", "is_active", "is_superuser")
    list_filter = ("groups", "is_active", "is_superuser", "agency__kind")
    search_fields = ("username", "first_name", "last_name", "email", "agency__name", "agency__code")
    autocomplete_fields = ("agency",)
    list_select_related = ("agency",)
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), (_("Agency"), {"fields": ("agency", "language")}))
    add_fieldsets = DjangoUserAdmin.add_fieldsets + ((_("Agency"), {"fields": ("email", "agency", "language")}),)

    @admin.display(description=_("full name"), ordering="last_name")
    def full_name(self, obj):
        return obj.get_full_name()
