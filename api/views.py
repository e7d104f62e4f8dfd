"""The API's endpoints (REST, OpenAPI at /api/schema/). Each one asks reporting.permissions, reads through the
selectors and the one metrics module, and writes through the services, exactly as the pages do."""
from django.db import transaction
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework import serializers as drf_serializers
from rest_framework.response import Response

from agencies.models import Agency
from api import serializers as s
from api.base import ApiView, DetailView, ListView
from api.drafts import draft_from_request
from api.filters import AgencyFilter, DifficultyFilter, ReportFilter, TaskFilter
from api.permissions import ReadsFigures, ReviewsReports
from api.problems import Conflict, PreconditionFailed, PreconditionRequired, Unprocessable
from reporting.cycle import services
from reporting.dashboards.metrics import (
    DEFINITIONS,
    agencies_with_a_line,
    agency_named,
    indicator_figures,
    period_counts,
    reports_with_metrics,
    task_progress,
    years_series,
)
from reporting.dashboards.selectors import agency_line
from reporting.delivery.feed import feed_since
from reporting.models import Difficulty, Report, ReportingPeriod, ReportSection
from reporting.permissions import (
    difficulties_visible_to,
    feed_visible_to,
    may_edit,
    reports_visible_to,
    synthesis_for,
)
from reporting.synthesis.documents import synthesis_docx, synthesis_xlsx
from reporting.synthesis.views import DOCX, XLSX
from tasks.models import Assignment, Plan, Task, TaskGroup

PLAN = OpenApiParameter("plan", int, OpenApiParameter.PATH, description=_("The plan's id (GET /api/v1/plans/)."))
YEAR = OpenApiParameter("year", int, OpenApiParameter.PATH, description=_("The year of the reporting period."))
AGENCY = OpenApiParameter("agency", str, OpenApiParameter.PATH, description=_("The agency's code."))
IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True,
                            description=_("The report's ETag as last read, e.g. \"7\"."))


# --- The plan ------------------------------------------------------------------------------------------

@extend_schema(summary=_("Plans"), description=_("Every plan the app follows (Plan 119/KH-UBND and any other)."))
class PlanList(ListView):
    serializer_class = s.PlanSerializer
    queryset = Plan.objects.order_by("-issued_on", "pk")


@extend_schema(summary=_("One plan"), parameters=[PLAN])
class PlanDetail(DetailView):
    serializer_class = s.PlanSerializer
    queryset = Plan.objects.all()
    lookup_url_kwarg = "plan"


@extend_schema(summary=_("Task groups of a plan"), parameters=[PLAN])
class GroupList(ListView):
    serializer_class = s.TaskGroupSerializer
    queryset = TaskGroup.objects.none()

    def rows(self):
        return self.plan().groups.order_by("position", "code")


@extend_schema(summary=_("Tasks of a plan, with their lead and co-operating agencies"), parameters=[PLAN])
class TaskList(ListView):
    serializer_class = s.TaskSerializer
    queryset = Task.objects.none()
    filterset_class = TaskFilter

    def rows(self):
        assignments = Assignment.objects.select_related("agency").order_by("role", "agency__sort_key")
        return (Task.objects.filter(plan=self.plan()).select_related("group", "parent")
                .prefetch_related(Prefetch("assignments", queryset=assignments)).order_by("sort_key"))


@extend_schema(summary=_("Agencies"), description=_("Departments, district- and commune-level committees, "
                                                    "organisations; merged ones name their successor."))
class AgencyList(ListView):
    serializer_class = s.AgencySerializer
    filterset_class = AgencyFilter
    queryset = Agency.objects.select_related("merged_into").order_by("kind", "sort_key")


@extend_schema(summary=_("Reporting periods of a plan, with their dates"), parameters=[PLAN])
class PeriodList(ListView):
    serializer_class = s.PeriodSerializer
    queryset = ReportingPeriod.objects.none()

    def rows(self):
        return self.plan().periods.order_by("year")


@extend_schema(summary=_("One reporting period"), parameters=[PLAN, YEAR])
class PeriodDetail(DetailView):
    serializer_class = s.PeriodSerializer

    def get_object(self):
        return self.period()


# --- Reports ---------------------------------------------------------------------------------------------

def _sections():
    return Prefetch("sections", queryset=ReportSection.objects.select_related("task")
                    .prefetch_related("figures", "indicator_values__indicator").order_by("task__sort_key"))


@extend_schema(summary=_("Reports of a period"), parameters=[PLAN, YEAR],
               description=_("Staff see their own agency's report; the DFA and leadership every agency's."))
