"""What the API shows of each thing, and the shape of what it accepts. Thin: rules and validation messages come from
the services and the report form's own fields (reporting.cycle.forms), never restated here."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from agencies.models import Agency
from reporting.dashboards.metrics import DEFINITIONS, METRICS
from reporting.models import (
    Difficulty,
    DifficultyResponse,
    FeedEntry,
    IndicatorValue,
    Report,
    ReportingPeriod,
    ReportSection,
    SectionFigure,
    Synthesis,
)
from tasks.models import Assignment, Plan, Task, TaskGroup


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = Plan
        fields = ["id", "number", "title", "title_en", "issued_on", "first_year", "last_year"]


class TaskGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaskGroup
        fields = ["id", "code", "title", "title_en", "position"]


class AgencySerializer(serializers.ModelSerializer):
    merged_into = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True,
                                               help_text=_("Code of the agency it was merged into."))
    merged_on = serializers.DateField(read_only=True, allow_null=True,
                                      help_text=_("The day its successor took over (the day after its last)."))

    class Meta:
        model = Agency
        fields = ["id", "code", "name", "name_en", "kind", "active", "merged_into", "merged_on", "exists_from",
                  "exists_until"]


class AgencyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "code", "name", "name_en"]


class AssignmentSerializer(serializers.ModelSerializer):
    agency = AgencyRefSerializer(read_only=True)

    class Meta:
        model = Assignment
        fields = ["agency", "role", "requested", "source", "basis"]


class TaskSerializer(serializers.ModelSerializer):
    group = serializers.SlugRelatedField(slug_field="code", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    assignments = AssignmentSerializer(many=True, read_only=True)

    class Meta:
        model = Task
        fields = ["id", "code", "group", "parent", "title", "title_en", "text", "assigned_to_all", "assignments"]


class PeriodSerializer(serializers.ModelSerializer):
    phase = serializers.SerializerMethodField(help_text=_("not_yet_open, open or closed, today."))

    class Meta:
        model = ReportingPeriod
        fields = ["id", "year", "status", "phase", "opens_on", "agency_due", "synthesis_due", "covers_from",
                  "covers_to", "closed_at"]

    def get_phase(self, period) -> str:
        return period.phase(self.context["today"])


class FigureSerializer(serializers.ModelSerializer):
    """A figure the agency named itself (label, value, unit), beside the catalogue's indicators."""

    class Meta:
        model = SectionFigure
        fields = ["label", "value", "unit"]


class IndicatorValueSerializer(serializers.ModelSerializer):
    """The value of one catalogue indicator (tasks.models.Indicator) in a section."""

    code = serializers.CharField(source="indicator.code")
    name = serializers.CharField(source="indicator.name")
    name_en = serializers.CharField(source="indicator.name_en")
    unit = serializers.CharField(source="indicator.unit")

    class Meta:
        model = IndicatorValue
        fields = ["code", "name", "name_en", "unit", "value"]


class SectionSerializer(serializers.ModelSerializer):
    task = serializers.SlugRelatedField(slug_field="code", read_only=True)
    indicators = IndicatorValueSerializer(source="indicator_values", many=True, read_only=True)
    figures = FigureSerializer(many=True, read_only=True)

    class Meta:
        model = ReportSection
        fields = ["id", "task", "role", "requested", "progress", "results", "difficulties", "proposals",
                  "review_comment", "indicators", "figures"]


class ReportListSerializer(serializers.ModelSerializer):
    """A report in a list. Where deadline extensions are granted, the report's deadline in force belongs here, beside
    `days_late` (which already follows the deadline its model method uses)."""

    agency = AgencyRefSerializer(read_only=True)
    year = serializers.IntegerField(source="period.year", read_only=True)
    days_late = serializers.IntegerField(read_only=True)
    etag = serializers.SerializerMethodField(help_text=_("The version to send back in If-Match when changing it."))

    class Meta:
        model = Report
        fields = ["id", "year", "agency", "status", "expected", "version", "first_submitted_at", "submitted_at",
                  "reviewed_at", "days_late", "reopened", "updated_at", "etag"]

    def get_etag(self, report) -> str:
        return f'"{report.lock_version}"'


class ReportSerializer(ReportListSerializer):
    sections = SectionSerializer(many=True, read_only=True)

    class Meta(ReportListSerializer.Meta):
        fields = [*ReportListSerializer.Meta.fields, "summary", "review_comment", "sections"]


# --- Writes -------------------------------------------------------------------------------------------

class FigureInputSerializer(serializers.Serializer):
    label = serializers.CharField(allow_blank=True, required=False, default="")
    value = serializers.DecimalField(max_digits=18, decimal_places=2, required=False, allow_null=True, default=None)
    unit = serializers.CharField(allow_blank=True, required=False, default="")


class IndicatorInputSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("The indicator's code, as read from the section."))
    value = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True,
                                     help_text=_("null clears the value."))


class SectionInputSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The section's id, as read from the report."))
    progress = serializers.CharField(allow_blank=True, required=False, help_text=_(
        "not_started, in_progress, completed, ongoing, or empty."))
    results = serializers.CharField(allow_blank=True, required=False)
    difficulties = serializers.CharField(allow_blank=True, required=False)
    proposals = serializers.CharField(allow_blank=True, required=False)
    indicators = IndicatorInputSerializer(many=True, required=False, help_text=_(
        "Values of the catalogue's indicators asked of the section; those left out stay as they are."))
    figures = FigureInputSerializer(many=True, required=False, help_text=_(
        "Figures the agency names itself; when given, they replace the stored ones."))


