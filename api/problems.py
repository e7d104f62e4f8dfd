"""Errors as RFC 9457 problem details (`application/problem+json`), with the field errors inside, in the language
the client asked for (Accept-Language: vi, the default, or en)."""
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

PROBLEM_JSON = "application/problem+json"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = _("Send the report's ETag in an If-Match header: changes are refused without it, so that no one "
                       "overwrites a version they have not seen.")
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("Someone changed the report after you read it. Read it again (a new ETag) and apply your "
                       "changes to that version.")
    default_code = "precondition_failed"


class Conflict(exceptions.APIException):
    """A rule of the reporting cycle refused the action (the service's own message)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The report cannot change this way now.")
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    """The request is well formed but the report is not ready (e.g. a led task without results)."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("The report cannot be submitted yet.")
    default_code = "unprocessable"

    def __init__(self, detail=None, errors=None):
        super().__init__(detail)
        self.errors = errors or {}


TITLES = {
    400: _("Invalid input"),
    401: _("Not signed in"),
    403: _("Not allowed"),
    404: _("Not found"),
    405: _("Method not allowed"),
    406: _("Not acceptable"),
    409: _("Conflict"),
    412: _("Precondition failed"),
    415: _("Unsupported media type"),
    422: _("Cannot be processed"),
    428: _("Precondition required"),
    429: _("Too many requests"),
}


def _problem(exc: exceptions.APIException, status_code: int, request_path: str) -> dict:
    body = {
        "type": "about:blank",
        "title": str(TITLES.get(status_code, _("Error"))),
        "status": status_code,
        "instance": request_path,
    }
    detail = exc.detail
    if isinstance(detail, dict | list):
        body["detail"] = str(_("Some fields need correcting."))
        body["errors"] = detail if isinstance(detail, dict) else {"non_field_errors": detail}
    else:
        body["detail"] = str(detail)
    if getattr(exc, "errors", None):
        body["errors"] = exc.errors
    return body


def problem_handler(exc, context):
    """DRF's handler (headers such as WWW-Authenticate and Retry-After), then the body as a problem document."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None  # a 500: Django's own handler and logging
    request = context.get("request")
    body = _problem(exc, response.status_code, request.path if request is not None else "")
    response.data = body
    response.content_type = PROBLEM_JSON
    return response
