from django.urls import path

from reporting.cycle import views
from reporting.dashboards import views as views_dashboard
from reporting.delivery import views as views_notifications
from reporting.difficulties import views as views_difficulties
from reporting.synthesis import views as views_synthesis

urlpatterns = [
    path("", views.home, name="home"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("reports/<int:pk>/review/", views.report_review, name="report_review"),
    path("reports/<int:pk>/reopen/", views.report_reopen, name="report_reopen"),
    path("reports/<int:pk>/versions/", views.report_versions, name="report_versions"),
    path("reports/<int:pk>/document.docx", views.report_document, name="report_document"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("review/", views.review_queue_view, name="review_queue"),
    path("periods/", views.period_list, name="period_list"),
    path("periods/<int:pk>/close/", views.period_close, name="period_close"),
    path("difficulties/", views_difficulties.difficulty_list, name="difficulty_list"),
    path("difficulties/new/", views_difficulties.difficulty_create, name="difficulty_create"),
    path("difficulties/<int:pk>/", views_difficulties.difficulty_detail, name="difficulty_detail"),
    path("synthesis/<int:year>/", views_synthesis.synthesis_page, name="synthesis"),
    path("synthesis/<int:year>/build/", views_synthesis.synthesis_build_view, name="synthesis_build"),
    path("synthesis/<int:year>/status/", views_synthesis.synthesis_status, name="synthesis_status"),
    path("synthesis/<int:year>/finalise/", views_synthesis.synthesis_finalise_view, name="synthesis_finalise"),
    path("synthesis/<int:year>/download.<fmt>", views_synthesis.synthesis_download, name="synthesis_download"),
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("dashboard/<int:year>/", views_dashboard.dashboard, name="dashboard_year"),
    path("dashboard/<int:year>/reports/", views_dashboard.dashboard_reports, name="dashboard_reports"),
    path("dashboard/<int:year>/sections/", views_dashboard.dashboard_sections, name="dashboard_sections"),
    path("dashboard/<int:year>/matrix/", views_dashboard.dashboard_matrix, name="dashboard_matrix"),
    path("dashboard/<int:year>/tasks/", views_dashboard.dashboard_tasks, name="dashboard_tasks"),
    path("dashboard/<int:year>/remind/", views_dashboard.dashboard_remind, name="dashboard_remind"),
    path("dashboard/years/", views_dashboard.dashboard_years, name="dashboard_years"),
    path("calendar/<str:token>.ics", views.calendar_view, name="calendar_feed"),
    path("notifications/", views_notifications.notification_list, name="notification_list"),
    path("notifications/read/", views_notifications.notifications_mark_read, name="notifications_mark_read"),
]
