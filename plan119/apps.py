"""Third-party apps named in Vietnamese in the admin: their own catalogues have no Vietnamese, and django-axes names
itself "Axes" and its records in English without gettext. Their models' and fields' names are translated in
locale/vi (LOCALE_PATHS come first)."""
from axes import apps as axes_apps  # the module, not its class: this module must not offer plan119 a second config
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


def _failure_str(self) -> str:
    return gettext("Failed login of %(user)s at %(when)s from %(ip)s") % {
        "user": self.username, "when": _when(self.attempt_time), "ip": self.ip_address}


def _attempt_str(self) -> str:
    return gettext("Failed logins of %(user)s since %(when)s") % {"user": self.username,
                                                                   "when": _when(self.attempt_time)}


def _log_str(self) -> str:
    return gettext("Login of %(user)s at %(when)s") % {"user": self.username, "when": _when(self.attempt_time)}


class AxesConfig(axes_apps.AppConfig):
    """django-axes (failed logins and lockouts) under a name an admin reads, its records named in the admin's
    language (their __str__ only: fields and migrations stay axes' own)."""

    default = False  # named in INSTALLED_APPS; the plan119 app itself keeps Django's default config
    verbose_name = _("Login attempts")

    def ready(self):
        super().ready()
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        AccessFailureLog.__str__ = _failure_str
        AccessAttempt.__str__ = _attempt_str
        AccessLog.__str__ = _log_str
