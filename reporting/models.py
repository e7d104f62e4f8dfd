"""Reporting periods (kỳ báo cáo), agencies' annual reports (báo cáo), their review, attachments, difficulties."""
import datetime
import re

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agencies.fields import NFCCharField, NFCTextField
from agencies.models import Agency
from tasks.models import AssignmentRole, Indicator, Plan, Task


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


class PeriodPhase(models.TextChoices):
    NOT_YET_OPEN = "not_yet_open", _("Not yet open")
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
        settings.AUTH_USER_MODEL, verbose_name=_("closed by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+"
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

    def has_opened(self, today: datetime.date) -> bool:
        """A period opens for input on its opening date (1 October by default); before that it is "not yet open"."""
        return today >= self.opens_on

    def is_open_for_submission(self, today: datetime.date) -> bool:
        return not self.is_closed and self.has_opened(today)

    def phase(self, today: datetime.date) -> str:
        """What the period is on `today`, as the periods table shows it: not yet open, open or closed."""
        if self.is_closed:
            return PeriodPhase.CLOSED
        return PeriodPhase.OPEN if self.has_opened(today) else PeriodPhase.NOT_YET_OPEN

    def days_left(self, today: datetime.date) -> int:
        """Days until the agency deadline: 0 on the day itself, negative once it has passed."""
        return (self.agency_due - today).days

    def synthesis_days_left(self, today: datetime.date) -> int:
        return (self.synthesis_due - today).days

    @property
    def is_synthesis_final(self) -> bool:
        synthesis = getattr(self, "synthesis", None)
        return synthesis is not None and synthesis.finalised_at is not None


def days_after(moment: datetime.datetime, due: datetime.date) -> int:
    """How many days after the end of `due` (local time, Asia/Ho_Chi_Minh) `moment` came; 0 when on or before it."""
    return max(0, (timezone.localtime(moment).date() - due).days)


def due_in_force(agency_due: datetime.date, extended_due: datetime.date | None) -> datetime.date:
    """THE deadline rule of one agency's report: the period's deadline in force (rule, day off, override), unless the
    DFA granted the agency an extension (gia hạn), then the granted date. An extension only ever gives more time: if
    the period's deadline is moved past a granted date afterwards, the later date holds.

    Its twin in SQL is `due_in_force_sql` just below; reporting/tests/test_metrics_properties.py checks they agree.
    """
    return max(agency_due, extended_due) if extended_due else agency_due


def due_in_force_sql(prefix: str = "") -> models.Func:
    """`due_in_force` for a queryset of reports (`prefix` "report__" for one of sections): the later of the
    period's deadline and the granted extension. Coalesce first: Greatest of a NULL is NULL on SQLite."""
    agency_due = models.F(f"{prefix}period__agency_due")
    return Greatest(Coalesce(f"{prefix}extended_due", agency_due), agency_due)


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for changes")
    ACCEPTED = "accepted", _("Accepted")


class ReportQuerySet(models.QuerySet):
    def with_content_flag(self):
        """Annotate `has_content`: has anyone typed anything yet? ("not started" in the DFA's digest)."""
        typed = (ReportSection.objects.filter(report=models.OuterRef("pk"))
                 .exclude(results="", difficulties="", proposals=""))
        return self.annotate(
            has_content=models.ExpressionWrapper(
                models.Exists(typed) | ~models.Q(summary=""), output_field=models.BooleanField()
            )
        )


class Report(models.Model):
    """An agency's annual report for one period (báo cáo kết quả thực hiện), one section per assigned task."""

    period = models.ForeignKey(ReportingPeriod, verbose_name=_("period"), on_delete=models.PROTECT,
                               related_name="reports")
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="reports")
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    # Only organisations the plan requests (đề nghị) have no obligation to report.
    expected = models.BooleanField(_("expected"), default=True)
    summary = NFCTextField(_("overall assessment"), blank=True)
    # the agency's plan for next year, which the synthesis gathers into its directions (III)
    next_year = NFCTextField(_("plans for next year"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=0, help_text=_("Number of submissions so far."))
    # Optimistic locking: every save increments it; a form saved against an older value is refused.
    lock_version = models.PositiveIntegerField(_("edit counter"), default=0)
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+"
    )
    review_comment = NFCTextField(_("DFA comment"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+"
    )
    # The DFA may reopen one agency's report in a closed period (logged as an event).
    reopened = models.BooleanField(_("reopened in a closed period"), default=False)
    # The date of the extension the DFA granted last (DeadlineExtension), written only by extension_grant: the
    # report's own deadline (due_in_force), kept on the row so that every figure reads it without a join.
    extended_due = models.DateField(_("deadline extended to"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+"
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["period", "agency__sort_key"]
        constraints = [models.UniqueConstraint(fields=["period", "agency"], name="one_report_per_agency_and_period")]
        indexes = [
            # the review queue: submitted reports, oldest first
            models.Index(fields=["status", "submitted_at"], name="report_review_queue"),
        ]

    def __str__(self):
        return f"{self.agency} · {self.period.year}"

    @property
    def due_date(self) -> datetime.date:
        """The day this report is due to the DFA: the period's deadline in force, or a granted extension's date."""
        return due_in_force(self.period.agency_due, self.extended_due)

    @property
    def is_extended(self) -> bool:
        """An extension the DFA granted gives this report a later deadline than the period's ("extended")."""
        return self.due_date > self.period.agency_due

    def days_left(self, today: datetime.date) -> int:
        """Days until this report's own deadline: 0 on the day itself, negative once it has passed."""
        return (self.due_date - today).days

    @property
    def days_late(self) -> int:
        """Days the *first* submission came after the report's deadline in force (`due_date`: the period's, or a
        granted extension's) (0: on time, not sent or voluntary).

        A return by the DFA and a corrected version never make a report late (DHIS2 keeps the first completion).
        The same rule in SQL is `reporting.dashboards.metrics.SENT_LATE`; tests check that both agree.
        """
        if not self.expected or self.first_submitted_at is None:
            return 0
        return days_after(self.first_submitted_at, self.due_date)

    def may_ask_extension(self) -> bool:
        """An agency asks for more time while its report is still owed: expected, never sent, its period open."""
        return self.expected and self.first_submitted_at is None and not self.period.is_closed

    @property
    def is_late(self) -> bool:
        return self.days_late > 0

    @property
    def is_locked(self) -> bool:
        return self.status == ReportStatus.ACCEPTED

    def may_be_reviewed(self) -> bool:
        """The DFA accepts or returns a report while it waits for review, that is once submitted and not yet decided."""
        return self.status == ReportStatus.SUBMITTED

    def may_be_reopened(self) -> bool:
        """The DFA reopens one agency's report when the agency can no longer change it itself: the period is closed, or
        the DFA accepted the report. A report waiting for review is accepted or returned instead."""
        if self.status == ReportStatus.SUBMITTED:
            return False
        return self.period.is_closed or self.status == ReportStatus.ACCEPTED

    def read_only_reason(self) -> str:
        """Why the agency cannot change the report now (empty when it can), for the report page and the form's
        redirect: sent and waiting for the DFA, accepted, or its period closed."""
        def day(moment) -> str:
            return timezone.localtime(moment).strftime("%d/%m/%Y") if moment else ""

        if self.status == ReportStatus.ACCEPTED:
            return _("Accepted by the DFA on %(date)s: this report is locked.") % {"date": day(self.reviewed_at)}
        if self.status == ReportStatus.SUBMITTED:
            return _("Sent to the DFA on %(date)s; waiting for the DFA's review. It can be changed again only if "
                     "the DFA returns it.") % {"date": day(self.submitted_at)}
        if self.period.is_closed and not self.reopened:
            return _("The %(year)s reporting period was closed on %(date)s; ask the DFA to reopen the report for your "
                     "agency.") % {"year": self.period.year, "date": day(self.period.closed_at)}
        return ""

    def is_editable(self) -> bool:
        """Agency staff may edit a draft or a returned report while the period is open (or reopened for them)."""
        if self.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
            return False
        if self.period.is_closed:
            return self.reopened
        return True


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


class IndicatorValue(models.Model):
    """An agency's value of a catalogue indicator for one task of its report (tasks.models.Indicator)."""

    section = models.ForeignKey(ReportSection, on_delete=models.CASCADE, related_name="indicator_values")
    indicator = models.ForeignKey(Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT,
                                  related_name="values")
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=2)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["section", "indicator__position", "indicator__code"]
        constraints = [models.UniqueConstraint(fields=["section", "indicator"], name="one_value_per_indicator")]

    def __str__(self):
        return f"{self.indicator.code}: {self.value}"


class ReportVersion(models.Model):
    """What a report said when it was submitted, kept so that the DFA can compare versions."""

    report = models.ForeignKey(Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    submitted_at = models.DateTimeField(_("submitted at"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    content = models.JSONField(_("content"))

    class Meta:
        verbose_name = _("submitted version")
        verbose_name_plural = _("submitted versions")
        ordering = ["report", "number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="one_version_number_per_report")]

    def __str__(self):
        return f"{self.report} · {self.number}"


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for changes")
    ACCEPTED = "accepted", _("Accepted")
    REOPENED = "reopened", _("Reopened")
    REORGANISED = "reorganised", _("Reorganisation")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_GRANTED = "extension_granted", _("Extension granted")
    EXTENSION_REFUSED = "extension_refused", _("Extension refused")


class ReportEvent(models.Model):
    """One step of a report's life, shown as its timeline."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL,
                              related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)
    version = models.PositiveIntegerField(_("version"), default=0)
    comment = NFCTextField(_("comment"), blank=True)
    # the extension a request, grant or refusal is about (its dates are shown in the timeline)
    extension = models.ForeignKey("DeadlineExtension", verbose_name=_("deadline extension"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="events")

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["report", "at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%d/%m/%Y %H:%M}"


class ExtensionState(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the DFA")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class DeadlineExtension(models.Model):
    """An agency's request for more time to send its report of one period (đề nghị gia hạn), and the DFA's decision.

    Granting it moves that report's deadline (Report.extended_due, the rule in `due_in_force`); a refusal changes
    nothing. One request waits at a time per report.
    """

    report = models.ForeignKey(Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    proposed_date = models.DateField(_("proposed date"))
    reason = NFCTextField(_("reason"))
    state = models.CharField(_("state"), max_length=10, choices=ExtensionState.choices,
                             default=ExtensionState.REQUESTED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    granted_date = models.DateField(_("granted date"), null=True, blank=True)
    decision_comment = NFCTextField(_("DFA comment"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # one pending request per report (a double click, two colleagues at once)
            models.UniqueConstraint(fields=["report"], condition=models.Q(state="requested"),
                                    name="one_pending_extension_per_report"),
        ]
        indexes = [
            # the DFA's list of pending requests, oldest first
            models.Index(fields=["state", "requested_at"], name="extension_pending"),
        ]

    def __str__(self):
        return f"{self.report} · {self.proposed_date:%d/%m/%Y}"

    @property
    def is_pending(self) -> bool:
        return self.state == ExtensionState.REQUESTED


def attachment_path(instance, filename):
    # The stored name is not the uploaded one: nothing a user types ends up in a path.
    return (f"attachments/{instance.report.period.year}/{instance.report_id}/"
            f"{timezone.now():%Y%m%d%H%M%S%f}.{instance.kind}")


class Attachment(models.Model):
    """Evidence attached to a report or to one of its sections. Served only through a permission-checking view."""

    report = models.ForeignKey(Report, verbose_name=_("report"), on_delete=models.CASCADE,
                               related_name="attachments")
    section = models.ForeignKey(ReportSection, verbose_name=_("report section"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    original_name = NFCCharField(_("file name"), max_length=255)
    kind = models.CharField(_("type"), max_length=8)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
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
        ReportingPeriod, verbose_name=_("period"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="difficulties"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=DifficultyKind.choices, default=DifficultyKind.DIFFICULTY)
    title = NFCCharField(_("subject"), max_length=200)
    text = NFCTextField(_("description"))
    status = models.CharField(_("status"), max_length=12, choices=DifficultyStatus.choices,
                              default=DifficultyStatus.RECEIVED)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("raised by"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The one-time token of the form it was sent from: a double click sends the form twice, one row is made.
    submission_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("difficulty or proposal")
        verbose_name_plural = _("difficulties and proposals")
        ordering = ["-raised_at"]
        constraints = [models.UniqueConstraint(fields=["submission_token"], name="one_difficulty_per_form")]

    def __str__(self):
        return self.title


class DifficultyResponse(models.Model):
    """The DFA's answer to a difficulty, with the status it set."""

    difficulty = models.ForeignKey(Difficulty, on_delete=models.CASCADE, related_name="responses")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL,
                               related_name="+")
    text = NFCTextField(_("response"))
    status = models.CharField(_("status"), max_length=12, choices=DifficultyStatus.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("response to a difficulty")
        verbose_name_plural = _("responses to difficulties")
        ordering = ["difficulty", "at", "id"]

    def __str__(self):
        return f"{self.difficulty} · {self.get_status_display()}"


OFFSET_MAX = 366  # days: a reminder more than a year before a yearly deadline means a typing slip
_OFFSET = re.compile(r"[0-9]{1,3}")


def _offset_parts(text: str) -> list[str]:
    return [part.strip() for part in (text or "").replace(";", ",").split(",") if part.strip()]


def _is_offset(part: str) -> bool:
    """ASCII digits only: "²".isdigit() is true and int("²") fails, which once stopped a whole reminder run."""
    return bool(_OFFSET.fullmatch(part)) and int(part) <= OFFSET_MAX


def _int_list(text: str) -> list[int]:
    """The offsets in `text`, latest first; a part that is not one (stored before clean() refused it) is skipped."""
    return sorted({int(part) for part in _offset_parts(text) if _is_offset(part)}, reverse=True)


class ReminderSettings(models.Model):
    """When reminders go out (one row, edited in the admin). Offsets are days relative to the deadline."""

    before_deadline = models.CharField(
        _("days before the agency deadline"), max_length=100, default="30,14,7,3,1,0",
        help_text=_("Comma-separated; 0 is the deadline day itself."),
    )
    overdue_first = models.PositiveSmallIntegerField(_("first overdue reminder, days after the deadline"), default=1)
    overdue_every = models.PositiveSmallIntegerField(_("then every … days"), default=3)
    escalate_after = models.PositiveSmallIntegerField(
        _("copy the head of agency and the DFA from … days overdue"), default=7
    )
    digest_from_day = models.PositiveSmallIntegerField(_("DFA daily digest from day"), default=20)
    digest_from_month = models.PositiveSmallIntegerField(_("DFA daily digest from month"), default=10)
    synthesis_before = models.CharField(
        _("days before the synthesis deadline (DFA)"), max_length=100, default="7,3,1"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")

    def __str__(self):
        return str(_("Reminder settings"))

    @classmethod
    def load(cls) -> "ReminderSettings":
        return cls.objects.get_or_create(pk=1)[0]

    def offsets_before(self) -> list[int]:
        return _int_list(self.before_deadline)

    def offsets_synthesis(self) -> list[int]:
        return _int_list(self.synthesis_before)

    def clean(self):
        from django.core.exceptions import ValidationError

        for field in ("before_deadline", "synthesis_before"):
            if not all(_is_offset(part) for part in _offset_parts(getattr(self, field))):
                raise ValidationError(
                    {field: _("Whole numbers of days from 0 to %(max)d, separated by commas.") % {"max": OFFSET_MAX}})
        if self.overdue_every < 1:
            raise ValidationError({"overdue_every": _("At least every 1 day.")})
        try:
            datetime.date(2024, self.digest_from_month, self.digest_from_day)
        except ValueError:
            raise ValidationError({"digest_from_day": _("Not a date.")}) from None


class ReminderKind(models.TextChoices):
    DEADLINE = "deadline", _("Deadline approaching")
    OVERDUE = "overdue", _("Report overdue")
    ESCALATION = "escalation", _("Report a week or more overdue")
    VOLUNTARY = "voluntary", _("Invitation to report (voluntary)")
    DIGEST = "digest", _("DFA daily digest")
    SYNTHESIS = "synthesis", _("Synthesis deadline approaching")
    MANUAL = "manual", _("Reminder sent by the DFA")


class Reminder(models.Model):
    """Every reminder the scheduler owes, claimed before it is sent so that it goes out exactly once.

    The unique (period, recipient, kind, offset, due) row is inserted by whichever run gets there first
    (healthchecks' claim pattern); a second run, a concurrent one or a worker retry finds it and skips.
    """

    period = models.ForeignKey(ReportingPeriod, verbose_name=_("period"), on_delete=models.CASCADE,
                               related_name="reminders")
    recipient = models.EmailField(_("recipient"))
    kind = models.CharField(_("kind"), max_length=12, choices=ReminderKind.choices)
    offset = models.IntegerField(_("days before the deadline"), help_text=_("negative once the deadline has passed"))
    # The deadline the offset counts from: a report's own (an extension moves it, and its reminders start again from
    # the new date) or the synthesis deadline for the DFA's reminders.
    due = models.DateField(_("deadline"))
    claimed_at = models.DateTimeField(_("claimed at"))
    # Which claiming call inserted or took over the row; only its holder may mark it sent (reporting.delivery.outbox).
    claim = models.UUIDField(null=True, blank=True, editable=False)
    # The day of the run that claimed it: what the sweep recomputes the e-mail from (reminders_sweep).
    day = models.DateField(_("day of the run"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-claimed_at"]
        constraints = [
            models.UniqueConstraint(fields=["period", "recipient", "kind", "offset", "due"],
                                    name="one_reminder_per_stage")
        ]
        indexes = [
            # the sweep, every minute: claims left unsent (reporting.delivery.reminders.reminders_sweep)
            models.Index(fields=["claimed_at"], condition=models.Q(sent_at__isnull=True), name="reminder_unsent"),
        ]

    def __str__(self):
        return f"{self.recipient} · {self.get_kind_display()} · {self.offset}"


class Notification(models.Model):
    """What the app told a person, shown in the app with an unread count (the same words as the e-mail)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="notifications")
    # the e-mail it repeats: a report event (reporting.delivery.notifications.REPORT_EVENT_KINDS) or "reminders"
    kind = models.CharField(_("kind"), max_length=32, blank=True)
    subject = NFCCharField(_("subject"), max_length=255)
    body = NFCTextField(_("message"))
    url = models.CharField(_("link"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # the unread badge on every page
            models.Index(fields=["user", "read_at"], name="notification_unread"),
        ]

    def __str__(self):
        return self.subject


class SynthesisState(models.TextChoices):
    IDLE = "idle", _("Ready")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Building")
    FAILED = "failed", _("Failed")


class Synthesis(models.Model):
    """The provincial synthesis of one period (báo cáo tổng hợp, IV.1), rebuilt from the reports until finalised."""

    period = models.OneToOneField(ReportingPeriod, verbose_name=_("period"), on_delete=models.CASCADE,
                                  related_name="synthesis")
    content = models.JSONField(_("content"), default=dict)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    built_from = models.JSONField(_("report versions used"), default=dict, help_text=_("agency code → report version"))
    introduction = NFCTextField(_("introduction"), blank=True)
    assessment = NFCTextField(_("overall assessment"), blank=True)
    shortcomings = NFCTextField(_("shortcomings and causes"), blank=True)
    directions = NFCTextField(_("directions for next year"), blank=True)
    proposals = NFCTextField(_("proposals to the Provincial People's Committee"), blank=True)
    # the officer's own wording of drafted task paragraphs: task code → {"text": …, "basis": the figures' fingerprint
    # when it was written}; a rebuild keeps them and marks those whose figures changed since (reporting.synthesis)
    paragraphs = models.JSONField(_("edited task paragraphs"), default=dict, blank=True)
    doc_number = models.CharField(_("document number"), max_length=20, blank=True)
    state = models.CharField(_("build state"), max_length=10, choices=SynthesisState.choices,
                             default=SynthesisState.IDLE)
    progress = models.PositiveSmallIntegerField(_("build progress (%)"), default=0)
    # when `state` or `progress` last changed: a build that stops moving belongs to a worker that died
    state_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    error = models.TextField(_("error"), blank=True)
    lock_version = models.PositiveIntegerField(_("edit counter"), default=0)
    finalised_at = models.DateTimeField(_("finalised at"), null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("finalised by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["content", "progress", "state", "state_changed_at"])

    class Meta:
        verbose_name = _("synthesis")
        verbose_name_plural = _("syntheses")

    def __str__(self):
        return f"{self.period}"

    @property
    def is_final(self) -> bool:
        return self.finalised_at is not None

    # A build takes seconds even for the largest province (bench/LOAD.md); one that has not moved for this long has
    # died.
    STALE_BUILD = datetime.timedelta(minutes=10)

    def build_state(self) -> str:
        """The state to show: a queued or running build that stopped moving (its worker was killed) counts as failed,
        so the page offers to build again instead of waiting for ever."""
        moving = (SynthesisState.QUEUED, SynthesisState.RUNNING)
        if self.state in moving and (
            self.state_changed_at is None or timezone.now() - self.state_changed_at > self.STALE_BUILD
        ):
            return SynthesisState.FAILED
        return self.state

    def narrative(self) -> dict:
        return {"introduction": self.introduction, "assessment": self.assessment, "shortcomings": self.shortcomings,
                "directions": self.directions, "proposals": self.proposals, "paragraphs": self.paragraphs}


class OutboxMessage(models.Model):
    """An e-mail owed about a report event, written in the same transaction as the event itself.

    If the broker is down when the event commits, nothing is lost: the row waits here and the outbox job
    sends it once the broker is back. A claim on the row makes sure it goes out once.
    """

    kind = models.CharField(_("kind"), max_length=32)
    report = models.ForeignKey(Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="outbox")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # Who holds the claim; only its holder may mark the row sent (reporting.delivery.outbox).
    claim = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("e-mail waiting to be sent")
        verbose_name_plural = _("outbox (e-mails about reports)")
        ordering = ["created_at", "id"]
        indexes = [
            # the outbox job: what is still to send
            models.Index(fields=["sent_at", "created_at"], name="outbox_pending"),
        ]

    def __str__(self):
        return f"{self.kind} · {self.report_id}"


class FeedKind(models.TextChoices):
    REPORT = "report", _("Report transition")
    DIFFICULTY = "difficulty", _("Difficulty update")
    SYNTHESIS = "synthesis", _("Synthesis state")


class FeedEntry(models.Model):
    """One change that systems around the app poll for (the API's events feed): a report transition, a difficulty
    raised or answered, a synthesis that changed state. Written in the same transaction as the change itself; its
    place in the feed (`seq`) is given only after it committed (reporting.delivery.feed explains why)."""

    seq = models.PositiveBigIntegerField(null=True, blank=True, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=12, choices=FeedKind.choices)
    action = models.CharField(_("what happened"), max_length=20)
    at = models.DateTimeField(_("at"), default=timezone.now)
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(ReportingPeriod, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    difficulty = models.ForeignKey(Difficulty, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        verbose_name = _("feed entry")
        verbose_name_plural = _("feed entries")
        ordering = ["seq"]
        indexes = [
            # the sequencer: committed entries still without a place (reporting.delivery.feed.feed_sequence)
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="feed_unsequenced"),
        ]

    def __str__(self):
        return f"{self.seq} {self.kind} {self.action}"


class FeedCounter(models.Model):
    """The last place given in the feed (one row); locked while places are given, so that givers take turns."""

    last = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return str(self.last)
