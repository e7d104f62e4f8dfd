"""What every API endpoint shares: the client's language, a log line per token request, the period in the path."""
import logging

from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from rest_framework import generics

from api.models import ApiToken
from api.permissions import ReadsPlan
from reporting.models import ReportingPeriod
from tasks.models import Plan

log = logging.getLogger("api")


class ApiMixin(generics.GenericAPIView):
    """Vietnamese unless the client asks otherwise (Accept-Language: en); every request made with a token is logged
    with the token's name."""

    permission_classes = [ReadsPlan]

    def initial(self, request, *args, **kwargs):
        language = translation.get_language_from_request(request)  # language cookie, Accept-Language, else vi
        translation.activate(language)
        request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        token = getattr(request, "_auth", None)
        if isinstance(token, ApiToken):
            log.info("API token %r (id %s) of %s: %s %s -> %s", token.name, token.pk, token.user.username,
                     request.method, request.get_full_path(), response.status_code)
        response["Content-Language"] = translation.get_language()
        return response

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def get_queryset(self):
        """`rows()` when a view defines it (its rows depend on the path and the user); the schema generator, which has
        neither, gets the empty `queryset` that names the model."""
        if hasattr(self, "rows") and not getattr(self, "swagger_fake_view", False):
            return self.rows()
        return super().get_queryset()

    def plan(self) -> Plan:
        return get_object_or_404(Plan, pk=self.kwargs["plan"])

    def period(self) -> ReportingPeriod:
        if not hasattr(self, "_period"):
            self._period = get_object_or_404(ReportingPeriod.objects.select_related("plan"),
                                             plan_id=self.kwargs["plan"], year=self.kwargs["year"])
        return self._period


class ApiView(ApiMixin):
    """One thing, or a short fixed list: not paginated, not filtered."""

    pagination_class = None
    filter_backends: list = []


class ListView(ApiMixin, generics.ListAPIView):
    pass


class DetailView(ApiMixin, generics.RetrieveAPIView):
    filter_backends: list = []
