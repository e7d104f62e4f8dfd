"""/api/: the schema, its documentation pages, and version 1. The plan is part of every path that belongs to a plan,
so that more plans fit without breaking a client."""
from csp.constants import SELF
from csp.decorators import csp_update
from django.urls import include, path
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from api import views

app_name = "api"

v1 = [
    path("plans/", views.PlanList.as_view(), name="plan_list"),
    path("plans/<int:plan>/", views.PlanDetail.as_view(), name="plan_detail"),
    path("plans/<int:plan>/groups/", views.GroupList.as_view(), name="group_list"),
    path("plans/<int:plan>/tasks/", views.TaskList.as_view(), name="task_list"),
    path("plans/<int:plan>/difficulties/", views.DifficultyList.as_view(), name="difficulty_list"),
    path("plans/<int:plan>/difficulties/<int:pk>/", views.DifficultyDetail.as_view(), name="difficulty_detail"),
    path("plans/<int:plan>/figures/years/", views.YearFigures.as_view(), name="figures_years"),
    path("plans/<int:plan>/periods/", views.PeriodList.as_view(), name="period_list"),
    path("plans/<int:plan>/periods/<int:year>/", views.PeriodDetail.as_view(), name="period_detail"),
    path("plans/<int:plan>/periods/<int:year>/figures/", views.PeriodFigures.as_view(), name="figures_period"),
    path("plans/<int:plan>/periods/<int:year>/figures/agencies/", views.AgencyFigures.as_view(),
         name="figures_agencies"),
    path("plans/<int:plan>/periods/<int:year>/figures/tasks/", views.TaskFigures.as_view(), name="figures_tasks"),
    path("plans/<int:plan>/periods/<int:year>/figures/indicators/", views.IndicatorFigures.as_view(),
         name="figures_indicators"),
    path("plans/<int:plan>/periods/<int:year>/reports/", views.ReportList.as_view(), name="report_list"),
    path("plans/<int:plan>/periods/<int:year>/reports/<slug:agency>/", views.ReportDetail.as_view(),
         name="report_detail"),
    path("plans/<int:plan>/periods/<int:year>/reports/<slug:agency>/submit/", views.ReportSubmit.as_view(),
         name="report_submit"),
    path("plans/<int:plan>/periods/<int:year>/reports/<slug:agency>/accept/", views.ReportAccept.as_view(),
         name="report_accept"),
    path("plans/<int:plan>/periods/<int:year>/reports/<slug:agency>/return/", views.ReportReturn.as_view(),
         name="report_return"),
    path("plans/<int:plan>/periods/<int:year>/synthesis/", views.SynthesisDetail.as_view(), name="synthesis"),
    path("plans/<int:plan>/periods/<int:year>/synthesis/<str:fmt>/", views.SynthesisDownload.as_view(),
         name="synthesis_download"),
    path("agencies/", views.AgencyList.as_view(), name="agency_list"),
    path("events/", views.EventList.as_view(), name="event_list"),
]

# Redoc searches in a web worker it starts from a blob: URL
RedocView = method_decorator(csp_update({"worker-src": [SELF, "blob:"]}), name="dispatch")(SpectacularRedocView)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", RedocView.as_view(url_name="api:schema"), name="redoc"),
    path("v1/", include(v1)),
]
