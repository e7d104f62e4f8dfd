from django.urls import path

from agencies import views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/calendar/rotate/", views.calendar_rotate, name="calendar_rotate"),
]