class ReportList(ListView):
    serializer_class = s.ReportListSerializer
    queryset = Report.objects.none()
    filterset_class = ReportFilter

    def rows(self):
        return (reports_visible_to(self.request.user).filter(period=self.period())
                .select_related("agency", "period").order_by("agency__sort_key"))


class ReportMixin(ApiView):
    def report(self, *, for_update: bool = False) -> Report:
        """The agency's report of the period if this user may read it, else 404."""
        reports = reports_visible_to(self.request.user).filter(period=self.period())
        if for_update:  # the report's row only, not the agency's, period's and plan's joined below
            reports = reports.select_for_update(of=("self",))
        return get_object_or_404(reports.select_related("agency", "period__plan"), agency__code=self.kwargs["agency"])

    def check_version(self, report: Report) -> int:
        """The If-Match header against the report's lock version: 428 without it, 412 when someone changed it since."""
        header = self.request.headers.get("If-Match", "").strip()
        if not header or header == "*":
            raise PreconditionRequired
        tags = {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")}
        if str(report.lock_version) not in tags:
            raise PreconditionFailed
        return report.lock_version

    def answer(self, report: Report, status: int = 200) -> Response:
        report = (Report.objects.select_related("agency", "period").prefetch_related(_sections()).get(pk=report.pk))
        return Response(s.ReportSerializer(report, context=self.get_serializer_context()).data, status=status,
                        headers={"ETag": f'"{report.lock_version}"'})


@extend_schema(parameters=[PLAN, YEAR, AGENCY])
class ReportDetail(ReportMixin):
    serializer_class = s.ReportSerializer

    @extend_schema(summary=_("One agency's report, with its sections and indicator values"))
    def get(self, request, *args, **kwargs):
        return self.answer(self.report())

    @extend_schema(summary=_("Save a draft (agency staff)"), parameters=[IF_MATCH], request=s.ReportDraftSerializer,
                   description=_("What is left out stays as it is. The same checks and messages as the report form; "
                                 "refused with 412 when the report changed since the ETag sent in If-Match."))
    def patch(self, request, *args, **kwargs):
        report = self.report()
        if not may_edit(request.user, report):
            raise exceptions.PermissionDenied
        services.report_sync_sections(report=report)
        lock_version = self.check_version(report)
        draft = draft_from_request(report=report, data=request.data, lock_version=lock_version)
        try:
            report = services.report_save_draft(report=report, user=request.user, lock_version=lock_version,
                                                summary=draft.summary, sections=draft.sections, figures=draft.figures,
                                                indicators=draft.indicators)
        except services.StaleReport:
            raise PreconditionFailed from None
        except services.ReportingError as error:
            raise Conflict(str(error)) from None
        return self.answer(report)


class ReportActionView(ReportMixin):
    serializer_class = s.ReviewSerializer

    def act(self, report: Report, data: dict) -> Report:
        raise NotImplementedError

    def allowed(self, report: Report) -> bool:
        return True

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            report = self.report(for_update=True)
            if not self.allowed(report):
                raise exceptions.PermissionDenied
            self.check_version(report)
            try:
                report = self.act(report, serializer.validated_data)
            except services.IncompleteReport as error:
                raise Unprocessable(str(error), errors={
                    "sections": {str(section.pk): [message] for section, message in error.problems if section},
                    "non_field_errors": [message for section, message in error.problems if section is None],
                }) from None
            except services.ReportingError as error:
                raise Conflict(str(error)) from None
        return self.answer(report)


@extend_schema(summary=_("Submit the report to the DFA (agency staff)"), parameters=[PLAN, YEAR, AGENCY, IF_MATCH],
               request=None, responses=s.ReportSerializer,
               description=_("IV.2: agencies report through the DFA before 5 November. Refused with 422 and the "
                             "sections that need attention while a led task has no results."))
class ReportSubmit(ReportActionView):
    def allowed(self, report):
        return may_edit(self.request.user, report)

    def act(self, report, data):
        return services.report_submit(report=report, user=self.request.user)


@extend_schema(summary=_("Accept a submitted report (DFA)"), parameters=[PLAN, YEAR, AGENCY, IF_MATCH],
               request=s.ReviewSerializer, responses=s.ReportSerializer)
class ReportAccept(ReportActionView):
    permission_classes = [ReviewsReports]

    def act(self, report, data):
        return services.report_accept(report=report, user=self.request.user, comment=data["comment"])


@extend_schema(summary=_("Return a submitted report for changes (DFA)"), parameters=[PLAN, YEAR, AGENCY, IF_MATCH],
               request=s.ReturnSerializer, responses=s.ReportSerializer)
class ReportReturn(ReportActionView):
    permission_classes = [ReviewsReports]
    serializer_class = s.ReturnSerializer

    def act(self, report, data):
        comments = {}
        for key, text in data["section_comments"].items():
            if str(key).isdigit():
                comments[int(key)] = text
        return services.report_return(report=report, user=self.request.user, comment=data["comment"],
                                      section_comments=comments)


# --- Figures (reporting.dashboards.metrics, the one definition) --------------------------------------------

@extend_schema(summary=_("Every figure of a period"), parameters=[PLAN, YEAR], responses=s.PeriodFiguresSerializer,
               description=_("The same numbers as the dashboard and the synthesis: expected, submitted, on time, late, "
                             "missing, accepted, returned, waiting, voluntary, and the rates in per cent."))
class PeriodFigures(ApiView):
    permission_classes = [ReadsFigures]
    serializer_class = s.PeriodFiguresSerializer

    def get(self, request, *args, **kwargs):
        period = self.period()
        data = {"year": period.year, "figures": period_counts(period=period),
                "definitions": {name: str(text) for name, text in DEFINITIONS.items()}}
        return Response(s.PeriodFiguresSerializer(data).data)


@extend_schema(summary=_("The figures of a period, agency by agency"), parameters=[PLAN, YEAR],
               description=_("For each agency's report: 1 in every figure it counts in, 0 in the others. Summed over "
                             "the agencies they give the period's figures."))
class AgencyFigures(ListView):
    permission_classes = [ReadsFigures]
    serializer_class = s.AgencyFiguresSerializer
    queryset = Report.objects.none()

    def rows(self):
        return reports_with_metrics(period=self.period())

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([s.AgencyFiguresSerializer(s.AgencyFiguresSerializer.row(r)).data
                                            for r in page])


@extend_schema(summary=_("Progress of every task in a period"), parameters=[PLAN, YEAR],
               responses=s.TaskFiguresSerializer(many=True))
class TaskFigures(ApiView):
    permission_classes = [ReadsFigures]
    serializer_class = s.TaskFiguresSerializer
    queryset = Task.objects.none()

    def get(self, request, *args, **kwargs):
        return Response(s.TaskFiguresSerializer(task_progress(period=self.period()), many=True).data)


@extend_schema(summary=_("Indicator totals of a period, task by task"), parameters=[PLAN, YEAR],
               responses=s.IndicatorFiguresSerializer(many=True),
               description=_("The same totals as the synthesis: from each agency's last submitted version; requested "
                             "organisations' values totalled apart."))
class IndicatorFigures(ApiView):
    permission_classes = [ReadsFigures]
    serializer_class = s.IndicatorFiguresSerializer
    queryset = Task.objects.none()

    def get(self, request, *args, **kwargs):
        rows = [{"task": task, **item} for task, items in indicator_figures(period=self.period()).items()
                for item in items]
        return Response(s.IndicatorFiguresSerializer(rows, many=True).data)


@extend_schema(summary=_("Reporting and on-time rates, year by year"), parameters=[
    PLAN,
    OpenApiParameter("agency", str, description=_("One agency's line (its code) instead of the whole province.")),
    OpenApiParameter("lineage", bool, description=_(
        "With agency: also count the reports of the bodies it succeeds (merged into it) in their years.")),
], responses=s.YearFiguresSerializer(many=True))
class YearFigures(ApiView):
    """The across-years page's figures: of the province, or of one agency's line (reporting.dashboards.selectors
    .agency_line, the same rule as the page's)."""

    permission_classes = [ReadsFigures]
    serializer_class = s.YearFiguresSerializer
    queryset = ReportingPeriod.objects.none()

    def get(self, request, *args, **kwargs):
        query = s.YearFiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        code = query.validated_data.get("agency")
        plan = self.plan()
        if not code:
            return Response(s.YearFiguresSerializer(years_series(plan=plan), many=True).data)
        # the page's choice (reporting.dashboards.metrics.agencies_with_a_line, agency_named)
        agency = agency_named(agencies_with_a_line(plan=plan).filter(code__iexact=code), code)
        if agency is None:
            raise exceptions.ValidationError({"agency": [
                _("No agency with the code “%(code)s” has reports in this plan.") % {"code": code}]})
        line = agency_line(plan=plan, agency=agency, lineage=query.validated_data["lineage"])
        rows = [{**row, "reported_by": [item["agency"].code for item in row["reported_by"]]} for row in line["years"]]
        return Response(s.YearFiguresSerializer(rows, many=True).data)


# --- Difficulties, synthesis, the changes feed ---------------------------------------------------------------

@extend_schema(summary=_("Difficulties and proposals raised on a plan's tasks"), parameters=[PLAN])
class DifficultyList(ListView):
    serializer_class = s.DifficultySerializer
    queryset = Difficulty.objects.none()
    filterset_class = DifficultyFilter

    def rows(self):
        return (difficulties_visible_to(self.request.user).filter(task__plan_id=self.kwargs["plan"])
                .select_related("agency", "task", "period").prefetch_related("responses").order_by("-raised_at", "-pk"))


@extend_schema(summary=_("One difficulty or proposal, with the DFA's answers"),
               parameters=[PLAN, OpenApiParameter("id", int, OpenApiParameter.PATH)])
class DifficultyDetail(DetailView):
    serializer_class = s.DifficultySerializer
    queryset = Difficulty.objects.none()

    def rows(self):
        return (difficulties_visible_to(self.request.user).filter(task__plan_id=self.kwargs["plan"])
                .select_related("agency", "task", "period").prefetch_related("responses"))


def _downloads(request, plan: int, year: int) -> dict:
    return {fmt: request.build_absolute_uri(reverse("api:synthesis_download", args=[plan, year, fmt]))
            for fmt in ("docx", "xlsx")}


@extend_schema(summary=_("State of a period's synthesis, and its downloads"), parameters=[PLAN, YEAR],
               responses={200: s.SynthesisSerializer, 404: OpenApiResponse(description=_("Not built yet."))},
               description=_("The DFA always; leadership once it is final."))
class SynthesisDetail(ApiView):
    serializer_class = s.SynthesisSerializer

    def get(self, request, *args, **kwargs):
        period = self.period()
        synthesis = synthesis_for(request.user, period)
        if synthesis is None:
            raise exceptions.NotFound(_("No synthesis was built for this period yet."))
        context = {**self.get_serializer_context(), "downloads": _downloads(request, period.plan_id, period.year)}
        return Response(s.SynthesisSerializer(synthesis, context=context).data)


@extend_schema(summary=_("Download the synthesis (DOCX or XLSX)"),
               parameters=[PLAN, YEAR, OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=["docx", "xlsx"])],
               responses={(200, DOCX): OpenApiTypes.BINARY, (200, XLSX): OpenApiTypes.BINARY})
