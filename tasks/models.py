"""Plans (kế hoạch), their task groups and tasks (nhiệm vụ, giải pháp), who is assigned what, and the yearly
deadlines."""
import datetime
from decimal import Decimal

import holidays
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agencies.fields import NFCCharField, NFCTextField
from agencies.models import Agency, AgencyKind


def _localised(obj, field: str) -> str:
    english = getattr(obj, f"{field}_en", "")
    if english and (get_language() or "").startswith("en"):
        return english
    return getattr(obj, field)


def code_sort_key(code: str) -> str:
    """'3.10' sorts after '3.9': zero-pad each part of a dotted code."""
    return ".".join(part.zfill(4) for part in code.split("."))


class Plan(models.Model):
    """A plan of the Provincial People's Committee (e.g. Kế hoạch 119/KH-UBND). Nothing in the code is specific to one
    plan."""

    number = NFCCharField(_("number"), max_length=50, unique=True, help_text=_("e.g. 119/KH-UBND"))
    title = NFCTextField(_("title (Vietnamese)"))
    title_en = NFCTextField(_("title (English)"), blank=True)
    issued_on = models.DateField(_("issued on"))
    place = NFCCharField(_("place of issue"), max_length=100, blank=True)
    issuer = models.ForeignKey(
        Agency, verbose_name=_("issuer"), on_delete=models.PROTECT, related_name="issued_plans", null=True, blank=True
    )
    signer = NFCCharField(_("signed by"), max_length=100, blank=True)
    signer_title = NFCCharField(_("signer's title"), max_length=200, blank=True)
    basis_documents = NFCTextField(_("basis documents"), blank=True, help_text=_("One document per line."))
    preamble = NFCTextField(_("preamble"), blank=True)
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-issued_on", "number"]

    def __str__(self):
        return self.number

    @property
    def display_title(self) -> str:
        return _localised(self, "title")

    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)

    def basis_list(self) -> list[str]:
        return [line.strip() for line in self.basis_documents.splitlines() if line.strip()]

    def clean(self):
        if self.first_year and self.last_year and self.last_year < self.first_year:
            raise ValidationError({"last_year": _("The last year cannot come before the first year.")})