class ReportDraftSerializer(serializers.Serializer):
    """A draft: the overall assessment and any sections, partly; what is left out stays as it is."""

    summary = serializers.CharField(allow_blank=True, required=False)
    sections = SectionInputSerializer(many=True, required=False)


class ReviewSerializer(serializers.Serializer):
    comment = serializers.CharField(allow_blank=True, required=False, default="")


class ReturnSerializer(ReviewSerializer):
    section_comments = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, default=dict,
        help_text=_("Comments on single sections, by section id."))


# --- Figures -------------------------------------------------------------------------------------------

class FiguresSerializer(serializers.Serializer):
    """The counts of reporting.dashboards.metrics.METRICS, and the two rates in per cent."""

    reporting_rate = serializers.FloatField()
    on_time_rate = serializers.FloatField()

    def get_fields(self):
        counts = {name: serializers.IntegerField(help_text=str(DEFINITIONS[name])) for name in METRICS}
        return {**counts, **super().get_fields()}


class PeriodFiguresSerializer(serializers.Serializer):
    """Every figure of one period, as the dashboard shows it (reporting.dashboards.metrics)."""

    year = serializers.IntegerField()
    figures = FiguresSerializer()
    definitions = serializers.DictField(child=serializers.CharField())


class AgencyFiguresSerializer(serializers.Serializer):
    """One agency's report in a period: 1 in each figure it counts in, 0 in the others."""

    agency = AgencyRefSerializer()
    report = serializers.IntegerField()
    status = serializers.CharField()
    figures = serializers.DictField(child=serializers.IntegerField())

    @staticmethod
    def row(report) -> dict:
        return {"agency": report.agency, "report": report.pk, "status": report.status,
                "figures": {name: int(getattr(report, f"in_{name}")) for name in METRICS}}


class TaskFiguresSerializer(serializers.Serializer):
    task_id = serializers.IntegerField()
    code = serializers.CharField(source="task__code")
    title = serializers.CharField(source="task__title")
    title_en = serializers.CharField(source="task__title_en")
    expected = serializers.IntegerField()
    reported = serializers.IntegerField()
    unreported = serializers.IntegerField()
    not_started = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    completed = serializers.IntegerField()
    ongoing = serializers.IntegerField()
    none = serializers.IntegerField(help_text=_("Sent without a progress status."))
    no_progress = serializers.IntegerField()


class IndicatorAgencyValueSerializer(serializers.Serializer):
    agency = serializers.CharField()
    agency_code = serializers.CharField()
    value = serializers.DecimalField(max_digits=18, decimal_places=2)
    expected = serializers.BooleanField(help_text=_("False: a requested organisation's value, totalled apart."))


class IndicatorFiguresSerializer(serializers.Serializer):
    """One indicator of one task in a period: every agency's value (from its last submitted version) and the total."""

    task = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    kind = serializers.CharField()
    combine = serializers.CharField()
    values = IndicatorAgencyValueSerializer(many=True)
    total = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    voluntary_total = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)


class YearFiguresSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    expected = serializers.IntegerField()
    submitted = serializers.IntegerField()
    on_time = serializers.IntegerField()
    late = serializers.IntegerField()
    missing = serializers.IntegerField()
    reporting_rate = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    reported_by = serializers.ListField(
        child=serializers.CharField(), required=False,
        help_text=_("With agency: the codes of the bodies whose reports the year's figures count."))


class YearFiguresQuerySerializer(serializers.Serializer):
    agency = serializers.CharField(required=False, allow_blank=True, max_length=40)
    lineage = serializers.BooleanField(required=False, default=False)


# --- Difficulties, synthesis, feed ------------------------------------------------------------------------

class DifficultyResponseSerializer(serializers.ModelSerializer):
    class Meta:
        model = DifficultyResponse
        fields = ["text", "status", "at"]


class DifficultySerializer(serializers.ModelSerializer):
    agency = AgencyRefSerializer(read_only=True)
    task = serializers.SlugRelatedField(slug_field="code", read_only=True)
    year = serializers.IntegerField(source="period.year", read_only=True, allow_null=True)
    responses = DifficultyResponseSerializer(many=True, read_only=True)

    class Meta:
        model = Difficulty
        fields = ["id", "agency", "task", "year", "kind", "title", "text", "status", "raised_at", "updated_at",
                  "responses"]


class SynthesisSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField(help_text=_("idle (ready), queued, running or failed."))
    final = serializers.BooleanField(source="is_final", read_only=True)
    downloads = serializers.SerializerMethodField()

    class Meta:
        model = Synthesis
        fields = ["state", "progress", "built_at", "final", "finalised_at", "doc_number", "downloads"]

    def get_state(self, synthesis) -> str:
        return synthesis.build_state()

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "string", "format": "uri"}})
    def get_downloads(self, synthesis) -> dict:
        return self.context["downloads"] if synthesis.built_at else {}


class EventSerializer(serializers.ModelSerializer):
    cursor = serializers.IntegerField(source="seq", help_text=_("Pass the last one as ?since= to read what follows."))
    year = serializers.IntegerField(source="period.year", read_only=True, allow_null=True)
    plan = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = FeedEntry
        fields = ["cursor", "kind", "action", "at", "plan", "year", "agency", "report", "difficulty", "version"]


class EventPageSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    next = serializers.IntegerField(help_text=_("The cursor to ask for next (?since=)."))
