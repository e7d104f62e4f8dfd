from django.urls import path

from . import views

urlpatterns = [
    path("plan/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail_pk"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
]
