"""The schema's error answers: every operation documents the problem details it may answer with (RFC 9457)."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension

PROBLEM = {
    "type": "object",
    "description": _("An error, as RFC 9457 problem details; 'errors' holds the messages of each field."),
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
    },
    "required": ["type", "title", "status"],
}
READ_ERRORS = {"400": _("Invalid input"), "401": _("Not signed in"), "403": _("Not allowed"), "404": _("Not found"),
               "406": _("Not acceptable"), "429": _("Too many requests")}
WRITE_ERRORS = {**READ_ERRORS, "405": _("Method not allowed"), "409": _("Conflict"),
                "412": _("Precondition failed"), "415": _("Unsupported media type"), "422": _("Cannot be processed"),
                "428": _("Precondition required")}


def problem_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: the Problem schema, and the error answers on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    ref = {"$ref": "#/components/schemas/Problem"}
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            errors = READ_ERRORS if method == "get" else WRITE_ERRORS
            responses = operation.setdefault("responses", {})
            for code, title in errors.items():
                if code not in responses or "content" not in responses[code]:
                    responses[code] = {"description": title, "content": {"application/problem+json": {"schema": ref}}}
    return result


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "token"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": _("A personal API token made on your profile page: Authorization: Bearer p119_…")}
