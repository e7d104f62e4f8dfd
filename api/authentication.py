"""Who is calling: a personal token (`Authorization: Bearer p119_…`) for systems, the session for the browser."""
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from api.tokens import token_authenticate


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """A personal API token acts with exactly its person's permissions (`request.auth` is the ApiToken)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after 'Bearer ', without spaces."))
        token = token_authenticate(header[1])
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is unknown, revoked or expired."))
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