class SynthesisDownload(ApiView):
    queryset = ReportingPeriod.objects.none()

    @extend_schema(operation_id="synthesis_download")
    def get(self, request, *args, **kwargs):
        if self.kwargs["fmt"] not in ("docx", "xlsx"):
            raise exceptions.NotFound
        period = self.period()
        synthesis = synthesis_for(request.user, period)
        if synthesis is None or synthesis.built_at is None:
            raise exceptions.NotFound(_("No synthesis was built for this period yet."))
        fmt = self.kwargs["fmt"]
        if fmt == "docx":
            body = synthesis_docx(synthesis.content, synthesis.narrative(), doc_number=synthesis.doc_number,
                                  signed_on=timezone.localtime(synthesis.finalised_at or synthesis.built_at).date())
        else:
            body = synthesis_xlsx(synthesis.content, synthesis.narrative())
        response = HttpResponse(body, content_type=DOCX if fmt == "docx" else XLSX)
        response["Content-Disposition"] = f'attachment; filename="bao-cao-tong-hop-{period.year}.{fmt}"'
        return response


class EventQuery(drf_serializers.Serializer):
    since = drf_serializers.IntegerField(min_value=0, default=0, max_value=2**62,
                                         help_text=_("The last cursor read; 0 from the start."))
    limit = drf_serializers.IntegerField(min_value=1, max_value=500, default=100)


@extend_schema(summary=_("The changes feed: report transitions, difficulty updates, synthesis states"),
               parameters=[EventQuery], responses=s.EventPageSerializer,
               description=_("In order, after the cursor given as ?since=; poll with the last 'next'. The cursor never "
                             "skips or repeats a change, even when changes commit out of order."))
class EventList(ApiView):
    serializer_class = s.EventPageSerializer

    def get(self, request, *args, **kwargs):
        query = EventQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        since, limit = query.validated_data["since"], query.validated_data["limit"]
        entries = feed_visible_to(request.user).select_related("period", "agency")
        events = feed_since(entries=entries, cursor=since, limit=limit)
        return Response({"events": s.EventSerializer(events, many=True).data,
                         "next": events[-1].seq if events else since})
