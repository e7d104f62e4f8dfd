from django.urls import path

from agencies import account_views, views

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/calendar/rotate/", views.calendar_rotate, name="calendar_rotate"),
    # addresses in e-mails: never change them (agencies/accounts.py makes the links)
    path("accounts/password/reset/", account_views.password_reset, name="password_reset"),
    path("accounts/password/reset/sent/", account_views.password_reset_done, name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", account_views.PasswordResetConfirm.as_view(),
         name="password_reset_confirm"),
    path("accounts/reset/done/", account_views.password_reset_complete, name="password_reset_complete"),
    path("accounts/invitation/<uidb64>/<token>/", account_views.InvitationAccept.as_view(), name="invitation_accept"),
]
