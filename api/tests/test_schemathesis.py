"""schemathesis against the live schema (/api/schema/, served by the app itself through WSGI): every operation is
called with generated input, by a token of the DFA and of the owner, and must never answer 5xx, and must answer
only the documented status codes, content types and bodies. `.ci/run` plays more examples
(PLAN119_SCHEMATHESIS_EXAMPLES) than `make test`."""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("PLAN119_SCHEMATHESIS_EXAMPLES", "5"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def wsgi_in_the_test_transaction():
    """The app called through WSGI, as a server calls it, but inside the test's transaction: Django's test client
    stops the end of each request from closing the database connection (which, on PostgreSQL, would end the
    transaction that holds the test's data); so do we."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(small_report, owner, dfa):
    from api.tokens import token_create

    return {"owner": token_create(user=owner, name="schemathesis")[1],
            "dfa": token_create(user=dfa, name="schemathesis")[1]}


def _exercise(operation, case_strategy, secret):
    @given(case=case_strategy)
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call(headers={"Authorization": f"Bearer {secret}"})
        case.validate_response(response, checks=CHECKS)

    run()


def test_api_conforms_to_its_schema(tokens, small_plan, difficulty, synthesis, wsgi_in_the_test_transaction):
    """Real plan, year and agency in the path (random ones only ever meet 404); the query and body are generated.
    Changes are made by the owner's token, everything else is read by the DFA's."""
    from plan119.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    real = {"plan": small_plan.plan.pk, "year": 2025, "agency": "T-LEAD", "id": difficulty.pk}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        names = {p.name for p in operation.iter_parameters() if p.location == "path"}
        strategy = operation.as_strategy(path_parameters={name: real[name] for name in names if name in real})
        writes = operation.method.lower() == "patch" or operation.path.endswith("submit/")
        _exercise(operation, strategy, tokens["owner" if writes else "dfa"])
