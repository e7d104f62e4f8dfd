from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self):
        # registers the Celery jobs in every process, so that a job queued by name (the outbox) finds its code
        from reporting.delivery import tasks  # noqa: F401