class PlanSection(models.Model):
    """A section of the plan's text (I. purpose, III. funding, IV. implementation), kept as context."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="sections")
    code = models.CharField(_("code"), max_length=10)
    title = NFCCharField(_("title (Vietnamese)"), max_length=255)
    title_en = NFCCharField(_("title (English)"), max_length=255, blank=True)
    text = NFCTextField(_("text"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("plan section")
        verbose_name_plural = _("plan sections")
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_section_code_per_plan")]

    def __str__(self):
        return f"{self.code}. {self.title}"

    @property
    def display_title(self) -> str:
        return _localised(self, "title")

    def paragraphs(self) -> list[str]:
        return [p for p in self.text.split("\n") if p.strip()]


class TaskGroup(models.Model):
    """A heading of section II (II.1 … II.6), grouping its tasks."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="groups")
    code = models.CharField(_("code"), max_length=10)
    title = NFCTextField(_("title (Vietnamese)"))
    title_en = NFCTextField(_("title (English)"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("task group")
        verbose_name_plural = _("task groups")
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_group_code_per_plan")]

    def __str__(self):
        return f"{self.code}. {self.display_title}"

    @property
    def display_title(self) -> str:
        return _localised(self, "title")


class TaskQuerySet(models.QuerySet):
    def leaves(self):
        """Tasks that are reported on: items without dash sub-tasks, and the sub-tasks themselves."""
        return self.filter(children__isnull=True)


class Task(models.Model):
    """A task of section II (nhiệm vụ, giải pháp): an item such as 3.5, or one of its dash sub-tasks such as 3.1.2."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="tasks")
    group = models.ForeignKey(TaskGroup, verbose_name=_("task group"), on_delete=models.PROTECT, related_name="tasks")
    parent = models.ForeignKey(
        "self", verbose_name=_("parent item"), null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.CharField(_("code"), max_length=20, help_text=_("e.g. 3.5, or 3.1.2 for a dash sub-task"))
    title = NFCCharField(_("short title (Vietnamese)"), max_length=255)
    title_en = NFCCharField(_("short title (English)"), max_length=255, blank=True)
    text = NFCTextField(_("text"), help_text=_("The plan's own words."))
    assigned_to_all = models.BooleanField(
        _("all departments and local People's Committees"),
        default=False,
        help_text=_(
            "Given to every provincial department or unit and every local People's Committee in existence (the "
            "district level until 30/06/2025, the commune level from 01/07/2025); each of them gets its own "
            "assignment, including agencies added later."
        ),
    )
    # Derived from `code` so that 3.10 sorts after 3.9.
    sort_key = models.CharField(max_length=60, editable=False, db_index=True)

    history = HistoricalRecords()
    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["plan", "sort_key"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_task_code_per_plan")]

    def __str__(self):
        return f"{self.code}. {self.display_title}"

    def save(self, *args, **kwargs):
        self.sort_key = code_sort_key(self.code)
        super().save(*args, **kwargs)

    @property
    def display_title(self) -> str:
        return _localised(self, "title")

    def paragraphs(self) -> list[str]:
        return [p for p in self.text.split("\n") if p.strip()]


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("Lead (chủ trì)")
    CO_OPERATING = "co", _("Co-operating (phối hợp)")


class AssignmentSource(models.TextChoices):
    PLAN = "plan", _("Named in the plan")
    ALL_AGENCIES = "all_agencies", _("All provincial departments and local People's Committees")
    ADMIN = "admin", _("Added by an admin")


class Assignment(models.Model):
    """Who carries a task: one agency, as lead (chủ trì) or co-operating (phối hợp).

    `requested` marks organisations the plan requests (đề nghị, IV.3–IV.4) rather than orders: they report
    voluntarily and are not chased.
    """

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="assignments")
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(_("role"), max_length=8, choices=AssignmentRole.choices)
    requested = models.BooleanField(
        _("requested, not ordered"),
        default=False,
        help_text=_("The plan requests (đề nghị) this organisation's participation; reporting is voluntary."),
    )
    source = models.CharField(_("source"), max_length=16, choices=AssignmentSource.choices,
                              default=AssignmentSource.ADMIN)
    basis = models.CharField(_("basis in the plan"), max_length=20, blank=True, help_text=_("e.g. II.3.5 or IV.4"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["task__sort_key", "role", "agency__sort_key"]
        constraints = [models.UniqueConstraint(fields=["task", "agency"], name="one_assignment_per_task_and_agency")]
        indexes = [
            # the agency's home page and its report sections: "what is this agency assigned?"
            models.Index(fields=["agency", "task"], name="assignment_by_agency"),
        ]

    def __str__(self):
        return f"{self.task.code} · {self.agency} · {self.get_role_display()}"

    @property
    def is_lead(self) -> bool:
        return self.role == AssignmentRole.LEAD


class DeadlineKind(models.TextChoices):
    AGENCY_REPORT = "agency_report", _("Agency reports to the DFA")
    SYNTHESIS = "synthesis", _("DFA synthesis to the Provincial People's Committee")


def vietnam_holidays(year: int) -> holidays.HolidayBase:
    """Vietnamese public holidays of one year, lunar New Year included."""
    return holidays.country_holidays("VN", years=year)


def next_working_day(day: datetime.date, extra_days_off=()) -> datetime.date:
    """The day itself when it is a working day, else the first working day after it."""
    off = vietnam_holidays(day.year) | vietnam_holidays(day.year + 1)
    extra = set(extra_days_off)
    while day.weekday() >= 5 or day in off or day in extra:
        day += datetime.timedelta(days=1)
    return day


class DeadlineRule(models.Model):
    """A yearly deadline of the plan: agencies report to the DFA before 05/11 (IV.2); the DFA synthesises before 15/11
    (IV.1)."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="deadline_rules")
    kind = models.CharField(_("kind"), max_length=20, choices=DeadlineKind.choices)
    month = models.PositiveSmallIntegerField(_("month"))
    day = models.PositiveSmallIntegerField(_("day"))
    move_to_working_day = models.BooleanField(
        _("move to the next working day"),
        default=False,
        help_text=_(
            "When the date falls on a weekend or a Vietnamese public holiday, the deadline is the next working day."
        ),
    )
    basis = models.CharField(_("basis in the plan"), max_length=20, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["plan", "month", "day"]
        constraints = [models.UniqueConstraint(fields=["plan", "kind"], name="one_deadline_rule_per_kind")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.day:02d}/{self.month:02d}"

    def clean(self):
        try:
            datetime.date(2024, self.month or 0, self.day or 0)  # 2024 is a leap year: 29/02 allowed
        except (TypeError, ValueError):
            raise ValidationError(_("%(day)s/%(month)s is not a date.") % {"day": self.day,
                                                                           "month": self.month}) from None

    def due_date(self, year: int, extra_days_off=()) -> datetime.date:
        """The concrete due date in `year`, moved to the next working day when the rule says so."""
        if self.month == 2 and self.day == 29:
            day = datetime.date(year, 3, 1) - datetime.timedelta(days=1)
        else:
            day = datetime.date(year, self.month, self.day)
        return next_working_day(day, extra_days_off) if self.move_to_working_day else day


class IndicatorKind(models.TextChoices):
    COUNT = "count", _("Count (whole number)")
    AMOUNT = "amount", _("Amount")
    PERCENTAGE = "percentage", _("Percentage")


class IndicatorCombine(models.TextChoices):
    SUM = "sum", _("Sum")
    MAX = "max", _("Largest value")
    LATEST = "latest", _("Latest value")


class Indicator(models.Model):
    """A figure (chỉ tiêu) agencies report next to a task — conferences held, FDI capital registered … — so that the
    DFA can add it up across agencies and compare it with earlier years.

    `combine` says how several values make one: the agencies of one year, and the years of a review. `suggested`
    marks the indicators the DFA proposes that the plan's text does not name.
    """

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(_("code"), max_length=40, help_text=_("Short and stable, e.g. fdi-capital."))
    name = NFCCharField(_("name (Vietnamese)"), max_length=200)
    name_en = NFCCharField(_("name (English)"), max_length=200, blank=True)
    unit = NFCCharField(_("unit (Vietnamese)"), max_length=50)
    unit_en = NFCCharField(_("unit (English)"), max_length=50, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=IndicatorKind.choices, default=IndicatorKind.COUNT)
    combine = models.CharField(_("values combine by"), max_length=8, choices=IndicatorCombine.choices,
                               default=IndicatorCombine.SUM)
    tasks = models.ManyToManyField(Task, verbose_name=_("tasks"), related_name="indicators")
    lead_only = models.BooleanField(_("reported by the lead agency only"), default=False)
    suggested = models.BooleanField(
        _("suggested by the DFA"), default=False,
        help_text=_("Suggested by the DFA, not named in the plan's text."),
    )
    active = models.BooleanField(_("asked in report forms"), default=True,
                                 help_text=_("Untick to stop asking for it; values already reported are kept."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    history = HistoricalRecords(m2m_fields=[tasks])

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["plan", "position", "code"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="unique_indicator_code_per_plan")]

    def __str__(self):
        return f"{self.display_name} ({self.display_unit})"

    @property
    def display_name(self) -> str:
        return _localised(self, "name")

    @property
    def display_unit(self) -> str:
        return _localised(self, "unit")

    def asked_of(self, *, is_lead: bool) -> bool:
        """Is an agency asked for this indicator in a section of one of its tasks (lead or co-operating)?"""
        return self.active and (is_lead or not self.lead_only)

    def check_value(self, value) -> None:
        """Counts are whole and not negative, amounts not negative, percentages from 0 to 100."""
        if value < 0:
            raise ValidationError(_("%(name)s cannot be negative.") % {"name": self.display_name})
        if value.as_tuple().exponent < -2 and value != value.quantize(Decimal("0.01")):
            raise ValidationError(_("%(name)s: at most two digits after the decimal comma.")
                                  % {"name": self.display_name})
        if value >= Decimal(10) ** 16:
            raise ValidationError(_("%(name)s: this number is too large.") % {"name": self.display_name})
        if self.kind == IndicatorKind.COUNT and value != value.to_integral_value():
            raise ValidationError(_("%(name)s is counted in whole numbers.") % {"name": self.display_name})
        if self.kind == IndicatorKind.PERCENTAGE and value > 100:
            raise ValidationError(_("%(name)s is a percentage: at most 100.") % {"name": self.display_name})

    def combined(self, values: list):
        """One value from several, oldest first: the agencies' values of a year, or the years of a review.

        None when there is nothing to combine (no one reported it), which is not the same as 0.
        """
        values = [v for v in values if v is not None]
        if not values:
            return None
        if self.combine == IndicatorCombine.MAX:
            return max(values)
        if self.combine == IndicatorCombine.LATEST:
            return values[-1]
        return sum(values)


class ReorganisationAction(models.TextChoices):
    CREATE = "create", _("Create")
    RENAME = "rename", _("Rename")
    MERGE = "merge", _("Merge (many into one)")
    SPLIT = "split", _("Split (one into many)")
    ABOLISH = "abolish", _("Abolish")


class DraftHandling(models.TextChoices):
    """What becomes of the open drafts of a body that ends (the admin chooses in the preview)."""

    MOVE = "move", _("Move their text to the successor's report")
    CLOSE = "close", _("Close them with a note")


class Reorganisation(models.Model):
    """A reorganisation of the province's bodies (sắp xếp, sáp nhập, chia tách, giải thể) as data: an effective date
    and a list of changes, uploaded as a file or entered in the admin, previewed, applied in one transaction and kept
    as history (tasks/reorganisation.py; its effects on reports: reporting/cycle/reorganisation.py)."""

    title = NFCCharField(_("title"), max_length=255, help_text=_("e.g. the decision it carries out."))
    effective_on = models.DateField(_("effective on"), help_text=_("The first day of the new bodies; the bodies that "
                                                                    "end exist until the day before."))
    # the changes in a canonical form: the same file uploaded twice is one reorganisation
    digest = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True, editable=False)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("applied by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+", editable=False)
    drafts = models.CharField(_("open drafts of the bodies that end"), max_length=8, choices=DraftHandling.choices,
                              blank=True, editable=False)
    summary = models.JSONField(_("what it did"), default=dict, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reorganisation")
        verbose_name_plural = _("reorganisations")
        ordering = ["-effective_on", "-id"]

    def __str__(self):
        return f"{self.title} ({self.effective_on:%d/%m/%Y})"

    @property
    def is_applied(self) -> bool:
        return self.applied_at is not None


def _codes(value: str) -> list[str]:
    return [part for part in (p.strip() for p in value.replace(",", ";").split(";")) if part]


class ReorganisationChange(models.Model):
    """One change of a reorganisation. `code` is the body it is about: created, renamed, the successor of a merge or
    of a split, or the body abolished. `predecessors` are the codes that end (merge: one or more; split: one).
    A split's rows name the tasks each successor inherits; "*" takes the rest, the people and the drafts."""

    reorganisation = models.ForeignKey(Reorganisation, verbose_name=_("reorganisation"), on_delete=models.CASCADE,
                                       related_name="changes")
    position = models.PositiveIntegerField(_("position"), default=0)
    action = models.CharField(_("action"), max_length=8, choices=ReorganisationAction.choices)
    code = models.CharField(_("agency code"), max_length=40)
    name = NFCCharField(_("name (Vietnamese)"), max_length=255, blank=True)
    name_en = NFCCharField(_("name (English)"), max_length=255, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=AgencyKind.choices, blank=True)
    predecessors = models.CharField(_("from"), max_length=2000, blank=True,
                                    help_text=_("Codes of the bodies that end, separated by semicolons."))
    tasks = models.CharField(_("tasks inherited"), max_length=2000, blank=True,
                             help_text=_("Split only: the task codes this successor inherits, separated by "
                                         "semicolons, or * for all the others."))

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        ordering = ["reorganisation", "position", "id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.code}"

    def predecessor_codes(self) -> list[str]:
        return _codes(self.predecessors)

    def task_codes(self) -> list[str]:
        return _codes(self.tasks)

    @property
    def split_key(self) -> str:
        """The body a split row divides (rows of one split share it)."""
        return ";".join(self.predecessor_codes()).upper()

    def renames(self, agency) -> bool:
        """Would this change give `agency` another name (an empty English name keeps the old one)?"""
        return (agency.name, agency.name_en) != (self.name, self.name_en or agency.name_en)

    @property
    def inherits_the_rest(self) -> bool:
        return "*" in self.task_codes()
