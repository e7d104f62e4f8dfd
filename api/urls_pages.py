from django.urls import path

from api import pages

urlpatterns = [
    path("profile/api-tokens/", pages.token_list, name="api_tokens"),
    path("profile/api-tokens/<int:pk>/revoke/", pages.token_revoke_view, name="api_token_revoke"),
]
