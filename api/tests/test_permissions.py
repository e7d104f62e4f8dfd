"""Every API endpoint × every role: the matrix below is the API's permission contract. An endpoint added to
api/urls.py without a row here fails `test_every_endpoint_has_an_entry`."""
import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

ROLES = ("owner", "colleague", "outsider", "dfa", "viewer", "admin", "anonymous", "token")
EVERYONE = dict.fromkeys(ROLES, 200)
SIGNED_IN = {**EVERYONE, "anonymous": 401}
READERS = {**dict.fromkeys(ROLES, 403), "dfa": 200, "viewer": 200, "admin": 200, "anonymous": 401}
OWN_AGENCY = {**SIGNED_IN, "outsider": 404}
# changing a report without If-Match: those who may get as far as the version check hear 428
EDIT = {"owner": 428, "colleague": 428, "token": 428, "outsider": 404, "dfa": 403, "viewer": 403, "admin": 403,
        "anonymous": 401}
REVIEW = {**dict.fromkeys(ROLES, 403), "dfa": 428, "admin": 428, "anonymous": 401}
# built, not final yet: the DFA, leadership (a draft, to read) and admins, as on the synthesis page
SYNTHESIS = READERS

P, R = "plans/{plan}", "plans/{plan}/periods/2025"
# url name → (method, path under /api/, expected status per role)
MATRIX = {
    "schema": ("get", "schema/", EVERYONE),
    "docs": ("get", "docs/", EVERYONE),
    "redoc": ("get", "redoc/", EVERYONE),
    "plan_list": ("get", "v1/plans/", SIGNED_IN),
    "plan_detail": ("get", f"v1/{P}/", SIGNED_IN),
    "group_list": ("get", f"v1/{P}/groups/", SIGNED_IN),
    "task_list": ("get", f"v1/{P}/tasks/", SIGNED_IN),
    "agency_list": ("get", "v1/agencies/", SIGNED_IN),
    "period_list": ("get", f"v1/{P}/periods/", SIGNED_IN),
    "period_detail": ("get", f"v1/{R}/", SIGNED_IN),
    "report_list": ("get", f"v1/{R}/reports/", SIGNED_IN),
    "report_detail": ("get", f"v1/{R}/reports/T-LEAD/", OWN_AGENCY),
    "report_detail PATCH": ("patch", f"v1/{R}/reports/T-LEAD/", EDIT),
    "report_submit": ("post", f"v1/{R}/reports/T-LEAD/submit/", EDIT),
    "report_accept": ("post", f"v1/{R}/reports/T-LEAD/accept/", REVIEW),
    "report_return": ("post", f"v1/{R}/reports/T-LEAD/return/", REVIEW),
    "figures_period": ("get", f"v1/{R}/figures/", READERS),
    "figures_agencies": ("get", f"v1/{R}/figures/agencies/", READERS),
    "figures_tasks": ("get", f"v1/{R}/figures/tasks/", READERS),
    "figures_indicators": ("get", f"v1/{R}/figures/indicators/", READERS),
    "figures_years": ("get", f"v1/{P}/figures/years/", READERS),
    "difficulty_list": ("get", f"v1/{P}/difficulties/", SIGNED_IN),
    "difficulty_detail": ("get", f"v1/{P}/difficulties/{{difficulty}}/", OWN_AGENCY),
    "synthesis": ("get", f"v1/{R}/synthesis/", SYNTHESIS),
    "synthesis_download": ("get", f"v1/{R}/synthesis/xlsx/", SYNTHESIS),
    "event_list": ("get", "v1/events/", SIGNED_IN),
}


def _api_url_names(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and namespace == "api":
            yield pattern.name


def test_every_endpoint_has_an_entry():
    names = set(_api_url_names(get_resolver().url_patterns))
    assert names, "no URL in the api namespace"
    covered = {key.split()[0] for key in MATRIX}
    assert names - covered == set(), "API endpoints without a row in the permission matrix"
    assert covered - names == set(), "rows of the matrix for endpoints that no longer exist"


@pytest.fixture
def clients(owner, colleague, outsider, dfa, viewer, admin, owner_token):
    users = {"owner": owner, "colleague": colleague, "outsider": outsider, "dfa": dfa, "viewer": viewer,
             "admin": admin}

    def client(role):
        api = APIClient()
        if role == "token":
            api.credentials(HTTP_AUTHORIZATION=f"Bearer {owner_token}")
        elif role != "anonymous":
            api.force_login(users[role])
        return api

    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(MATRIX))
def test_matrix(endpoint, role, clients, small_plan, small_report, request):
    method, path, expected = MATRIX[endpoint]
    if endpoint.startswith("synthesis"):
        request.getfixturevalue("synthesis")
    difficulty = request.getfixturevalue("difficulty") if "{difficulty}" in path else None
    url = "/api/" + path.format(plan=small_plan.plan.pk, difficulty=difficulty.pk if difficulty else 0)
    response = getattr(clients(role), method)(url, {} if method == "get" else {"comment": "Ý kiến"}, format=None
                                              if method == "get" else "json")
    assert response.status_code == expected[role], (endpoint, role, response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/problem+json"


def test_the_report_of_another_plan_or_year_is_not_found(clients, small_plan, small_report):
    response = clients("owner").get(f"/api/v1/plans/{small_plan.plan.pk}/periods/2019/reports/T-LEAD/")
    assert response.status_code == 404
    assert response.json()["status"] == 404
