"""Reporting periods (kỳ báo cáo), agencies' annual reports (báo cáo), their review, attachments, difficulties."""
import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agencies.fields import NFCCharField, NFCTextField
from agencies.models import Agency
from tasks.models import AssignmentRole, Plan, Task


class DayOff(models.Model):
    """An extra day off decided for one year (a swapped working day, a bridge holiday) beyond the `holidays` package."""

    date = models.DateField(_("date"), unique=True)
    name = NFCCharField(_("name"), max_length=200)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("extra day off")
        verbose_name_plural = _("extra days off")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} {self.name}"


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ReportingPeriod(models.Model):
    """One year of a plan's reporting cycle, with its concrete dates (IV.1–IV.2).

    Effective dates are the admin's override when set, else what the plan's deadline rules give for the year.
    """

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="periods")
    year = models.PositiveSmallIntegerField(_("year"))
    opens_on = models.DateField(_("opens for submission on"))
    agency_due = models.DateField(_("agency reports due"))
    synthesis_due = models.DateField(_("synthesis due"))
    covers_from = models.DateField(_("covers results from"))
    covers_to = models.DateField(_("covers results up to"))
    opens_on_override = models.DateField(_("opening date (override)"), null=True, blank=True)
    agency_due_override = models.DateField(_("agency deadline (override)"), null=True, blank=True)
    synthesis_due_override = models.DateField(_("synthesis deadline (override)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["plan", "-year"]
        constraints = [models.UniqueConstraint(fields=["plan", "year"], name="one_period_per_plan_year")]

    def __str__(self):
        return f"{self.plan.number} · {self.year}"

    @property
    def is_closed(self) -> bool:
        return self.status == PeriodStatus.CLOSED

    def is_open_for_submission(self, today: datetime.date) -> bool:
        return not self.is_closed and today >= self.opens_on

    def days_left(self, today: datetime.date) -> int:
        """Days until the agency deadline: 0 on the day itself, negative once it has passed."""
        return (self.agency_due - today).days

    def synthesis_days_left(self, today: datetime.date) -> int:
        return (self.synthesis_due - today).days


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for changes")
    ACCEPTED = "accepted", _("Accepted")


class Report(models.Model):
    """An agency's annual report for one period (báo cáo kết quả thực hiện), one section per assigned task."""

    period = models.ForeignKey(ReportingPeriod, verbose_name=_("period"), on_delete=models.PROTECT, related_name="reports")
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="reports")
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    # Only organisations the plan requests (đề nghị) have no obligation to report.
    expected = models.BooleanField(_("expected"), default=True)
    summary = NFCTextField(_("overall assessment"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=0, help_text=_("Number of submissions so far."))
    # Optimistic locking: every save increments it; a form saved against an older value is refused.
    lock_version = models.PositiveIntegerField(default=0)
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    days_late = models.PositiveIntegerField(_("days late"), default=0)
    review_comment = NFCTextField(_("DFA comment"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The DFA may reopen one agency's report in a closed period (logged as an event).
    reopened = models.BooleanField(_("reopened in a closed period"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["period", "agency__name"]
        constraints = [models.UniqueConstraint(fields=["period", "agency"], name="one_report_per_agency_and_period")]
        indexes = [
            # the review queue: submitted reports, oldest first
            models.Index(fields=["status", "submitted_at"], name="report_review_queue"),
        ]

    def __str__(self):
        return f"{self.agency} · {self.period.year}"

    @property
    def is_late(self) -> bool:
        return self.days_late > 0

    @property
    def is_locked(self) -> bool:
        return self.status == ReportStatus.ACCEPTED

    def is_editable(self, today: datetime.date | None = None) -> bool:
        """Agency staff may edit a draft or a returned report while the period is open (or reopened for them)."""
        if self.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
            return False
        if self.period.is_closed:
            return self.reopened
        return True

    def submitted_on_time(self) -> bool | None:
        if self.submitted_at is None:
            return None
        return not self.is_late


class Progress(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    ONGOING = "ongoing", _("Ongoing / recurring")


class ReportSection(models.Model):
    """The part of a report about one assigned task: progress, results, difficulties, proposals."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="sections")
    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="report_sections")
    role = models.CharField(_("role"), max_length=8, choices=AssignmentRole.choices)
    requested = models.BooleanField(_("requested, voluntary"), default=False)
    progress = models.CharField(_("progress"), max_length=12, choices=Progress.choices, blank=True)
    results = NFCTextField(_("results achieved"), blank=True)
    difficulties = NFCTextField(_("difficulties"), blank=True)
    proposals = NFCTextField(_("proposals"), blank=True)
    review_comment = NFCTextField(_("DFA comment on this section"), blank=True)

    class Meta:
        verbose_name = _("report section")
        verbose_name_plural = _("report sections")
        ordering = ["report", "task__sort_key"]
        constraints = [models.UniqueConstraint(fields=["report", "task"], name="one_section_per_task")]

    def __str__(self):
        return f"{self.report} · {self.task.code}"

    @property
    def is_lead(self) -> bool:
        return self.role == AssignmentRole.LEAD


class SectionFigure(models.Model):
    """A figure reported for a task: events held, agreements signed, investment attracted … with its unit."""

    section = models.ForeignKey(ReportSection, on_delete=models.CASCADE, related_name="figures")
    label = NFCCharField(_("indicator"), max_length=200)
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)
    unit = NFCCharField(_("unit"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        ordering = ["section", "id"]

    def __str__(self):
        return f"{self.label}: {self.value} {self.unit}".strip()


class ReportVersion(models.Model):
    """What a report said when it was submitted, kept so that the DFA can compare versions."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    content = models.JSONField(_("content"))

    class Meta:
        ordering = ["report", "number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="one_version_number_per_report")]


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for changes")
    ACCEPTED = "accepted", _("Accepted")
    REOPENED = "reopened", _("Reopened")


class ReportEvent(models.Model):
    """One step of a report's life, shown as its timeline."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=10, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)
    version = models.PositiveIntegerField(_("version"), default=0)
    comment = NFCTextField(_("comment"), blank=True)
    days_late = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["report", "at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%d/%m/%Y %H:%M}"


def attachment_path(instance, filename):
    # The stored name is not the uploaded one: nothing a user types ends up in a path.
    return f"attachments/{instance.report.period.year}/{instance.report_id}/{timezone.now():%Y%m%d%H%M%S%f}.{instance.kind}"


class Attachment(models.Model):
    """Evidence attached to a report or to one of its sections. Served only through a permission-checking view."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    section = models.ForeignKey(ReportSection, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=255)
    original_name = NFCCharField(_("file name"), max_length=255)
    kind = models.CharField(_("type"), max_length=8)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["report", "uploaded_at"]

    def __str__(self):
        return self.original_name


class DifficultyKind(models.TextChoices):
    DIFFICULTY = "difficulty", _("Difficulty")
    PROPOSAL = "proposal", _("Proposal")


class DifficultyStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    GUIDED = "guided", _("Guidance given")
    ESCALATED = "escalated", _("Escalated to the Provincial People's Committee")
    RESOLVED = "resolved", _("Resolved")


class Difficulty(models.Model):
    """A difficulty or proposal an agency raises in writing with the DFA (closing paragraph of the plan).

    The DFA guides the agency, or escalates what is beyond its authority to the Provincial People's Committee.
    """

    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="difficulties")
    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.PROTECT, related_name="difficulties")
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("period"), null=True, blank=True, on_delete=models.SET_NULL, related_name="difficulties"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=DifficultyKind.choices, default=DifficultyKind.DIFFICULTY)
    title = NFCCharField(_("subject"), max_length=200)
    text = NFCTextField(_("description"))
    status = models.CharField(_("status"), max_length=12, choices=DifficultyStatus.choices, default=DifficultyStatus.RECEIVED)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("raised by"), null=True, on_delete=models.SET_NULL, related_name="+")
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("difficulty or proposal")
        verbose_name_plural = _("difficulties and proposals")
        ordering = ["-raised_at"]

    def __str__(self):
        return self.title


class DifficultyResponse(models.Model):
    """The DFA's answer to a difficulty, with the status it set."""

    difficulty = models.ForeignKey(Difficulty, on_delete=models.CASCADE, related_name="responses")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+")
    text = NFCTextField(_("response"))
    status = models.CharField(_("status"), max_length=12, choices=DifficultyStatus.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["difficulty", "at", "id"]
