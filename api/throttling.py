"""Throttling per token (DRF's cache-based throttle, one bucket per token; `API_TOKEN_RATE`)."""
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """Each token has its own bucket: one busy integration cannot use up another's, nor a person's browser."""

    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None  # the browser's session is not throttled here (sign-in is, by django-axes)
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
